// withdrawMany: the operator's sweep pays many payees of one final batch in one transaction, with
// the same leaf, proof and cumulative − withdrawn rule as withdraw; payees already paid are
// skipped (a concurrent single withdrawal must not make the sweep fail), a bad proof reverts all.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
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
const submit = (batchId: bigint, payoutsRoot: string, totalAmount: bigint) =>
  f.gateway.submitBatch({
    batchId,
    intervalStartSec: T0 + (batchId - 1n) * 900n,
    intervalEndSec: T0 + batchId * 900n,
    claimsRoot: root(Number(batchId)),
    payoutsRoot: payoutsRoot as Hex,
    claimCount: 3n,
    totalExportWh: 4_200n,
    totalAmount,
  });

describe('withdrawMany', () => {
  it('pays every payee cumulative − withdrawn in one transaction, skipping one already paid', async () => {
    const first = tree([
      [ACCOUNT.payeeA, 700n],
      [ACCOUNT.payeeB, 300n],
      [ACCOUNT.payeeC, 50n],
    ]);
    await submit(1n, first.root, 1_050n);
    await expectRevert(f.outsider.withdrawMany({ batchId: 1n, payouts: [leaf(first, ACCOUNT.payeeA)] }), 'SettlementBatchNotFinal', [1n, 1n]);
    await increaseTime(anvil.rpcUrl, WINDOW);
    await f.outsider.withdraw({ batchId: 1n, ...leaf(first, ACCOUNT.payeeC) });

    const payouts = [ACCOUNT.payeeA, ACCOUNT.payeeB, ACCOUNT.payeeC].map((p) => leaf(first, p));
    const tx = await f.operator.withdrawMany({ batchId: 1n, payouts });
    expect(events(tx).filter((e) => e.name === 'Withdrawn')).toEqual([
      { name: 'Withdrawn', args: { payee: ACCOUNT.payeeA, shard: 0n, batchId: 1n, amount: 700n, cumulativeAmount: 700n } },
      { name: 'Withdrawn', args: { payee: ACCOUNT.payeeB, shard: 0n, batchId: 1n, amount: 300n, cumulativeAmount: 300n } },
    ]);
    expect([await f.reader.tokenBalance(ACCOUNT.payeeA), await f.reader.tokenBalance(ACCOUNT.payeeB), await f.reader.tokenBalance(ACCOUNT.payeeC)]).toEqual([700n, 300n, 50n]);
    expect(await f.reader.withdrawn(ACCOUNT.payeeA)).toBe(700n);

    // The next batch's cumulative amounts pay only the difference.
    const second = tree([
      [ACCOUNT.payeeA, 1_000n],
      [ACCOUNT.payeeB, 300n],
      [ACCOUNT.payeeC, 50n],
    ]);
    await submit(2n, second.root, 300n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    const again = await f.operator.withdrawMany({ batchId: 2n, payouts: [ACCOUNT.payeeA, ACCOUNT.payeeB].map((p) => leaf(second, p)) });
    expect(events(again).filter((e) => e.name === 'Withdrawn')).toEqual([{ name: 'Withdrawn', args: { payee: ACCOUNT.payeeA, shard: 0n, batchId: 2n, amount: 300n, cumulativeAmount: 1_000n } }]);
    console.log(`gas: withdrawMany of 3 payees (2 paid) ${tx.gasUsed}`);
  });

  // (SettlementLengthMismatch cannot be reached through the client, which builds the arrays from one list.)
  it('reverts as a whole on a bad proof', async () => {
    const t = tree([
      [ACCOUNT.payeeA, 700n],
      [ACCOUNT.payeeB, 300n],
    ]);
    await submit(1n, t.root, 1_000n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    const bad = { ...leaf(t, ACCOUNT.payeeB), cumulativeAmount: 301n };
    await expectRevert(f.outsider.withdrawMany({ batchId: 1n, payouts: [leaf(t, ACCOUNT.payeeA), bad] }), 'SettlementInvalidProof', [0n, 1n, ACCOUNT.payeeB, 301n]);
    expect(await f.reader.withdrawn(ACCOUNT.payeeA)).toBe(0n);
  });
});

describe('gas (printed for docs/contracts.md)', () => {
  it('withdrawMany for 100 first-time payees of a 100-payee tree, against 100 × withdraw', async () => {
    const payees = Array.from({ length: 100 }, (_, i) => `0x${(0x1000 + i).toString(16).padStart(40, '0')}`);
    const { getAddress } = await import('ethers');
    const t = tree(payees.map((p, i) => [getAddress(p), BigInt(10 + i)]));
    await f.deployer.mint(f.deployment.settlement, 100_000n);
    await submit(1n, t.root, payees.reduce((s, _p, i) => s + BigInt(10 + i), 0n));
    await increaseTime(anvil.rpcUrl, WINDOW);
    const all = payees.map((p) => leaf(t, getAddress(p)));
    const single = await f.outsider.withdraw({ batchId: 1n, ...all[0]! });
    const many = await f.operator.withdrawMany({ batchId: 1n, payouts: all.slice(1) });
    expect(events(many).filter((e) => e.name === 'Withdrawn')).toHaveLength(99);
    console.log(`gas: withdraw ${single.gasUsed}; withdrawMany of 99 ${many.gasUsed} (${many.gasUsed / 99n} per payee)`);
  }, 60_000);
});
