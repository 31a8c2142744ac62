// Settlement per shard (issue #13): each shard has its own batch ids, contiguity, freezes,
// rejections and finality, and its own cumulative payouts; budget and escrow are shared, as one
// running total. A freeze or rejection in one shard leaves every other shard final and paying.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { reasonHash } from '../src/chain-writes.js';
import { ACCOUNT, deployFixture, events, expectRevert, increaseTime, root, startChain, type Fixture } from './support.js';

const WINDOW = 30;
const T0 = 1_795_000_500n;
let anvil: StartAnvilReturnType;
let f: Fixture;
beforeAll(async () => {
  anvil = await startChain();
});
afterAll(async () => {
  await anvil?.stop();
});
beforeEach(async () => {
  f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 10_000n });
});
afterEach(() => f.close());

type Payout = [string, bigint];
const tree = (payouts: Payout[]) => StandardMerkleTree.of(payouts, ['address', 'uint256']);
const leaf = (t: StandardMerkleTree<Payout>, payee: string) => {
  for (const [i, [address, amount]] of t.entries()) if (address === payee) return { payee: address as Hex, cumulativeAmount: amount, proof: t.getProof(i) as Hex[] };
  throw new Error(`no leaf for ${payee}`);
};
/** Batch `batchId` of `shard`, starting `offset` intervals after T0 (shards' intervals are independent). */
const submit = (shard: number, batchId: bigint, t: StandardMerkleTree<Payout>, totalAmount: bigint, offset = 0n) =>
  f.gateway.submitBatch({
    shard,
    batchId,
    intervalStartSec: T0 + (offset + batchId - 1n) * 900n,
    intervalEndSec: T0 + (offset + batchId) * 900n,
    claimsRoot: root(0x10 + shard),
    payoutsRoot: t.root as Hex,
    claimCount: 1n,
    totalExportWh: 100n,
    totalAmount,
  });

describe('settlement per shard', () => {
  it('numbers batches from 1 in every shard, each with its own contiguity', async () => {
    const t = tree([[ACCOUNT.payeeA, 100n]]);
    const tx = await submit(0, 1n, t, 100n);
    expect(events(tx)[0]).toMatchObject({ name: 'BatchSubmitted', args: { shard: 0n, batchId: 1n } });
    // Shard 7 starts at 1 too, on an interval of its own (not where shard 0's batch ended).
    const other = await submit(7, 1n, t, 100n, 40n);
    expect(events(other)[0]).toMatchObject({ name: 'BatchSubmitted', args: { shard: 7n, batchId: 1n } });
    expect([await f.reader.nextBatchId(0), await f.reader.nextBatchId(7), await f.reader.nextBatchId(3)]).toEqual([2n, 2n, 1n]);
    await expectRevert(submit(7, 3n, t, 100n, 40n), 'SettlementBatchOutOfOrder', [2n, 3n]);
    await expectRevert(submit(7, 2n, t, 100n), 'SettlementIntervalNotContiguous', [T0 + 41n * 900n, T0 + 900n]);
    expect(await f.reader.shards()).toEqual([0, 7]);
    expect((await f.reader.batch(1n, 7))?.intervalStartSec).toBe(T0 + 40n * 900n);
    expect(await f.reader.totalCommitted()).toBe(200n);
    expect((await f.reader.batchSubmissions(f.deployment.deployedAtBlock, undefined, 7)).map((s) => [s.shard, s.batchId])).toEqual([[7, 1n]]);
  });

  it('a freeze and a rejection in one shard leave the other shard final and paying', async () => {
    const a1 = tree([[ACCOUNT.payeeA, 100n], [ACCOUNT.payeeB, 50n]]);
    const b1 = tree([[ACCOUNT.payeeA, 70n], [ACCOUNT.payeeC, 30n]]);
    await submit(1, 1n, a1, 150n);
    await submit(2, 1n, b1, 100n);
    await f.regulator.freezeBatch(1n, 'look', 1);
    await increaseTime(anvil.rpcUrl, WINDOW + 1);
    expect((await f.reader.batch(1n, 1))?.status).toBe('frozen');
    expect((await f.reader.batch(1n, 2))?.status).toBe('final');
    const paid = await f.outsider.withdraw({ shard: 2, batchId: 1n, ...leaf(b1, ACCOUNT.payeeA) });
    expect(events(paid).at(-1)).toEqual({ name: 'Withdrawn', args: { payee: ACCOUNT.payeeA, shard: 2n, batchId: 1n, amount: 70n, cumulativeAmount: 70n } });
    await expectRevert(f.outsider.withdraw({ shard: 1, batchId: 1n, ...leaf(a1, ACCOUNT.payeeA) }), 'SettlementBatchNotFinal', [1n, 2n]);

    const rejected = await f.regulator.rejectBatch(1n, 'tampered', 1);
    expect(events(rejected)).toEqual([{ name: 'BatchRejected', args: { shard: 1n, batchId: 1n, discardedThrough: 1n, reasonHash: reasonHash('tampered') } }]);
    // Only shard 1 rolled back: its batch is gone from the running total, shard 2's stays.
    expect([await f.reader.nextBatchId(1), await f.reader.nextBatchId(2)]).toEqual([1n, 2n]);
    expect(await f.reader.totalCommitted()).toBe(100n);
    expect(await f.reader.shardTotals(1)).toEqual({ committed: 0n, withdrawn: 0n });
    expect(await f.reader.shardTotals(2)).toEqual({ committed: 100n, withdrawn: 70n });
    expect((await f.reader.batchRejections(f.deployment.deployedAtBlock, undefined, 2))).toEqual([]);
    // Shard 2 goes on: its next batch is submitted and paid while shard 1 rebuilds.
    const b2 = tree([[ACCOUNT.payeeA, 90n], [ACCOUNT.payeeC, 30n]]);
    await submit(2, 2n, b2, 20n);
    await increaseTime(anvil.rpcUrl, WINDOW + 1);
    await f.outsider.withdraw({ shard: 2, batchId: 2n, ...leaf(b2, ACCOUNT.payeeA) });
    expect(await f.reader.withdrawn(ACCOUNT.payeeA, 2)).toBe(90n);
  });

  it('pays a payee of two shards the sum, and withdrawMany sweeps both in one transaction', async () => {
    const a = tree([[ACCOUNT.payeeA, 400n], [ACCOUNT.payeeB, 100n]]);
    const b = tree([[ACCOUNT.payeeA, 300n], [ACCOUNT.payeeC, 200n]]);
    await submit(0, 1n, a, 500n);
    await submit(1, 1n, b, 500n);
    await increaseTime(anvil.rpcUrl, WINDOW + 1);
    const before = await f.reader.tokenBalance(ACCOUNT.payeeA);
    const tx = await f.outsider.withdrawMany({
      payouts: [
        { shard: 0, batchId: 1n, ...leaf(a, ACCOUNT.payeeA) },
        { shard: 1, batchId: 1n, ...leaf(b, ACCOUNT.payeeA) },
        { shard: 1, batchId: 1n, ...leaf(b, ACCOUNT.payeeC) },
      ],
    });
    expect(events(tx).filter((e) => e.name === 'Withdrawn').map((e) => e.args)).toEqual([
      { payee: ACCOUNT.payeeA, shard: 0n, batchId: 1n, amount: 400n, cumulativeAmount: 400n },
      { payee: ACCOUNT.payeeA, shard: 1n, batchId: 1n, amount: 300n, cumulativeAmount: 300n },
      { payee: ACCOUNT.payeeC, shard: 1n, batchId: 1n, amount: 200n, cumulativeAmount: 200n },
    ]);
    // A + B, not max(A, B): each shard's cumulative is withdrawn on its own.
    expect((await f.reader.tokenBalance(ACCOUNT.payeeA)) - before).toBe(700n);
    expect([await f.reader.withdrawn(ACCOUNT.payeeA, 0), await f.reader.withdrawn(ACCOUNT.payeeA, 1), await f.reader.withdrawn(ACCOUNT.payeeA)]).toEqual([400n, 300n, 700n]);
    expect(await f.reader.totalWithdrawn()).toBe(900n);
    // Paid already in both: a second sweep skips them; a shard's proof never pays on another's batch.
    const again = await f.outsider.withdrawMany({ payouts: [{ shard: 0, batchId: 1n, ...leaf(a, ACCOUNT.payeeA) }] });
    expect(events(again).filter((e) => e.name === 'Withdrawn')).toEqual([]);
    await expectRevert(f.outsider.withdraw({ shard: 0, batchId: 1n, ...leaf(b, ACCOUNT.payeeC) }), 'SettlementInvalidProof', [0n, 1n, ACCOUNT.payeeC, 200n]);
  });

  it('keeps budget and escrow global: one shard’s commitment counts against another’s', async () => {
    await f.regulator.setLimits({ batchCap: 10_000n, budget: 1_000n });
    const t = tree([[ACCOUNT.payeeA, 600n]]);
    await submit(0, 1n, t, 600n);
    await expectRevert(submit(1, 1n, tree([[ACCOUNT.payeeA, 500n]]), 500n), 'SettlementBudgetExceeded', [1_100n, 1_000n]);
    await f.regulator.setLimits({ batchCap: 100_000n, budget: 100_000n });
    await expectRevert(submit(1, 1n, tree([[ACCOUNT.payeeA, 9_500n]]), 9_500n), 'SettlementEscrowInsufficient', [10_100n, 10_000n]);
  });

  it('never lets a shard pay out more than it committed, whatever its payouts tree says', async () => {
    // Shard 5's tree promises 900 while its batch commits 100; the escrow holds shard 0's money too.
    await submit(0, 1n, tree([[ACCOUNT.payeeB, 5_000n]]), 5_000n);
    const greedy = tree([[ACCOUNT.payeeA, 900n], [ACCOUNT.payeeC, 1n]]);
    await submit(5, 1n, greedy, 100n);
    await increaseTime(anvil.rpcUrl, WINDOW + 1);
    await expectRevert(f.outsider.withdraw({ shard: 5, batchId: 1n, ...leaf(greedy, ACCOUNT.payeeA) }), 'SettlementShardOverpaid', [5n, 900n, 100n]);
    await f.outsider.withdraw({ shard: 5, batchId: 1n, ...leaf(greedy, ACCOUNT.payeeC) });
    expect(await f.reader.shardTotals(5)).toEqual({ committed: 100n, withdrawn: 1n });
  });
});
