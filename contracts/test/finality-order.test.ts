// Issue #10 items 1–2 on a real anvil: a batch is final only once every earlier batch is, whether
// it was approved or a shortened window ran out first, and a pause stops the challenge clock.
// The tests of the holes fail on the contract before the fix (6fd762b); the others pin what stays.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { reasonHash } from '../src/chain-writes.js';
import { ACCOUNT, deployFixture, events, expectRevert, increaseTime, root, startChain, type Fixture } from './support.js';

const WINDOW = 60;
const T0 = 1_795_000_500n;
// Status indexes as the contract's errors carry them (ISettlement.BatchStatus).
const PENDING = 1n;
const APPROVED = 3n;
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
/** Batch 1 pays payee A 700; batch 2 pays it 300 more (cumulative 1 000). */
const trees = [700n, 1_000n].map((amount) => StandardMerkleTree.of<Payout>([[ACCOUNT.payeeA, amount], [ACCOUNT.payeeB, 0n]], ['address', 'uint256']));
const submit = (batchId: bigint) =>
  f.gateway.submitBatch({
    batchId,
    intervalStartSec: T0 + (batchId - 1n) * 900n,
    intervalEndSec: T0 + batchId * 900n,
    claimsRoot: root(Number(batchId)),
    payoutsRoot: trees[Number(batchId) - 1]!.root as Hex,
    claimCount: 1n,
    totalExportWh: 1_000n,
    totalAmount: batchId === 1n ? 700n : 300n,
  });
/** payee A's withdrawal on batch 2: cumulative 1 000, i.e. batch 1's 700 as well */
const withdrawOnBatch2 = () => f.outsider.withdraw({ batchId: 2n, payee: ACCOUNT.payeeA, cumulativeAmount: 1_000n, proof: trees[1]!.getProof(0) as Hex[] });
const finality = async () => [await f.reader.isFinal(1n), await f.reader.isFinal(2n)];

describe('approving a batch while an earlier one is pending (issue #10, hole 1a)', () => {
  it('releases it only once the earlier batch is final', async () => {
    await submit(1n);
    await submit(2n);
    await f.regulator.freezeBatch(2n, 'check');
    const approved = await f.regulator.approveBatch(2n, 'fine');
    expect(events(approved)).toEqual([{ name: 'BatchApproved', args: { shard: 0n, batchId: 2n, reasonHash: reasonHash('fine') } }]);
    expect(await f.reader.batch(2n)).toMatchObject({ status: 'approved', final: false });
    await expectRevert(withdrawOnBatch2(), 'SettlementBatchNotFinal', [2n, APPROVED]);
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect(await finality()).toEqual([true, true]);
    const paid = await withdrawOnBatch2();
    expect(events(paid).at(-1)).toEqual({ name: 'Withdrawn', args: { payee: ACCOUNT.payeeA, shard: 0n, batchId: 2n, amount: 1_000n, cumulativeAmount: 1_000n } });
  });

  it('never pays the earlier batch’s money: rejecting it takes the approved batch with it, unpaid', async () => {
    await submit(1n);
    await submit(2n);
    await f.regulator.freezeBatch(2n, 'check');
    await f.regulator.approveBatch(2n, 'fine');
    await expectRevert(withdrawOnBatch2(), 'SettlementBatchNotFinal', [2n, APPROVED]);
    await f.regulator.freezeBatch(1n, 'odd');
    const rejected = await f.regulator.rejectBatch(1n, 'tampered');
    expect(events(rejected)).toEqual([{ name: 'BatchRejected', args: { shard: 0n, batchId: 1n, discardedThrough: 2n, reasonHash: reasonHash('tampered') } }]);
    await expectRevert(withdrawOnBatch2(), 'SettlementBatchNotFinal', [2n, 5n]);
    expect(await f.reader.withdrawn(ACCOUNT.payeeA)).toBe(0n);
  });

  it('an approval after the earlier batch is final releases at once, without the window', async () => {
    await submit(1n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    await submit(2n);
    await f.regulator.freezeBatch(2n, 'check');
    await f.regulator.approveBatch(2n, 'fine');
    expect(await finality()).toEqual([true, true]);
  });
});

describe('changing the challenge window (issue #10, hole 1b)', () => {
  it('a shortened window never lets a later batch be final before an earlier one', async () => {
    await submit(1n);
    const changed = await f.regulator.setChallengeWindow(5n);
    expect(events(changed)).toEqual([{ name: 'ChallengeWindowChanged', args: { challengeWindowSeconds: 5n } }]);
    await submit(2n);
    const [first, second] = [await f.reader.batch(1n), await f.reader.batch(2n)];
    // Its own window would end 5 s after its submission; it ends with batch 1's instead.
    expect(second!.challengeEndsAtSec).toBe(first!.challengeEndsAtSec);
    await increaseTime(anvil.rpcUrl, 10);
    expect(await f.reader.batch(2n)).toMatchObject({ status: 'pending', final: false });
    await expectRevert(withdrawOnBatch2(), 'SettlementBatchNotFinal', [2n, PENDING]);
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect(await finality()).toEqual([true, true]);
  });

  it('a lengthened window holds the later batch for its own, longer window', async () => {
    await submit(1n);
    await f.regulator.setChallengeWindow(600n);
    await submit(2n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect(await finality()).toEqual([true, false]);
    const second = await f.reader.batch(2n);
    expect(second!.challengeEndsAtSec).toBe(second!.submittedAtSec + 600n);
  });
});

describe('a pause stops the challenge clock (issue #10 item 2)', () => {
  it('no window runs out while paused; the remaining time runs after the resume', async () => {
    await submit(1n);
    const submittedAt = (await f.reader.batch(1n))!.submittedAtSec;
    await increaseTime(anvil.rpcUrl, 20);
    await f.regulator.pause('investigating');
    await increaseTime(anvil.rpcUrl, 10 * WINDOW);
    expect(await f.reader.batch(1n)).toMatchObject({ status: 'pending', final: false, challengeEndsAtSec: submittedAt + BigInt(WINDOW) });
    const pausedSeconds = await f.reader.pausedSeconds();
    expect(pausedSeconds).toBeGreaterThanOrEqual(BigInt(10 * WINDOW));
    await f.regulator.unpause('done');
    // About 40 s of the window were left at the pause.
    await increaseTime(anvil.rpcUrl, WINDOW - 20 - 10);
    expect(await f.reader.isFinal(1n)).toBe(false);
    await increaseTime(anvil.rpcUrl, 15);
    expect(await f.reader.isFinal(1n)).toBe(true);
  });

  it('a batch whose window would have run out during the pause can still be frozen and rejected', async () => {
    await submit(1n);
    await f.regulator.pause('investigating');
    await increaseTime(anvil.rpcUrl, 2 * WINDOW);
    const frozen = await f.regulator.freezeBatch(1n, 'found it');
    expect(events(frozen)).toEqual([{ name: 'BatchFrozen', args: { shard: 0n, batchId: 1n, reasonHash: reasonHash('found it') } }]);
    await f.regulator.unpause('resume');
    const rejected = await f.regulator.rejectBatch(1n, 'tampered');
    expect(events(rejected)).toEqual([{ name: 'BatchRejected', args: { shard: 0n, batchId: 1n, discardedThrough: 1n, reasonHash: reasonHash('tampered') } }]);
  });

  it('batches submitted after a pause get their full window on the clock that resumed', async () => {
    await f.regulator.pause('a');
    await increaseTime(anvil.rpcUrl, 100);
    await f.regulator.unpause('b');
    await submit(1n);
    const stored = (await f.reader.batch(1n))!;
    expect(stored.challengeEndsAtSec).toBe(stored.submittedAtSec + BigInt(WINDOW));
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect(await f.reader.isFinal(1n)).toBe(true);
  });

  it('the regulator’s approval still releases a batch while paused; withdrawals wait for the resume', async () => {
    await submit(1n);
    await f.regulator.pause('a');
    await f.regulator.freezeBatch(1n, 'b');
    await f.regulator.approveBatch(1n, 'c');
    expect(await f.reader.isFinal(1n)).toBe(true);
    await expectRevert(f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: trees[0]!.getProof(0) as Hex[] }), 'SettlementPaused', []);
  });
});
