// An in-memory settlement contract with the rules the gateway relies on: sequential batch ids
// (out of order → SettlementBatchOutOfOrder), rejection discards the batch and every later
// pending one and reuses their ids, finality in order (a batch is final only once every earlier
// one is: Settlement, issue #10), logs for submissions and rejections. Switches simulate an
// unreachable node and a send whose answer is lost after the transaction landed.
import type { Hex } from '@feedin/protocol/hex';
import type {
  BatchRejectionLog,
  BatchSubmissionLog,
  OnChainBatchStatus,
  SettlementChain,
  SettlementChainBatch,
  SubmitBatchParameters,
  SubmittedTransaction,
} from '../../src/settlement/ports.js';

export class FakeChainError extends Error {
  constructor(
    readonly code: 'reverted' | 'unreachable' | 'timeout',
    message: string,
    readonly revert?: { name: string; args: unknown[] },
  ) {
    super(message);
  }
}

interface FakeBatch extends SubmitBatchParameters {
  status: OnChainBatchStatus;
  final: boolean;
  txHash: Hex;
  blockNumber: number;
}

export class FakeChain implements SettlementChain {
  block = 1;
  down = false;
  /** the next submitBatch lands on chain, then fails as a timeout (answer lost) */
  loseNextAnswer: false | 'timeout' | 'unreachable' = false;
  /** the regulator's pause: submitBatch reverts SettlementPaused */
  isPaused = false;
  sandboxEndSec: number | null = null;
  readonly batches = new Map<bigint, FakeBatch>();
  /** every batch id that landed, in order (rejected ones included) */
  readonly landed: bigint[] = [];
  readonly submitAttempts: bigint[] = [];
  readonly rejections: BatchRejectionLog[] = [];
  readonly submissions: BatchSubmissionLog[] = [];
  #next = 1n;

  #reachable(): void {
    if (this.down) throw new FakeChainError('unreachable', 'connect ECONNREFUSED 127.0.0.1:8545');
  }

  async paused(): Promise<boolean> {
    this.#reachable();
    return this.isPaused;
  }

  async sandboxEnd(): Promise<number | null> {
    this.#reachable();
    return this.sandboxEndSec;
  }

  async nextBatchId(): Promise<bigint> {
    this.#reachable();
    return this.#next;
  }

  /** The whole record, as the chain client returns it: audits read the totals and the interval too. */
  async batch(batchId: bigint): Promise<(SettlementChainBatch & Omit<SubmitBatchParameters, 'batchId'>) | undefined> {
    this.#reachable();
    const b = this.batches.get(batchId);
    if (!b) return undefined;
    const { status, final, claimsRoot, payoutsRoot, intervalStartSec, intervalEndSec, claimCount, totalExportWh, totalAmount } = b;
    return { status, final, claimsRoot, payoutsRoot, intervalStartSec, intervalEndSec, claimCount, totalExportWh, totalAmount };
  }

  async submitBatch(p: SubmitBatchParameters): Promise<SubmittedTransaction> {
    this.#reachable();
    this.submitAttempts.push(p.batchId);
    if (this.isPaused) throw new FakeChainError('reverted', 'execution reverted', { name: 'SettlementPaused', args: [] });
    if (this.sandboxEndSec !== null && p.intervalEndSec > BigInt(this.sandboxEndSec))
      throw new FakeChainError('reverted', 'execution reverted', { name: 'SettlementSandboxEnded', args: [BigInt(this.sandboxEndSec), p.intervalEndSec] });
    if (p.batchId !== this.#next)
      throw new FakeChainError('reverted', 'execution reverted', { name: 'SettlementBatchOutOfOrder', args: [this.#next, p.batchId] });
    const blockNumber = ++this.block;
    const txHash = `0x${blockNumber.toString(16).padStart(64, 'a')}` as Hex;
    this.batches.set(p.batchId, { ...p, status: 'pending', final: false, txHash, blockNumber });
    this.landed.push(p.batchId);
    this.submissions.push({ batchId: p.batchId, txHash, blockNumber });
    this.#next += 1n;
    if (this.loseNextAnswer) {
      const code = this.loseNextAnswer;
      this.loseNextAnswer = false;
      throw new FakeChainError(code, code === 'timeout' ? 'timeout waiting for the receipt' : 'socket hang up');
    }
    return { txHash, blockNumber, gasUsed: 100_000n };
  }

  async batchSubmissions(fromBlock: number): Promise<BatchSubmissionLog[]> {
    this.#reachable();
    return this.submissions.filter((s) => s.blockNumber >= fromBlock);
  }

  async batchRejections(fromBlock: number): Promise<BatchRejectionLog[]> {
    this.#reachable();
    return this.rejections.filter((r) => r.blockNumber >= fromBlock);
  }

  async withdrawn(): Promise<bigint> {
    this.#reachable();
    return 0n;
  }

  /** regulator: reject a batch, discarding it and every later pending batch */
  reject(batchId: bigint): void {
    const blockNumber = ++this.block;
    // Like the contract: the discarded records stay, and read as rejected until their id is resubmitted.
    for (const [id, b] of this.batches) if (id >= batchId) this.batches.set(id, { ...b, status: 'rejected', final: false });
    this.#next = batchId;
    this.rejections.push({ batchId, blockNumber });
  }

  /** the challenge window passed (or the regulator approved); refuses to skip an earlier batch,
   * which the contract would never make final first */
  finalize(batchId: bigint): void {
    for (const [id, earlier] of this.batches)
      if (id < batchId && !earlier.final) throw new Error(`fake chain: batch ${batchId} cannot be final before batch ${id}`);
    const b = this.batches.get(batchId)!;
    this.batches.set(batchId, { ...b, status: 'final', final: true });
  }

  freeze(batchId: bigint): void {
    const b = this.batches.get(batchId)!;
    this.batches.set(batchId, { ...b, status: 'frozen' });
  }

  approve(batchId: bigint): void {
    const b = this.batches.get(batchId)!;
    this.batches.set(batchId, { ...b, status: 'approved', final: true });
  }

  /** the challenge window of every pending batch ends */
  passChallengeWindow(): void {
    for (const [id, b] of this.batches) if (b.status === 'pending') this.finalize(id);
  }
}
