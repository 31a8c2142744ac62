// Withdrawals for payees: the proof of the newest FINAL batch's payouts leaf, sent by whoever holds
// a funded key (the CLI's operator key, the dashboard's gateway key). docs/design.md §Withdrawals:
// anyone may trigger a withdrawal for a payee, and the payee receives cumulative − already
// withdrawn; the contract enforces that, this module only picks the proof and explains the outcome.
import type { Hex } from '@feedin/protocol/hex';
import type { ChainRefusal } from '@feedin/contracts/chain-refusal';
import { chainRefusal, describeChainError, revertName } from '../settlement/chain-errors.js';
import type { PayoutView, SettlementQueries } from '../settlement/queries.js';

/** The chain calls a withdrawal needs; the contracts package's ChainClient satisfies it. */
export interface PayoutChain {
  withdrawn(payee: Hex): Promise<bigint>;
  withdraw(parameters: { batchId: bigint; payee: Hex; cumulativeAmount: bigint; proof: readonly Hex[] }): Promise<{
    txHash: Hex;
    blockNumber: number;
    gasUsed: bigint;
    events: ReadonlyArray<{ name: string; args: Record<string, unknown> }>;
  }>;
  /** one transaction for many payees of one final batch (Settlement.withdrawMany); optional */
  withdrawMany?(parameters: { batchId: bigint; payouts: ReadonlyArray<{ payee: Hex; cumulativeAmount: bigint; proof: readonly Hex[] }> }): Promise<{
    txHash: Hex;
    blockNumber: number;
    gasUsed: bigint;
    events: ReadonlyArray<{ name: string; args: Record<string, unknown> }>;
  }>;
}

export type WithdrawPayoutReturnType =
  | {
      ok: true;
      payee: Hex;
      batchId: string;
      cumulativeAmount: string;
      withdrawnBefore: string;
      /** what the contract transferred: its Withdrawn event's amount */
      paid: string;
      txHash: Hex;
      blockNumber: number;
      gasUsed: string;
    }
  | { ok: false; payee: Hex; reason: WithdrawRefusal; detail: string; payout?: PayoutView; refusal?: ChainRefusal };

export type WithdrawRefusal = 'no-final-batch' | 'nothing-due' | 'paused' | 'reverted' | 'chain-error';

export async function withdrawPayout(p: { payee: Hex; queries: Pick<SettlementQueries, 'payoutOf'>; chain: PayoutChain }): Promise<WithdrawPayoutReturnType> {
  const payout = await p.queries.payoutOf(p.payee, p.chain);
  const payee = payout.payee;
  if (payout.batchId === null) return { ok: false, payee, reason: 'no-final-batch', detail: `no batch is final yet, so nothing can be withdrawn for ${payee}`, payout };
  const cumulative = BigInt(payout.cumulativeAmount);
  const withdrawnBefore = BigInt(payout.withdrawn);
  if (cumulative <= withdrawnBefore)
    return { ok: false, payee, reason: 'nothing-due', detail: `nothing due to ${payee}: cumulative ${cumulative} through final batch ${payout.batchId}, already withdrawn ${withdrawnBefore}`, payout };
  try {
    const tx = await p.chain.withdraw({ batchId: BigInt(payout.batchId), payee, cumulativeAmount: cumulative, proof: payout.proof as Hex[] });
    const event = tx.events.find((e) => e.name === 'Withdrawn');
    const paid = event ? String(event.args.amount) : (cumulative - withdrawnBefore).toString();
    return { ok: true, payee, batchId: payout.batchId, cumulativeAmount: cumulative.toString(), withdrawnBefore: withdrawnBefore.toString(), paid, txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString() };
  } catch (error) {
    const name = revertName(error);
    // A concurrent withdrawal can land between the read and the send: the contract then refuses.
    if (name === 'SettlementNothingDue') return { ok: false, payee, reason: 'nothing-due', detail: `nothing due to ${payee}: another withdrawal already paid cumulative ${cumulative}`, payout };
    if (name === 'SettlementPaused') return { ok: false, payee, reason: 'paused', detail: 'settlement is paused by the regulator; withdrawals resume when it is resumed', payout };
    const refusal = chainRefusal(error);
    if (name) return { ok: false, payee, reason: 'reverted', detail: `the settlement contract refused the withdrawal: ${describeChainError(error)}`, payout, ...(refusal ? { refusal } : {}) };
    return { ok: false, payee, reason: 'chain-error', detail: describeChainError(error), payout };
  }
}

export interface SweepPayoutsReturnType {
  /** payees paid, in address order */
  paid: Extract<WithdrawPayoutReturnType, { ok: true }>[];
  /** payees with something due whose withdrawal failed */
  failed: Extract<WithdrawPayoutReturnType, { ok: false }>[];
  /** payees with nothing withdrawable (no transaction for them) */
  skipped: number;
  totalPaid: string;
  /** transactions sent */
  transactions: number;
}

/** Payees per withdrawMany transaction: ~60k gas each with a proof, well inside a 30M block. */
export const SWEEP_CHUNK = 100;

/**
 * Pays every payee with something withdrawable in as few transactions as the chain allows: one
 * `withdrawMany` per SWEEP_CHUNK payees of the newest final batch. Without withdrawMany, or when a
 * chunk reverts, it falls back to one `withdraw` per payee so that one bad leaf cannot block the rest.
 */
export async function sweepPayouts(p: { payees: readonly Hex[]; queries: Pick<SettlementQueries, 'payoutOf'>; chain: PayoutChain }): Promise<SweepPayoutsReturnType> {
  const unique = [...new Map(p.payees.map((a) => [a.toLowerCase(), a])).values()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  const views = await Promise.all(unique.map((payee) => p.queries.payoutOf(payee, p.chain)));
  const due = views.filter((v) => v.batchId !== null && BigInt(v.withdrawable) > 0n);
  const paid: SweepPayoutsReturnType['paid'] = [];
  const failed: SweepPayoutsReturnType['failed'] = [];
  let transactions = 0;
  const one = async (v: PayoutView) => {
    transactions++;
    const r = await withdrawPayout({ payee: v.payee, queries: { payoutOf: async () => v }, chain: p.chain });
    if (r.ok) paid.push(r);
    else if (r.reason !== 'nothing-due') failed.push(r);
  };

  for (let i = 0; i < due.length; i += SWEEP_CHUNK) {
    const chunk = due.slice(i, i + SWEEP_CHUNK);
    // payoutOf answers every payee against the same newest final batch; group defensively anyway
    const batchId = chunk[0]!.batchId!;
    const same = chunk.filter((v) => v.batchId === batchId);
    const rest = chunk.filter((v) => v.batchId !== batchId);
    if (!p.chain.withdrawMany || same.length < 2) {
      for (const v of chunk) await one(v);
      continue;
    }
    try {
      transactions++;
      const tx = await p.chain.withdrawMany({
        batchId: BigInt(batchId),
        payouts: same.map((v) => ({ payee: v.payee, cumulativeAmount: BigInt(v.cumulativeAmount), proof: v.proof as Hex[] })),
      });
      const byPayee = new Map(tx.events.filter((e) => e.name === 'Withdrawn').map((e) => [String(e.args.payee).toLowerCase(), e.args]));
      for (const v of same) {
        const event = byPayee.get(v.payee.toLowerCase());
        // no event: the contract skipped a payee paid meanwhile — nothing due, not a failure
        if (!event) continue;
        paid.push({ ok: true, payee: v.payee, batchId, cumulativeAmount: v.cumulativeAmount, withdrawnBefore: (BigInt(v.cumulativeAmount) - BigInt(String(event.amount))).toString(), paid: String(event.amount), txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString() });
      }
    } catch {
      for (const v of same) await one(v);
    }
    for (const v of rest) await one(v);
  }
  paid.sort((a, b) => (a.payee.toLowerCase() < b.payee.toLowerCase() ? -1 : 1));
  return { paid, failed, skipped: views.length - due.length, totalPaid: paid.reduce((sum, r) => sum + BigInt(r.paid), 0n).toString(), transactions };
}
