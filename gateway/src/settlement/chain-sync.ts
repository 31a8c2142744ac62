// The steps that keep local batches and the chain in agreement. Each step reads the chain first
// and changes local state in one store transaction, so a crash between any two steps is
// repaired by running them again (docs/design.md §Submission: no batch is sent twice, none is
// skipped).
import type { GatewayEvents } from '../events.js';
import { isOutOfOrder, isPausedRefusal } from './chain-errors.js';
import type { SettlementChain } from './ports.js';
import type { LocalBatch, LocalBatchStatus, SettlementStore } from './settlement-store.js';

export interface ChainSyncContext {
  chain: SettlementChain;
  settlementStore: SettlementStore;
  events: GatewayEvents;
  log: (msg: string) => void;
}

/** The chain holds a different batch under an id we built: another writer, or a lost local store.
 * Settlement stops submitting; an operator must decide (fresh chain or restored data dir). */
export class SettlementConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettlementConflictError';
  }
}

/** meta keys: the block through which rejections were applied; the lowest id the next build may
 * take (the chain's nextBatchId after a rejection, whether or not the contract reuses ids). */
export const REJECTIONS_APPLIED_THROUGH = 'rejectionsAppliedThroughBlock';
export const MIN_NEXT_BATCH_ID = 'minNextBatchId';

/** Statuses a regulator's rejection can still reach (frozen, or pending behind a frozen one). */
const REJECTABLE: readonly LocalBatchStatus[] = ['submitted', 'pending', 'frozen'];
const ON_CHAIN_UNSETTLED: readonly LocalBatchStatus[] = ['submitted', 'pending', 'frozen', 'approved'];

/** Applies `BatchRejected` events to local batches. Returns how many local batches it rejected. */
export async function applyRejections(ctx: ChainSyncContext): Promise<number> {
  const { chain, settlementStore: local } = ctx;
  const exposed = local.batchesWithStatus(REJECTABLE, 1);
  const hasUnrecorded = local.countWithStatus(['built']) > 0;
  // Only batches on chain can be rejected: scan from the oldest one that still could be (or, if a
  // built batch may have been sent without being recorded, from the last recorded submission).
  const blocks = [...exposed.map((b) => b.blockNumber ?? 0), ...(hasUnrecorded ? [local.lastRecordedBlock()] : [])];
  if (blocks.length === 0) return 0;
  // A rejection is applied once: the block it was applied through is saved with the rollback.
  const appliedThrough = Number(local.meta(REJECTIONS_APPLIED_THROUGH) ?? '-1');
  const logs = (await chain.batchRejections(Math.max(Math.min(...blocks), appliedThrough + 1))).filter((l) => l.blockNumber > appliedThrough);
  if (logs.length === 0) return 0;
  const nextOnChain = await chain.nextBatchId();
  let count = 0;
  for (const log of [...logs].sort((a, b) => a.blockNumber - b.blockNumber)) {
    const target = local.batch(log.batchId);
    // Our rebuilt batch with this id was submitted after the rejection: that rejection is done.
    if (!target || (target.blockNumber !== null && target.blockNumber > log.blockNumber)) continue;
    const rejected = local.rejectFrom(log.batchId, {
      [MIN_NEXT_BATCH_ID]: nextOnChain.toString(),
      [REJECTIONS_APPLIED_THROUGH]: String(log.blockNumber),
    });
    for (const b of rejected)
      ctx.events.emit('batch.rejected', {
        batchId: b.batchId.toString(),
        reason: b.batchId === log.batchId ? `rejected by the regulator (block ${log.blockNumber})` : `discarded with rejected batch ${log.batchId}`,
      });
    ctx.log(`settlement: batch ${log.batchId} rejected on chain; ${rejected.length} local batch(es) rolled back, rebuilding from ${log.batchId}`);
    count += rejected.length;
  }
  return count;
}

/** Reads nextBatchId and brings local statuses in line: batches below it are on chain (their
 * tx hash is read from the BatchSubmitted logs), batches at or above it are not. */
export async function reconcileWithChain(ctx: ChainSyncContext): Promise<void> {
  const { chain, settlementStore: local } = ctx;
  const next = await chain.nextBatchId();

  const unrecorded = local.batchesWithStatus(['built']).filter((b) => b.batchId < next);
  if (unrecorded.length > 0) {
    const logs = await chain.batchSubmissions(local.lastRecordedBlock());
    const byId = new Map(logs.map((l) => [l.batchId, l]));
    for (const b of unrecorded) {
      await assertSameRoots(ctx, b);
      const log = byId.get(b.batchId);
      if (!log) throw new SettlementConflictError(`batch ${b.batchId} is on chain but no BatchSubmitted event was found from block ${local.lastRecordedBlock()}`);
      local.recordSubmitted(b.batchId, { txHash: log.txHash, blockNumber: log.blockNumber, gasUsed: null });
      ctx.events.emit('batch.status', { batchId: b.batchId.toString(), status: 'submitted' });
      ctx.log(`settlement: batch ${b.batchId} was already on chain (tx ${log.txHash}); recorded`);
    }
  }

  // Recorded as sent but the chain does not have them: a reset chain. Send them again, in order.
  for (const b of local.batchesWithStatus(ON_CHAIN_UNSETTLED).filter((x) => x.batchId >= next)) {
    local.setStatus(b.batchId, 'built');
    ctx.log(`settlement: batch ${b.batchId} is not on chain (next id there is ${next}); will submit it again`);
  }

  const lastLocal = local.lastBatch();
  if (next > 1n && (!lastLocal || lastLocal.batchId < next - 1n)) {
    const newest = await chain.batch(next - 1n);
    if (newest && newest.status !== 'rejected')
      throw new SettlementConflictError(
        `the chain has batches up to ${next - 1n} but this gateway's settlement store only up to ${lastLocal?.batchId ?? 0n}: ` +
          'restore the data dir that belongs to this chain, or start with a fresh chain',
      );
  }
}

async function assertSameRoots(ctx: ChainSyncContext, b: LocalBatch): Promise<void> {
  const onChain = await ctx.chain.batch(b.batchId);
  if (!onChain) throw new SettlementConflictError(`batch ${b.batchId} is below the chain's next id but cannot be read`);
  if (onChain.claimsRoot.toLowerCase() !== b.claimsRoot.toLowerCase() || onChain.payoutsRoot.toLowerCase() !== b.payoutsRoot.toLowerCase())
    throw new SettlementConflictError(
      `batch ${b.batchId} on chain has roots ${onChain.claimsRoot}/${onChain.payoutsRoot}, the local build has ${b.claimsRoot}/${b.payoutsRoot}`,
    );
}

/** Submits built batches strictly in id order. Stops at an out-of-order refusal, which the
 * caller answers by re-reading the chain (never by skipping the batch). */
export async function submitBuilt(ctx: ChainSyncContext, limit: number): Promise<{ submitted: number; outOfOrder: boolean; paused?: boolean }> {
  const { chain, settlementStore: local } = ctx;
  let submitted = 0;
  for (const b of local.batchesWithStatus(['built'], limit)) {
    let tx;
    try {
      tx = await chain.submitBatch({
        batchId: b.batchId,
        intervalStartSec: BigInt(b.intervalStartMs / 1000),
        intervalEndSec: BigInt(b.intervalEndMs / 1000),
        claimsRoot: b.claimsRoot,
        payoutsRoot: b.payoutsRoot,
        claimCount: BigInt(b.claimCount),
        totalExportWh: b.totalExportWh,
        totalAmount: b.totalAmount,
      });
    } catch (error) {
      if (isOutOfOrder(error)) return { submitted, outOfOrder: true };
      // Paused after our check: the batch stays built and goes out after the resume.
      if (isPausedRefusal(error)) return { submitted, outOfOrder: false, paused: true };
      throw error;
    }
    local.recordSubmitted(b.batchId, tx);
    submitted += 1;
    ctx.events.emit('batch.submitted', { batchId: b.batchId.toString(), txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString() });
  }
  return { submitted, outOfOrder: false };
}

/** Reads pending → frozen / approved / final from the chain for the dashboard. */
export async function refreshStatuses(ctx: ChainSyncContext, limit: number): Promise<void> {
  const { chain, settlementStore: local } = ctx;
  for (const b of local.batchesWithStatus(ON_CHAIN_UNSETTLED, limit)) {
    const onChain = await chain.batch(b.batchId);
    // A rejected batch is handled by applyRejections with its whole rollback; not here.
    if (!onChain || onChain.status === 'rejected') continue;
    const status = onChain.final ? 'final' : onChain.status;
    if (status === b.status) continue;
    local.setStatus(b.batchId, status);
    ctx.events.emit('batch.status', { batchId: b.batchId.toString(), status });
  }
}
