// Withdrawals with real OpenZeppelin StandardMerkleTree proofs, escrow accounting, and the gas
// figures of docs/contracts.md (submitBatch must not grow with the number of claims).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { JsonRpcProvider, getAddress, hexlify, randomBytes } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import type { SubmitBatchParameters } from '../src/chain-types.js';
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
  f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 1_000n });
});
afterEach(() => f.close());

type Payout = [string, bigint];
const payoutsTree = (payouts: Payout[]) => StandardMerkleTree.of(payouts, ['address', 'uint256']);

function submit(batchId: bigint, payoutsRoot: string, totalAmount: bigint, overrides: Partial<SubmitBatchParameters> = {}) {
  return f.gateway.submitBatch({
    batchId,
    intervalStartSec: T0 + (batchId - 1n) * 900n,
    intervalEndSec: T0 + batchId * 900n,
    claimsRoot: root(Number(batchId)),
    payoutsRoot: payoutsRoot as Hex,
    claimCount: 3n,
    totalExportWh: 4_200n,
    totalAmount,
    ...overrides,
  });
}
const proofOf = (tree: StandardMerkleTree<Payout>, payee: string) => {
  for (const [i, [address]] of tree.entries()) if (address === payee) return tree.getProof(i) as Hex[];
  throw new Error(`no leaf for ${payee}`);
};

describe('withdraw', () => {
  it('pays cumulative minus already withdrawn, to the payee, whoever triggers it', async () => {
    const first = payoutsTree([
      [ACCOUNT.payeeA, 700n],
      [ACCOUNT.payeeB, 300n],
    ]);
    await submit(1n, first.root, 1_000n);
    await expectRevert(
      f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: proofOf(first, ACCOUNT.payeeA) }),
      'SettlementBatchNotFinal',
      [1n, 1n],
    );
    await increaseTime(anvil.rpcUrl, WINDOW);

    const tx = await f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: proofOf(first, ACCOUNT.payeeA) });
    expect(events(tx)).toEqual([
      { name: 'Transfer', args: { from: f.deployment.settlement, to: ACCOUNT.payeeA, value: 700n } },
      { name: 'Withdrawn', args: { payee: ACCOUNT.payeeA, shard: 0n, batchId: 1n, amount: 700n, cumulativeAmount: 700n } },
    ]);
    expect(await f.reader.tokenBalance(ACCOUNT.payeeA)).toBe(700n);
    expect(await f.reader.withdrawn(ACCOUNT.payeeA)).toBe(700n);
    await expectRevert(
      f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: proofOf(first, ACCOUNT.payeeA) }),
      'SettlementNothingDue',
      [ACCOUNT.payeeA, 700n, 700n],
    );
    await expectRevert(
      f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 701n, proof: proofOf(first, ACCOUNT.payeeA) }),
      'SettlementInvalidProof',
      [0n, 1n, ACCOUNT.payeeA, 701n],
    );
    await expectRevert(
      f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeC, cumulativeAmount: 300n, proof: proofOf(first, ACCOUNT.payeeB) }),
      'SettlementInvalidProof',
      [0n, 1n, ACCOUNT.payeeC, 300n],
    );

    // Batch 2 carries cumulative amounts; escrow counts what was already paid out (700 + 300 left = 1000).
    await f.deployer.mint(f.deployment.settlement, 500n);
    const second = payoutsTree([
      [ACCOUNT.payeeA, 1_200n],
      [ACCOUNT.payeeB, 300n],
    ]);
    await submit(2n, second.root, 500n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    const again = await f.gateway.withdraw({ batchId: 2n, payee: ACCOUNT.payeeA, cumulativeAmount: 1_200n, proof: proofOf(second, ACCOUNT.payeeA) });
    expect(events(again).at(-1)).toEqual({ name: 'Withdrawn', args: { payee: ACCOUNT.payeeA, shard: 0n, batchId: 2n, amount: 500n, cumulativeAmount: 1_200n } });
    // An older, smaller cumulative amount pays nothing more.
    await expectRevert(
      f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: proofOf(first, ACCOUNT.payeeA) }),
      'SettlementNothingDue',
      [ACCOUNT.payeeA, 700n, 1_200n],
    );
    await f.outsider.withdraw({ batchId: 2n, payee: ACCOUNT.payeeB, cumulativeAmount: 300n, proof: proofOf(second, ACCOUNT.payeeB) });
    expect(await f.reader.escrowBalance()).toBe(0n);
  });

  it('counts withdrawn tokens as funded: committed ≤ balance + withdrawn', async () => {
    const tree = payoutsTree([
      [ACCOUNT.payeeA, 700n],
      [ACCOUNT.payeeB, 300n],
    ]);
    await submit(1n, tree.root, 1_000n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    await f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: proofOf(tree, ACCOUNT.payeeA) });
    await submit(2n, tree.root, 0n);
    await expectRevert(submit(3n, tree.root, 1n), 'SettlementEscrowInsufficient', [1_001n, 1_000n]);
  });

  it('refuses frozen and rejected batches', async () => {
    const tree = payoutsTree([
      [ACCOUNT.payeeA, 700n],
      [ACCOUNT.payeeB, 300n],
    ]);
    await submit(1n, tree.root, 1_000n);
    await f.regulator.freezeBatch(1n, 'check');
    await increaseTime(anvil.rpcUrl, WINDOW);
    const args = { batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 700n, proof: proofOf(tree, ACCOUNT.payeeA) };
    await expectRevert(f.outsider.withdraw(args), 'SettlementBatchNotFinal', [1n, 2n]);
    await f.regulator.rejectBatch(1n, 'bad');
    await expectRevert(f.outsider.withdraw(args), 'SettlementBatchNotFinal', [1n, 5n]);
  });
});

describe('gas (printed for docs/contracts.md)', () => {
  it('submitBatch costs the same execution gas for 10, 1 000 and 100 000 claims', async () => {
    await f.deployer.mint(f.deployment.settlement, 10n ** 12n);
    await submit(1n, root(0xaa), 1n); // first batch: no previous-batch reads, so not comparable
    const provider = new JsonRpcProvider(anvil.rpcUrl);
    const rows: { claims: bigint; gasUsed: bigint; calldataGas: bigint; executionGas: bigint }[] = [];
    let id = 2n;
    for (const claims of [10n, 1_000n, 100_000n]) {
      const tx = await submit(id++, root(0xbb), 5_000_000n, { claimCount: claims, totalExportWh: 123_456_789n });
      const data = (await provider.getTransaction(tx.txHash))!.data;
      const calldataGas = calldataCost(data);
      rows.push({ claims, gasUsed: tx.gasUsed, calldataGas, executionGas: tx.gasUsed - 21_000n - calldataGas });
    }
    provider.destroy();
    console.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.toString()]))));
    // Only the calldata bytes of the number itself differ (EIP-2028: 4 gas per zero byte, 16 per other).
    expect(new Set(rows.map((r) => r.executionGas)).size).toBe(1);
    expect(rows[2]!.gasUsed - rows[0]!.gasUsed).toBe(rows[2]!.calldataGas - rows[0]!.calldataGas);
  });

  it('withdraw with a proof from a 1 000-payee tree', async () => {
    const payees: Payout[] = Array.from({ length: 1_000 }, (_, i) => [getAddress(hexlify(randomBytes(20))), BigInt(i + 1)]);
    payees[0] = [ACCOUNT.payeeA, 1_000n];
    const total = payees.reduce((sum, [, amount]) => sum + amount, 0n);
    await f.deployer.mint(f.deployment.settlement, total);
    const tree = payoutsTree(payees);
    await submit(1n, tree.root, total);
    await increaseTime(anvil.rpcUrl, WINDOW);
    const proof = proofOf(tree, ACCOUNT.payeeA);
    const tx = await f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 1_000n, proof });
    console.log(`withdraw gas (proof of ${proof.length} hashes, first withdrawal of the payee): ${tx.gasUsed}`);
    // Cold slots dominate: withdrawn[payee], totalWithdrawn and the payee's token balance go 0 → non-zero.
    expect(tx.gasUsed).toBeLessThan(150_000n);
  });
});

function calldataCost(data: string): bigint {
  let gas = 0n;
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4n : 16n;
  return gas;
}
