// Withdrawals for payees: the proof of the newest FINAL batch's payouts leaf, sent by whoever holds
// a funded key (the CLI's operator key, the dashboard's gateway key). docs/design.md §Withdrawals:
// anyone may trigger a withdrawal for a payee, and the payee receives cumulative − already
// withdrawn; the contract enforces that, this module only picks the proof and explains the outcome.
// Shards (issue #13): payouts are cumulative per shard; each PayoutView names its shard. Given the
// views of several shards (one per gateway store), a withdrawal pays every shard with a balance
// in one withdrawMany, or only the shard asked for.
import type { Hex } from '@feedin/protocol/hex';
import type { ChainRefusal } from '@feedin/contracts/chain-refusal';
import { chainRefusal, describeChainError, revertName } from '../settlement/chain-errors.js';
import type { PayoutView, SettlementQueries } from '../settlement/queries.js';

/** The chain calls a withdrawal needs; the contracts package's ChainClient satisfies it. */
export interface PayoutChain {
  withdrawn(payee: Hex, shard?: number): Promise<bigint>;
  withdraw(parameters: { shard?: number; batchId: bigint; payee: Hex; cumulativeAmount: bigint; proof: readonly Hex[] }): Promise<{
    txHash: Hex;
    blockNumber: number;
    gasUsed: bigint;
    events: ReadonlyArray<{ name: string; args: Record<string, unknown> }>;
  }>;
  /** one transaction for many payouts, each of its own shard and final batch (Settlement.withdrawMany); optional */
  withdrawMany?(parameters: { payouts: ReadonlyArray<{ shard: number; batchId: bigint; payee: Hex; cumulativeAmount: bigint; proof: readonly Hex[] }> }): Promise<{
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
      /** the shard paid from (the first, when several were: see `shards`) */
      shard: number;
      batchId: string;
      cumulativeAmount: string;
      withdrawnBefore: string;
      /** what the contract transferred: its Withdrawn event's amount */
      paid: string;
      txHash: Hex;
      blockNumber: number;
      gasUsed: string;
      /** each shard paid in this transaction, when more than one was */
      shards?: { shard: number; batchId: string; cumulativeAmount: string; withdrawnBefore: string; paid: string }[];
    }
  | { ok: false; payee: Hex; reason: WithdrawRefusal; detail: string; payout?: PayoutView; refusal?: ChainRefusal };

export type WithdrawRefusal = 'no-final-batch' | 'nothing-due' | 'paused' | 'reverted' | 'chain-error';

type PayoutQueries = Pick<SettlementQueries, 'payoutOf'>;

/**
 * Withdraws what is due to `payee`. `queries`: one gateway store's, or one per shard; `shard`
 * limits it to that shard, else every shard with a balance is paid (in one withdrawMany when
 * there are several and the chain has it).
 */
export async function withdrawPayout(p: { payee: Hex; queries: PayoutQueries | readonly PayoutQueries[]; chain: PayoutChain; shard?: number }): Promise<WithdrawPayoutReturnType> {
  const all = await Promise.all((Array.isArray(p.queries) ? p.queries : [p.queries as PayoutQueries]).map((q) => q.payoutOf(p.payee, p.chain)));
  const views = p.shard === undefined ? all : all.filter((v) => v.shard === p.shard);
  if (views.length === 0) return { ok: false, payee: p.payee, reason: 'no-final-batch', detail: `no store of shard ${p.shard} is known here, so nothing can be withdrawn from it for ${p.payee}` };
  const due = views.filter((v) => v.batchId !== null && BigInt(v.withdrawable) > 0n);
  if (due.length > 1 && p.chain.withdrawMany) return withdrawAcrossShards(p.payee, due, p.chain);
  return withdrawOne(due[0] ?? views[0]!, p.chain);
}

async function withdrawOne(payout: PayoutView, chain: PayoutChain): Promise<WithdrawPayoutReturnType> {
  const payee = payout.payee;
  const shard = payout.shard;
  if (payout.batchId === null) return { ok: false, payee, reason: 'no-final-batch', detail: `no batch is final yet, so nothing can be withdrawn for ${payee}`, payout };
  const cumulative = BigInt(payout.cumulativeAmount);
  const withdrawnBefore = BigInt(payout.withdrawn);
  if (cumulative <= withdrawnBefore)
    return { ok: false, payee, reason: 'nothing-due', detail: `nothing due to ${payee}: cumulative ${cumulative} through final batch ${payout.batchId}, already withdrawn ${withdrawnBefore}`, payout };
  try {
    const tx = await chain.withdraw({ shard, batchId: BigInt(payout.batchId), payee, cumulativeAmount: cumulative, proof: payout.proof as Hex[] });
    const event = tx.events.find((e) => e.name === 'Withdrawn');
    const paid = event ? String(event.args.amount) : (cumulative - withdrawnBefore).toString();
    return { ok: true, payee, shard, batchId: payout.batchId, cumulativeAmount: cumulative.toString(), withdrawnBefore: withdrawnBefore.toString(), paid, txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString() };
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

/** One withdrawMany for the payee's balances in several shards; a refusal falls back to one withdrawal per shard. */
async function withdrawAcrossShards(payee: Hex, due: PayoutView[], chain: PayoutChain): Promise<WithdrawPayoutReturnType> {
  try {
    const tx = await chain.withdrawMany!({
      payouts: due.map((v) => ({ shard: v.shard, batchId: BigInt(v.batchId!), payee: v.payee, cumulativeAmount: BigInt(v.cumulativeAmount), proof: v.proof as Hex[] })),
    });
    const events = tx.events.filter((e) => e.name === 'Withdrawn');
    const shards = due.flatMap((v) => {
      const event = events.find((e) => Number(e.args.shard) === v.shard);
      if (!event) return []; // paid meanwhile: skipped on chain
      const paid = String(event.args.amount);
      return [{ shard: v.shard, batchId: v.batchId!, cumulativeAmount: v.cumulativeAmount, withdrawnBefore: (BigInt(v.cumulativeAmount) - BigInt(paid)).toString(), paid }];
    });
    if (shards.length === 0) return { ok: false, payee, reason: 'nothing-due', detail: `nothing due to ${payee}: other withdrawals already paid every shard`, payout: due[0] };
    const first = shards[0]!;
    const total = shards.reduce((sum, s) => sum + BigInt(s.paid), 0n).toString();
    return { ok: true, payee, ...first, paid: total, txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString(), shards };
  } catch {
    // Pay what can be paid, shard by shard; report the first refusal if none went through.
    const results = [];
    for (const v of due) results.push(await withdrawOne(v, chain));
    return results.find((r) => r.ok) ?? results[0]!;
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
export async function sweepPayouts(p: { payees: readonly Hex[]; queries: PayoutQueries | readonly PayoutQueries[]; chain: PayoutChain }): Promise<SweepPayoutsReturnType> {
  const unique = [...new Map(p.payees.map((a) => [a.toLowerCase(), a])).values()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  const stores = Array.isArray(p.queries) ? p.queries : [p.queries as PayoutQueries];
  const views = (await Promise.all(unique.map((payee) => Promise.all(stores.map((q) => q.payoutOf(payee, p.chain)))))).flat();
  const due = views.filter((v) => v.batchId !== null && BigInt(v.withdrawable) > 0n);
  const paid: SweepPayoutsReturnType['paid'] = [];
  const failed: SweepPayoutsReturnType['failed'] = [];
  let transactions = 0;
  const one = async (v: PayoutView) => {
    transactions++;
    const r = await withdrawOne(v, p.chain);
    if (r.ok) paid.push(r);
    else if (r.reason !== 'nothing-due') failed.push(r);
  };

  for (let i = 0; i < due.length; i += SWEEP_CHUNK) {
    // Each payout names its own shard and batch, so one withdrawMany takes payees of any of them.
    const same = due.slice(i, i + SWEEP_CHUNK);
    if (!p.chain.withdrawMany || same.length < 2) {
      for (const v of same) await one(v);
      continue;
    }
    try {
      transactions++;
      const tx = await p.chain.withdrawMany({
        payouts: same.map((v) => ({ shard: v.shard, batchId: BigInt(v.batchId!), payee: v.payee, cumulativeAmount: BigInt(v.cumulativeAmount), proof: v.proof as Hex[] })),
      });
      const key = (payee: unknown, shard: unknown) => `${String(payee).toLowerCase()}/${Number(shard)}`;
      const byPayee = new Map(tx.events.filter((e) => e.name === 'Withdrawn').map((e) => [key(e.args.payee, e.args.shard), e.args]));
      for (const v of same) {
        const event = byPayee.get(key(v.payee, v.shard));
        // no event: the contract skipped a payee paid meanwhile — nothing due, not a failure
        if (!event) continue;
        paid.push({ ok: true, payee: v.payee, shard: v.shard, batchId: v.batchId!, cumulativeAmount: v.cumulativeAmount, withdrawnBefore: (BigInt(v.cumulativeAmount) - BigInt(String(event.amount))).toString(), paid: String(event.amount), txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString() });
      }
    } catch {
      for (const v of same) await one(v);
    }
  }
  paid.sort((a, b) => (a.payee.toLowerCase() < b.payee.toLowerCase() ? -1 : 1));
  return { paid, failed, skipped: views.length - due.length, totalPaid: paid.reduce((sum, r) => sum + BigInt(r.paid), 0n).toString(), transactions };
}
