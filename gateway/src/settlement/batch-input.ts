// Gathers the inputs of buildBatch from the stores: which meters take part, their prices, their
// frozen openings and the closing readings under the watermark. The service builds with it and
// an audit rebuild uses the same function with the stored watermark, so both see the same data.
import type { Hex } from '@feedin/protocol/hex';
import { checksumAddress } from '@feedin/protocol/address';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { pricePerKWhAt } from '@feedin/sandbox-config/tariff-price';
import { keyAt } from '@feedin/protocol/key-history';
import { meterKeyHistory, type DirectoryMeter, type MeterDirectory } from '../registry/meter-directory.js';
import type { ReadingStore, StoredReading } from '../store/reading-store.js';
import type { BatchMeterInput, BuildBatchInput, FrozenReading } from './build-batch.js';
import type { SettlementStore } from './settlement-store.js';

export interface LoadBatchInputParameters {
  batchId: bigint;
  intervalStartMs: number;
  watermark: number;
  config: SandboxConfig;
  directory: MeterDirectory;
  store: ReadingStore;
  settlementStore: SettlementStore;
}

export async function loadBatchInput(p: LoadBatchInputParameters): Promise<BuildBatchInput> {
  const { config, settlementStore } = p;
  const minutes = config.interval.minutes;
  const intervalEndMs = p.intervalStartMs + minutes * 60_000;
  const previous = p.batchId - 1n;
  const states = settlementStore.meterStates(previous);
  const localDay = localDayOf(p.intervalStartMs, config.sandbox.utcOffsetMinutes);
  const configured = new Map(config.meters.map((m) => [m.id, m]));
  const tariffs = new Map(config.tariffs.map((t) => [t.id, t]));

  const meters: BatchMeterInput[] = [];
  for (const d of p.directory.all()) {
    const m = configured.get(d.meterId);
    // Registered on chain AND in the sandbox config, active, not suspended at the interval start.
    if (!m || !d.active || (d.suspendedFromMs !== null && d.suspendedFromMs <= p.intervalStartMs)) continue;
    // A suspension inside the interval: readings with TM ≥ the suspension time are not paid, even
    // those stored before the regulator's suspension reached the gateway (a back-dated --from).
    const closingAtMs = d.suspendedFromMs !== null && d.suspendedFromMs <= intervalEndMs ? d.suspendedFromMs - 1 : intervalEndMs;
    const tariff = tariffs.get(m.tariff);
    const state = states.get(d.meterId);
    const { closing, keyRevoked } = await closingReading(p, d, closingAtMs);
    const { meterAllowlist, householdAllowlist } = config.limits;
    meters.push({
      meterId: d.meterId,
      payee: checksumAddress(d.payee),
      householdId: m.household,
      capacityW: d.capacityW,
      pricePerKWh: tariff && pricePerKWhAt(tariff, p.intervalStartMs, config.sandbox.utcOffsetMinutes),
      opening: state?.frozen,
      carryIn: state?.carry ?? 0n,
      closing: closing && frozen(closing),
      keyRevoked,
      allowlisted: (!meterAllowlist || meterAllowlist.includes(d.meterId)) && (!householdAllowlist || householdAllowlist.includes(m.household)),
    });
  }
  const before = settlementStore.listBatches({ before: p.batchId, limit: 1 })[0];
  return {
    batchId: p.batchId,
    intervalStartMs: p.intervalStartMs,
    intervalMinutes: minutes,
    watermark: p.watermark,
    meters,
    limits: {
      exportCapPercentOfCapacity: config.limits.exportCapPercentOfCapacity,
      householdDailyCap: config.limits.householdDailyCap,
      batchCap: config.limits.batchCap,
      budget: config.limits.budget,
      periodStartMs: Date.parse(config.sandbox.start),
      periodEndMs: Date.parse(config.sandbox.end),
    },
    localDay,
    householdDayTotals: settlementStore.householdDayTotals(localDay, previous),
    payeeCumulative: new Map([...settlementStore.payeeCumulative(previous)].map(([payee, v]) => [checksumAddress(payee) as Hex, v])),
    paidBefore: before?.paidThrough ?? 0n,
  };
}

/**
 * The claim's closing reading: the last one with TM ≤ `atMs` under the watermark whose key was not
 * revoked at its TM (docs/design.md §Key history: a revocation from T cuts payment for every
 * reading signed with that key from T, also for readings stored before the revocation reached the
 * gateway).
 */
async function closingReading(p: LoadBatchInputParameters, meter: DirectoryMeter, atMs: number): Promise<{ closing: StoredReading | undefined; keyRevoked: boolean }> {
  const keys = meterKeyHistory(meter);
  let closing = await p.store.latestAtOrBefore(meter.meterId, atMs, p.watermark);
  let keyRevoked = false;
  while (closing) {
    const at = keyAt(keys, closing.timestampMs);
    if (at.ok || at.reason !== 'key-revoked' || at.key.revokedFromMs === null) break;
    keyRevoked = true;
    // revokedFromMs ≥ that key's validFromMs, so each step goes strictly back in time
    closing = await p.store.latestAtOrBefore(meter.meterId, at.key.revokedFromMs - 1, p.watermark);
  }
  return { closing, keyRevoked };
}

export function frozen(r: StoredReading): FrozenReading {
  return { seq: r.seq, pagination: r.pagination, exportWh: r.exportWh, timestampMs: r.timestampMs, payloadDigest: r.payloadDigest };
}

/** The sandbox-local calendar day (YYYY-MM-DD) of a sandbox time: the household daily cap's day. */
export function localDayOf(timeMs: number, utcOffsetMinutes: number): string {
  return new Date(timeMs + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}
