// The gateway settles one shard (issue #13, docs/design.md §Shards): this binds the chain client's
// per-shard calls to that shard, so that settlement code (chain-sync.ts, settlement-service.ts)
// keeps speaking of "the" batch sequence and never passes a shard itself.
import type { Hex } from '@feedin/protocol/hex';
import type { BatchRejectionLog, BatchSubmissionLog, SettlementChain, SettlementChainBatch, SubmitBatchParameters, SubmittedTransaction } from './ports.js';

/** The chain client's shard-taking calls (contracts/src/chain-reads.ts, chain-writes.ts). */
export interface ShardedSettlementChain {
  nextBatchId(shard?: number): Promise<bigint>;
  batch(batchId: bigint, shard?: number): Promise<SettlementChainBatch | undefined>;
  submitBatch(parameters: SubmitBatchParameters & { shard?: number }): Promise<SubmittedTransaction>;
  batchSubmissions(fromBlock: number, toBlock?: number, shard?: number): Promise<BatchSubmissionLog[]>;
  batchRejections(fromBlock: number, toBlock?: number, shard?: number): Promise<BatchRejectionLog[]>;
  withdrawn(payee: Hex, shard?: number): Promise<bigint>;
  paused(): Promise<boolean>;
  sandboxEnd(): Promise<number | null>;
}

export function shardSettlementChain(chain: ShardedSettlementChain, shard: number): SettlementChain {
  return {
    nextBatchId: () => chain.nextBatchId(shard),
    batch: (batchId) => chain.batch(batchId, shard),
    submitBatch: (p) => chain.submitBatch({ ...p, shard }),
    batchSubmissions: (fromBlock) => chain.batchSubmissions(fromBlock, undefined, shard),
    batchRejections: (fromBlock) => chain.batchRejections(fromBlock, undefined, shard),
    withdrawn: (payee) => chain.withdrawn(payee, shard),
    // The pause and the sandbox end are global: every shard stops together.
    paused: () => chain.paused(),
    sandboxEnd: () => chain.sandboxEnd(),
  };
}
