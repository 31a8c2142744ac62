// Settlement in log mode (docs/durability.md "Settlement"): a built batch is first appended to
// the shard's log as (id, interval, watermark) and only then recorded locally and submitted. A
// standby that applies the stream rebuilds each batch with the function the audit uses
// (loadBatchInput + buildBatch over the same readings up to the same watermark), so it holds
// the very batches the chain has; reconcileWithChain then marks those on chain as submitted
// instead of sending them again, and the contract's batch sequence refuses any second copy.
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import type { MeterDirectory } from '../registry/meter-directory.js';
import { loadBatchInput } from '../settlement/batch-input.js';
import { buildBatch, type BuiltBatch } from '../settlement/build-batch.js';
import type { SettlementStore } from '../settlement/settlement-store.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { BatchRecord, LogStore } from './log-store.js';

export interface BatchFromLogParameters {
  config: SandboxConfig;
  directory: MeterDirectory;
  store: ReadingStore;
  settlementStore: SettlementStore;
}

/** the settlement service's batchLog port over the log store */
export function batchLogOf(store: LogStore): { recordBuilt(batch: BuiltBatch, builtAtMs: number): Promise<void> } {
  return {
    async recordBuilt(batch, builtAtMs) {
      await store.appendBatch({ batchId: batch.batchId, intervalStartMs: batch.intervalStartMs, watermark: batch.watermark, builtAtMs });
    },
  };
}

/** applies a batch record met in the stream to the local settlement store (once) */
export function rebuildBatchFromLog(p: BatchFromLogParameters): (record: BatchRecord) => Promise<void> {
  return async (record) => {
    if (p.settlementStore.batch(record.batchId)) return;
    const input = await loadBatchInput({ batchId: record.batchId, intervalStartMs: record.intervalStartMs, watermark: record.watermark, config: p.config, directory: p.directory, store: p.store, settlementStore: p.settlementStore });
    p.settlementStore.recordBuilt(buildBatch(input), record.builtAtMs);
  };
}
