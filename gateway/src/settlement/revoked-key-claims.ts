// A key revocation back-dated to T cuts payment for every reading signed with that key at or after
// T (docs/governance.md "Meter key lifecycle"). New and rebuilt batches never close a claim on such
// a reading (batch-input.ts); this module finds the batches built before the revocation reached the
// gateway whose claims open or close on one: those not yet on chain are rebuilt, those on chain are
// listed for the regulator, who can freeze and reject them (the rebuild then leaves them out).
import { keyAt } from '@feedin/protocol/key-history';
import type { GatewayEvents } from '../events.js';
import { meterKeyHistory, type MeterDirectory } from '../registry/meter-directory.js';
import type { FrozenReading } from './build-batch.js';
import type { LocalBatchStatus, SettlementStore } from './settlement-store.js';

export interface RevokedKeyReading {
  meterId: string;
  intervalStartMs: number;
  /** which bracketing reading of the claim was signed with the revoked key */
  reading: 'opening' | 'closing';
  pagination: number;
  timestampMs: number;
  /** the revocation that covers it (sandbox ms) */
  revokedFromMs: number;
}

export interface RevokedKeyBatch {
  batchId: string;
  status: LocalBatchStatus;
  claims: RevokedKeyReading[];
}

/** Batches in `statuses` with a claim that opens or closes on a reading whose key is revoked at its TM. */
export function findRevokedKeyBatches(p: { settlementStore: SettlementStore; directory: MeterDirectory; statuses: readonly LocalBatchStatus[] }): RevokedKeyBatch[] {
  const revokedAt = (meterId: string, r: FrozenReading): number | undefined => {
    const meter = p.directory.get(meterId);
    if (!meter) return undefined;
    const at = keyAt(meterKeyHistory(meter), r.timestampMs);
    return !at.ok && at.reason === 'key-revoked' ? (at.key.revokedFromMs ?? undefined) : undefined;
  };
  // Only meters with a revocation can have such readings: skip the rest without reading claims.
  const revokedMeters = new Set(p.directory.all().filter((m) => m.keys?.some((k) => k.revokedFromMs !== null)).map((m) => m.meterId));
  if (revokedMeters.size === 0) return [];
  const found: RevokedKeyBatch[] = [];
  for (const batch of p.settlementStore.batchesWithStatus(p.statuses)) {
    const claims: RevokedKeyReading[] = [];
    for (const claim of p.settlementStore.claims(batch.rowId)) {
      if (!revokedMeters.has(claim.meterId)) continue;
      for (const which of ['opening', 'closing'] as const) {
        const reading = claim[which];
        const revokedFromMs = revokedAt(claim.meterId, reading);
        if (revokedFromMs !== undefined)
          claims.push({ meterId: claim.meterId, intervalStartMs: claim.intervalStartMs, reading: which, pagination: reading.pagination, timestampMs: reading.timestampMs, revokedFromMs });
      }
    }
    if (claims.length > 0) found.push({ batchId: batch.batchId.toString(), status: batch.status, claims });
  }
  return found;
}

/** A fingerprint of every revocation in the directory: when it changes, look again. */
export function revocationsFingerprint(directory: MeterDirectory): string {
  return directory
    .all()
    .flatMap((m) => (m.keys ?? []).filter((k) => k.revokedFromMs !== null).map((k) => `${m.meterId}@${k.validFromMs}:${k.revokedFromMs}`))
    .sort()
    .join(',');
}

/** Statuses of batches on chain that the regulator can still freeze and reject. */
export const REJECTABLE_ON_CHAIN: readonly LocalBatchStatus[] = ['submitted', 'pending', 'frozen'];

/**
 * After a revocation reached the directory: built batches not yet on chain that paid a revoked
 * key's reading are discarded from the first of them on (rebuilt under the same ids by the next
 * build, without those readings), and the rejectable batches on chain that paid one are returned
 * for the regulator (`settlement.key-revoked` events, the regulator status).
 */
export function followRevocations(p: {
  settlementStore: SettlementStore;
  directory: MeterDirectory;
  events: GatewayEvents;
  log: (msg: string) => void;
  minNextBatchIdKey: string;
}): RevokedKeyBatch[] {
  const unsent = findRevokedKeyBatches({ ...p, statuses: ['built'] });
  if (unsent.length > 0) {
    const from = BigInt(unsent[0]!.batchId);
    const discarded = p.settlementStore.rejectFrom(from, { [p.minNextBatchIdKey]: from.toString() });
    for (const b of discarded)
      p.events.emit('batch.rejected', { batchId: b.batchId.toString(), reason: `discarded before submission: a key revocation covers readings it paid; rebuilt from batch ${from}` });
    p.log(`settlement: ${discarded.length} built batch(es) paid readings of a revoked key; rebuilding from batch ${from}`);
  }
  const onChain = findRevokedKeyBatches({ ...p, statuses: REJECTABLE_ON_CHAIN });
  for (const b of onChain)
    for (const c of b.claims) {
      const detail = `batch ${b.batchId} (${b.status}) pays ${c.meterId}'s ${c.reading} reading F${c.pagination} at ${new Date(c.timestampMs).toISOString()}, signed with a key revoked from ${new Date(c.revokedFromMs).toISOString()}: freeze and reject it to rebuild without it`;
      p.events.emit('settlement.key-revoked', { batchId: b.batchId, meterId: c.meterId, detail });
      p.log(`settlement: ${detail}`);
    }
  return onChain;
}
