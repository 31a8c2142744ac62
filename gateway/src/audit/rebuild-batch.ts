// `feedin audit batch <batchId>`: rebuild one batch from the stored signed readings (under the
// batch's watermark), the state after the previous batch and the sandbox config, with the very
// build code the gateway used, then compare roots and totals three ways: rebuilt, what the gateway
// recorded, and what the settlement contract holds. The chain is the reference: a batch is
// confirmed only when the rebuild equals the chain.
import type { Keccak256Implementation } from '@feedin/protocol/keccak';
import type { Hex } from '@feedin/protocol/hex';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import type { MeterDirectory } from '../registry/meter-directory.js';
import { loadBatchInput } from '../settlement/batch-input.js';
import { buildBatch } from '../settlement/build-batch.js';
import type { SettlementStore } from '../settlement/settlement-store.js';
import type { ReadingStore } from '../store/reading-store.js';

export interface BatchTotals {
  claimsRoot: Hex;
  payoutsRoot: Hex;
  claimCount: string;
  totalExportWh: string;
  totalAmount: string;
}

/** The chain read this audit needs; the contracts package's ChainClient satisfies it. */
export interface AuditBatchChain {
  batch(batchId: bigint): Promise<
    | { claimsRoot: Hex; payoutsRoot: Hex; claimCount: bigint; totalExportWh: bigint; totalAmount: bigint; status: string; intervalStartSec: bigint; intervalEndSec: bigint }
    | undefined
  >;
}

export interface BatchDifference {
  field: keyof BatchTotals | 'interval' | `claim:${string}`;
  rebuilt: string;
  recorded: string;
  onChain: string;
}

export interface RebuildBatchReturnType {
  ok: boolean;
  batchId: string;
  chainStatus: string;
  rebuilt: BatchTotals;
  recorded: BatchTotals;
  onChain: BatchTotals | null;
  differences: BatchDifference[];
}

const FIELDS = ['claimsRoot', 'payoutsRoot', 'claimCount', 'totalExportWh', 'totalAmount'] as const;

export async function rebuildBatch(p: {
  batchId: bigint;
  config: SandboxConfig;
  directory: MeterDirectory;
  store: ReadingStore;
  settlementStore: SettlementStore;
  chain: AuditBatchChain;
  /** the caller's Keccak for the two trees (portable when absent: the same roots) */
  keccak?: Keccak256Implementation | undefined;
}): Promise<RebuildBatchReturnType | undefined> {
  const recordedBatch = p.settlementStore.batch(p.batchId);
  if (!recordedBatch) return undefined;
  const input = await loadBatchInput({ ...p, intervalStartMs: recordedBatch.intervalStartMs, watermark: recordedBatch.watermark });
  const built = buildBatch(input, p.keccak);
  const chainBatch = await p.chain.batch(p.batchId);

  const totals = (b: { claimsRoot: Hex; payoutsRoot: Hex; claimCount: number | bigint; totalExportWh: bigint; totalAmount: bigint }): BatchTotals => ({
    claimsRoot: b.claimsRoot.toLowerCase() as Hex,
    payoutsRoot: b.payoutsRoot.toLowerCase() as Hex,
    claimCount: b.claimCount.toString(),
    totalExportWh: b.totalExportWh.toString(),
    totalAmount: b.totalAmount.toString(),
  });
  const rebuilt = totals(built);
  const recorded = totals(recordedBatch);
  const onChain = chainBatch ? totals(chainBatch) : null;

  const differences: BatchDifference[] = [];
  for (const field of FIELDS) {
    const values = [rebuilt[field], recorded[field], onChain?.[field] ?? '(not on chain)'];
    if (new Set(values).size > 1) differences.push({ field, rebuilt: values[0]!, recorded: values[1]!, onChain: values[2]! });
  }
  if (chainBatch && BigInt(recordedBatch.intervalStartMs / 1000) !== chainBatch.intervalStartSec)
    differences.push({ field: 'interval', rebuilt: String(built.intervalStartMs / 1000), recorded: String(recordedBatch.intervalStartMs / 1000), onChain: chainBatch.intervalStartSec.toString() });

  // Claim by claim, so a difference points at the meter (the chain holds only the root).
  const recordedClaims = new Map(p.settlementStore.claims(recordedBatch.rowId).map((c) => [c.meterId, c]));
  const rebuiltClaims = new Map(built.claims.map((c) => [c.leaf.meterId, c]));
  for (const meterId of [...new Set([...recordedClaims.keys(), ...rebuiltClaims.keys()])].sort()) {
    const a = rebuiltClaims.get(meterId);
    const b = recordedClaims.get(meterId);
    if (a?.leafHash === b?.leafHash) continue;
    const describe = (c: { exportWh: bigint; amount: bigint } | undefined) => (c ? `${c.exportWh} Wh, ${c.amount}` : '(no claim)');
    differences.push({ field: `claim:${meterId}`, rebuilt: describe(a?.leaf), recorded: describe(b), onChain: '(root only)' });
  }
  return {
    ok: differences.length === 0 && chainBatch !== undefined,
    batchId: p.batchId.toString(),
    chainStatus: chainBatch?.status ?? 'not on chain',
    rebuilt,
    recorded,
    onChain,
    differences,
  };
}
