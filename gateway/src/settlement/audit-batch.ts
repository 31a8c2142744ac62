// `feedin audit batch <id>`: rebuild a stored batch from the stored readings under its watermark
// and the state after the previous batch, and compare roots (DESIGN: determinism is auditable).
// The directory and config are today's: a payee or capacity changed since shows as a difference.
import type { Hex } from '@feedin/protocol/hex';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import type { MeterDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { loadBatchInput } from './batch-input.js';
import { buildBatch } from './build-batch.js';
import type { SettlementStore } from './settlement-store.js';

export interface AuditBatchReturnType {
  ok: boolean;
  batchId: string;
  stored: { claimsRoot: Hex; payoutsRoot: Hex; claimCount: number; totalAmount: string };
  rebuilt: { claimsRoot: Hex; payoutsRoot: Hex; claimCount: number; totalAmount: string };
  /** meter ids whose claim differs (missing on one side or a different leaf) */
  differingMeters: string[];
}

export async function auditBatch(p: {
  batchId: bigint;
  config: SandboxConfig;
  directory: MeterDirectory;
  store: ReadingStore;
  settlementStore: SettlementStore;
}): Promise<AuditBatchReturnType | undefined> {
  const stored = p.settlementStore.batch(p.batchId);
  if (!stored) return undefined;
  const input = await loadBatchInput({ ...p, intervalStartMs: stored.intervalStartMs, watermark: stored.watermark });
  const rebuilt = buildBatch(input);
  const storedLeaves = new Map(p.settlementStore.claims(stored.rowId).map((c) => [c.meterId, c.leafHash]));
  const rebuiltLeaves = new Map(rebuilt.claims.map((c) => [c.leaf.meterId, c.leafHash]));
  const differingMeters = [...new Set([...storedLeaves.keys(), ...rebuiltLeaves.keys()])]
    .filter((m) => storedLeaves.get(m) !== rebuiltLeaves.get(m))
    .sort();
  return {
    ok: rebuilt.claimsRoot === stored.claimsRoot && rebuilt.payoutsRoot === stored.payoutsRoot,
    batchId: stored.batchId.toString(),
    stored: { claimsRoot: stored.claimsRoot, payoutsRoot: stored.payoutsRoot, claimCount: stored.claimCount, totalAmount: stored.totalAmount.toString() },
    rebuilt: { claimsRoot: rebuilt.claimsRoot, payoutsRoot: rebuilt.payoutsRoot, claimCount: rebuilt.claimCount, totalAmount: rebuilt.totalAmount.toString() },
    differingMeters,
  };
}
