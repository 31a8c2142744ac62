// Gas of every Settlement function the finality rules touch, in one fixed scenario (printed for
// docs/contracts.md), and the rule of docs/design.md §Batches that no call costs more as batches
// accumulate: a submission, a freeze, an approval and a withdrawal after 30 batches cost the same
// execution gas as after 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { JsonRpcProvider } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import type { SentTransaction } from '../src/transaction-sender.js';
import { ACCOUNT, deployFixture, increaseTime, root, startChain, type Fixture } from './support.js';

const WINDOW = 60;
const T0 = 1_795_000_500n;
let anvil: StartAnvilReturnType;
let provider: JsonRpcProvider;
beforeAll(async () => {
  anvil = await startChain();
  provider = new JsonRpcProvider(anvil.rpcUrl);
});
afterAll(async () => {
  provider?.destroy();
  await anvil?.stop();
});

type Payout = [string, bigint];
const PAYEES = [ACCOUNT.payeeA, ACCOUNT.payeeB, ACCOUNT.payeeC];

/** Batch `batchId` pays each payee `batchId` more; its tree holds the cumulative amounts. */
function payouts(batchId: bigint, payees = PAYEES) {
  const tree = StandardMerkleTree.of<Payout>(payees.map((p, i) => [p, batchId * BigInt(10 + i)]), ['address', 'uint256']);
  const leaf = (payee: Hex) => {
    for (const [i, [address, amount]] of tree.entries()) if (address === payee) return { payee, cumulativeAmount: amount, proof: tree.getProof(i) as Hex[] };
    throw new Error(`no leaf for ${payee}`);
  };
  return { root: tree.root as Hex, leaf };
}
const submit = (f: Fixture, batchId: bigint, payees = PAYEES, shard = 0) =>
  f.gateway.submitBatch({
    shard,
    batchId,
    intervalStartSec: T0 + (batchId - 1n) * 900n,
    intervalEndSec: T0 + batchId * 900n,
    claimsRoot: root(0x11),
    payoutsRoot: payouts(batchId, payees).root,
    claimCount: 3n,
    totalExportWh: 4_200n,
    totalAmount: 33n,
  });

/** gasUsed minus the intrinsic 21 000 and the calldata (EIP-2028), i.e. what the contract spent. */
async function executionGas(tx: SentTransaction): Promise<bigint> {
  const data = (await provider.getTransaction(tx.txHash))!.data;
  let calldata = 0n;
  for (let i = 2; i < data.length; i += 2) calldata += data.slice(i, i + 2) === '00' ? 4n : 16n;
  return tx.gasUsed - 21_000n - calldata;
}

describe('gas (printed for docs/contracts.md)', () => {
  it('each changed function, once in a fixed scenario', async () => {
    const f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 1_000_000n });
    const gas: Record<string, bigint> = {};
    await submit(f, 1n);
    gas['submitBatch (batch 2, new id)'] = (await submit(f, 2n)).gasUsed;
    await submit(f, 3n);
    gas['freezeBatch (none frozen before)'] = (await f.regulator.freezeBatch(3n, 'a')).gasUsed;
    gas['approveBatch'] = (await f.regulator.approveBatch(3n, 'b')).gasUsed;
    await submit(f, 4n);
    await f.regulator.freezeBatch(4n, 'c');
    gas['rejectBatch'] = (await f.regulator.rejectBatch(4n, 'd')).gasUsed;
    gas['submitBatch (resubmitted id 4)'] = (await submit(f, 4n)).gasUsed;
    gas['setChallengeWindow'] = (await f.regulator.setChallengeWindow(30n)).gasUsed;
    gas['pause'] = (await f.regulator.pause('e')).gasUsed;
    await increaseTime(anvil.rpcUrl, 10);
    gas['unpause'] = (await f.regulator.unpause('f')).gasUsed;
    await increaseTime(anvil.rpcUrl, WINDOW);
    gas['withdraw (batch 4, payee’s first)'] = (await f.outsider.withdraw({ batchId: 4n, ...payouts(4n).leaf(ACCOUNT.payeeA) })).gasUsed;
    await submit(f, 5n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    gas['withdraw (batch 5, payee’s second)'] = (await f.outsider.withdraw({ batchId: 5n, ...payouts(5n).leaf(ACCOUNT.payeeA) })).gasUsed;
    // Issue #13: a second shard's first batch opens its sequence; its later batches cost as shard 0's.
    gas['submitBatch (shard 1, its first batch)'] = (await submit(f, 1n, PAYEES, 1)).gasUsed;
    gas['submitBatch (shard 1, its batch 2)'] = (await submit(f, 2n, PAYEES, 1)).gasUsed;
    await increaseTime(anvil.rpcUrl, WINDOW);
    const sweep = [ACCOUNT.payeeB, ACCOUNT.payeeC].flatMap((payee) => [
      { shard: 0, batchId: 5n, ...payouts(5n).leaf(payee) },
      { shard: 1, batchId: 2n, ...payouts(2n).leaf(payee) },
    ]);
    gas['withdrawMany (2 payees × 2 shards, first each)'] = (await f.outsider.withdrawMany({ payouts: sweep })).gasUsed;
    console.table(Object.entries(gas).map(([call, gasUsed]) => ({ call, gasUsed: gasUsed.toString() })));
    f.close();
  });

  it('submit, freeze, approve and withdraw cost the same after 2 and after 30 batches', async () => {
    const f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 1_000_000n });
    // One payee per tree: a proof's hashing cost depends on the sibling order, not on the batch count.
    const only = [ACCOUNT.payeeB];
    const measure = async (first: bigint) => {
      // batch `first` final, then `first + 1` submitted, frozen and approved, withdrawn on
      await increaseTime(anvil.rpcUrl, WINDOW);
      const submitted = await submit(f, first + 1n, only);
      const frozen = await f.regulator.freezeBatch(first + 1n, 'a');
      const approved = await f.regulator.approveBatch(first + 1n, 'b');
      const withdrawn = await f.outsider.withdraw({ batchId: first + 1n, ...payouts(first + 1n, only).leaf(ACCOUNT.payeeB) });
      return Promise.all([submitted, frozen, approved, withdrawn].map(executionGas));
    };
    await submit(f, 1n, only);
    await increaseTime(anvil.rpcUrl, WINDOW);
    await f.outsider.withdraw({ batchId: 1n, ...payouts(1n, only).leaf(ACCOUNT.payeeB) });
    const early = await measure(1n);
    for (let id = 3n; id <= 30n; id++) await submit(f, id, only);
    const late = await measure(30n);
    expect(late).toEqual(early);
    f.close();
  }, 30_000);
});
