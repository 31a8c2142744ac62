// Withdrawals across shards (issue #13) on a real anvil: a payee with balances in two shards is
// paid both in one withdrawMany (A + B, not max); `shard` limits it to one; the sweep pays payouts
// of several shards in one transaction. The payout views stand in for two gateways' stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { StartAnvilReturnType } from '@feedin/contracts/anvil';
import type { Hex } from '@feedin/protocol/hex';
import { ACCOUNT, deployFixture, increaseTime, root, startChain, type Fixture } from '../../../contracts/test/support.js';
import { sweepPayouts, withdrawPayout } from '../../src/audit/withdraw-payout.js';
import type { PayoutView, SettlementQueries } from '../../src/settlement/queries.js';

const WINDOW = 20;
const T0 = 1_795_000_500n;
let anvil: StartAnvilReturnType;
let f: Fixture;
type Payout = [string, bigint];
const trees = new Map<number, StandardMerkleTree<Payout>>();

beforeAll(async () => {
  anvil = await startChain();
  f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 10_000n });
  const amounts: Record<number, Payout[]> = {
    0: [[ACCOUNT.payeeA, 400n], [ACCOUNT.payeeB, 100n]],
    1: [[ACCOUNT.payeeA, 300n], [ACCOUNT.payeeB, 50n]],
  };
  for (const shard of [0, 1]) {
    const t = StandardMerkleTree.of<Payout>(amounts[shard]!, ['address', 'uint256']);
    trees.set(shard, t);
    const total = amounts[shard]!.reduce((s, [, v]) => s + v, 0n);
    await f.gateway.submitBatch({ shard, batchId: 1n, intervalStartSec: T0, intervalEndSec: T0 + 900n, claimsRoot: root(1), payoutsRoot: t.root as Hex, claimCount: 2n, totalExportWh: 10n, totalAmount: total });
  }
  await increaseTime(anvil.rpcUrl, WINDOW + 1);
});
afterAll(async () => {
  f?.close();
  await anvil?.stop();
});

/** One shard's store, as createSettlementQueries answers it: batch 1 final, withdrawn read per shard. */
function storeOf(shard: number): Pick<SettlementQueries, 'payoutOf'> {
  return {
    async payoutOf(payee, chain): Promise<PayoutView> {
      const t = trees.get(shard)!;
      for (const [i, [address, amount]] of t.entries()) {
        if (address !== payee) continue;
        const withdrawn = await chain.withdrawn(payee, shard);
        return { payee, shard, cumulativeAmount: amount.toString(), withdrawn: withdrawn.toString(), withdrawable: (amount - withdrawn).toString(), batchId: '1', payoutsRoot: t.root as Hex, proof: t.getProof(i) as Hex[], latestCumulativeAmount: amount.toString() };
      }
      throw new Error(`no leaf for ${payee}`);
    },
  };
}

describe('withdrawals across shards', () => {
  it('pays every shard with a balance in one transaction, or only the shard asked for', async () => {
    const before = await f.reader.tokenBalance(ACCOUNT.payeeA);
    const only = await withdrawPayout({ payee: ACCOUNT.payeeA, queries: [storeOf(0), storeOf(1)], chain: f.outsider, shard: 1 });
    expect(only).toMatchObject({ ok: true, shard: 1, paid: '300' });
    const rest = await withdrawPayout({ payee: ACCOUNT.payeeA, queries: [storeOf(0), storeOf(1)], chain: f.outsider });
    expect(rest).toMatchObject({ ok: true, shard: 0, paid: '400' });
    expect((await f.reader.tokenBalance(ACCOUNT.payeeA)) - before).toBe(700n);
    const again = await withdrawPayout({ payee: ACCOUNT.payeeA, queries: [storeOf(0), storeOf(1)], chain: f.outsider });
    expect(again).toMatchObject({ ok: false, reason: 'nothing-due' });
  });

  it('sweeps payouts of two shards in one withdrawMany', async () => {
    const result = await sweepPayouts({ payees: [ACCOUNT.payeeB], queries: [storeOf(0), storeOf(1)], chain: f.outsider });
    expect(result.transactions).toBe(1);
    expect(result.paid.map((p) => [p.shard, p.paid])).toEqual([[0, '100'], [1, '50']]);
    expect([await f.reader.withdrawn(ACCOUNT.payeeB, 0), await f.reader.withdrawn(ACCOUNT.payeeB, 1), await f.reader.withdrawn(ACCOUNT.payeeB)]).toEqual([100n, 50n, 150n]);
  });

  it('pays both shards in one withdrawMany when both have a balance', async () => {
    // A fresh deployment with the same two batches: both shards are due for payeeA at once.
    const fresh = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 10_000n });
    try {
      for (const shard of [0, 1]) {
        const t = trees.get(shard)!;
        const total = [...t.entries()].reduce((s, [, [, v]]) => s + v, 0n);
        await fresh.gateway.submitBatch({ shard, batchId: 1n, intervalStartSec: T0, intervalEndSec: T0 + 900n, claimsRoot: root(1), payoutsRoot: t.root as Hex, claimCount: 2n, totalExportWh: 10n, totalAmount: total });
      }
      await increaseTime(anvil.rpcUrl, WINDOW + 1);
      const r = await withdrawPayout({ payee: ACCOUNT.payeeA, queries: [storeOf(0), storeOf(1)], chain: fresh.outsider });
      expect(r).toMatchObject({ ok: true, paid: '700', shards: [{ shard: 0, paid: '400' }, { shard: 1, paid: '300' }] });
    } finally {
      fresh.close();
    }
  });
});
