// The narrow view of the chain that settlement needs (ports & adapters): the composition root
// passes the contracts helper's ChainClient, which satisfies it structurally; unit tests pass an
// in-memory fake. Only these calls are made, so a fake that implements them is a faithful one.
import type { Hex } from '@feedin/protocol/hex';
import type { OnChainBatchStatus, SubmitBatchParameters } from '@feedin/contracts/chain-types';

// The contract's batch status and submission fields, defined once next to the contract's ABI.
export type { OnChainBatchStatus, SubmitBatchParameters };

export interface SettlementChainBatch {
  status: OnChainBatchStatus;
  /** true once the challenge window passed without a freeze (or after approval) */
  final: boolean;
  claimsRoot: Hex;
  payoutsRoot: Hex;
}

export interface SubmittedTransaction {
  txHash: Hex;
  blockNumber: number;
  gasUsed: bigint;
}

export interface BatchSubmissionLog {
  batchId: bigint;
  txHash: Hex;
  blockNumber: number;
}

export interface BatchRejectionLog {
  batchId: bigint;
  blockNumber: number;
}

export interface SettlementChain {
  nextBatchId(): Promise<bigint>;
  batch(batchId: bigint): Promise<SettlementChainBatch | undefined>;
  submitBatch(parameters: SubmitBatchParameters): Promise<SubmittedTransaction>;
  batchSubmissions(fromBlock: number): Promise<BatchSubmissionLog[]>;
  batchRejections(fromBlock: number): Promise<BatchRejectionLog[]>;
  withdrawn(payee: Hex): Promise<bigint>;
  /** the regulator's pause: while true the contract refuses submitBatch (and withdraw) */
  paused(): Promise<boolean>;
  /** unix seconds (sandbox time) the regulator ended the sandbox at; null while it runs */
  sandboxEnd(): Promise<number | null>;
}

/** What an audit bundle says about the chain (docs/design.md §Chain: contract addresses, chain id). */
export interface ChainInfo {
  chainId: number;
  rpcUrl: string;
  registry: Hex;
  settlement: Hex;
  token: Hex;
}
