// The transaction journal and recovery from it against a real anvil with 1 s blocks (#17): what
// the sandbox sends is journaled before it is broadcast; the chain then loses it (evm_revert to a
// snapshot taken before: the same loss as a state file older than the crash), and
// recoverFromJournal sends the same signed bytes again in journal order, or says why not.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { createChainClient, type ChainClient } from '../src/chain-client.js';
import { recoverFromJournal } from '../src/journal-recovery.js';
import { SANDBOX_TEST_KEYS } from '../src/sandbox-test-keys.js';
import { openTransactionJournal, readTransactionJournal } from '../src/transaction-journal.js';
import { ACCOUNT, deployFixture, root, rpc, startChain, type Fixture } from './support.js';

const T0 = 1_795_000_500n; // an interval boundary (multiple of 900)
const batch = (batchId: bigint) => ({
  batchId,
  intervalStartSec: T0 + (batchId - 1n) * 900n,
  intervalEndSec: T0 + batchId * 900n,
  claimsRoot: root(Number(batchId)),
  payoutsRoot: root(0x80 + Number(batchId)),
  claimCount: 2n,
  totalExportWh: 100n,
  totalAmount: 10n,
});

let anvil: StartAnvilReturnType;
let f: Fixture;
beforeAll(async () => {
  // Interval mining, as in the embedded sandbox: several senders' transactions can share a block.
  anvil = await startChain({ blockTimeSeconds: 1 });
  f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: 600 });
});
afterAll(async () => {
  f?.close();
  await anvil?.stop();
});

function journaled(path: string): { gateway: ChainClient; regulator: ChainClient; close(): void } {
  const journal = openTransactionJournal(path);
  const client = (signerKey: Hex) => createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment: f.deployment, pollingIntervalMs: 20, signerKey, journal });
  const gateway = client(SANDBOX_TEST_KEYS[1]!);
  const regulator = client(SANDBOX_TEST_KEYS[2]!);
  return { gateway, regulator, close: () => [gateway, regulator].forEach((c) => c.close()) };
}

describe('recoverFromJournal', () => {
  it('re-applies a lost submit → freeze → reject in journal order, each in its own turn', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'feedin-journal-')), 'tx-journal.jsonl');
    const { gateway, regulator, close } = journaled(path);
    const snapshot = await rpc(anvil.rpcUrl, 'evm_snapshot');
    const submitted = await gateway.submitBatch(batch(1n));
    const frozen = await regulator.freezeBatch(1n, 'review');
    const rejected = await regulator.rejectBatch(1n, 'wrong roots');
    close();
    const records = await readTransactionJournal(path);
    expect(records.map((r) => [r.label, r.broadcast, r.mined?.status])).toEqual([
      ['submitBatch 1', true, 'success'],
      ['freezeBatch', true, 'success'],
      ['rejectBatch', true, 'success'],
    ]);
    expect(records.map((r) => r.txHash)).toEqual([submitted.txHash, frozen.txHash, rejected.txHash]);

    await rpc(anvil.rpcUrl, 'evm_revert', [snapshot]);
    expect(await rpc(anvil.rpcUrl, 'eth_getTransactionReceipt', [frozen.txHash])).toBeNull();
    expect(await f.reader.batch(1n)).toBeUndefined();

    const { onChain, lost } = await recoverFromJournal({ rpcUrl: anvil.rpcUrl, records, journal: openTransactionJournal(path) });
    expect(onChain).toBe(0);
    expect(lost.map((e) => [e.label, e.outcome])).toEqual([
      ['submitBatch 1', 're-applied'],
      ['freezeBatch', 're-applied'],
      ['rejectBatch', 're-applied'],
    ]);
    // Another sender's turn waits for the previous one's receipt (a block may hold several senders'
    // transactions in any order); one sender's own go out together, ordered by nonce.
    expect(lost[0]!.blockNumber!).toBeLessThan(lost[1]!.blockNumber!);
    expect(lost[1]!.blockNumber!).toBeLessThanOrEqual(lost[2]!.blockNumber!);
    expect((await f.reader.batch(1n))?.status).toBe('rejected');
    // The new blocks are in the journal: the next start finds all three on chain.
    const again = await recoverFromJournal({ rpcUrl: anvil.rpcUrl, records: await readTransactionJournal(path) });
    expect(again).toEqual({ onChain: 3, lost: [] });
  }, 60_000);

  it('does not send what only was signed, nor anything of a sender whose nonce another transaction took', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'feedin-journal-')), 'tx-journal.jsonl');
    const { gateway, regulator, close } = journaled(path);
    const id = await f.reader.nextBatchId();
    const snapshot = await rpc(anvil.rpcUrl, 'evm_snapshot');
    await gateway.submitBatch(batch(id));
    await regulator.freezeBatch(id, 'review');
    await regulator.approveBatch(id, 'fine');
    close();
    // A signed transaction the crash kept from the node: in the journal, never broadcast.
    const wallet = new Wallet(SANDBOX_TEST_KEYS[4]!);
    const raw = (await wallet.signTransaction(Transaction.from({ to: ACCOUNT.payeeA, value: 1n, nonce: 0, chainId: 31337n, gasLimit: 21_000n, gasPrice: 10n ** 10n }))) as Hex;
    await openTransactionJournal(path).signed({ txHash: Transaction.from(raw).hash as Hex, from: wallet.address as Hex, nonce: 0, to: ACCOUNT.payeeA, label: 'transfer', raw, signedAt: new Date().toISOString() });

    await rpc(anvil.rpcUrl, 'evm_revert', [snapshot]);
    // After the loss, another regulator transaction takes the nonce of the lost freeze.
    const other = (await rpc(anvil.rpcUrl, 'eth_sendTransaction', [{ from: ACCOUNT.regulator, to: ACCOUNT.payeeB, value: '0x1' }])) as Hex;
    while (!(await rpc(anvil.rpcUrl, 'eth_getTransactionReceipt', [other]))) await new Promise((r) => setTimeout(r, 50));
    const { lost } = await recoverFromJournal({ rpcUrl: anvil.rpcUrl, records: await readTransactionJournal(path) });
    expect(lost.map((e) => [e.label, e.outcome, e.detail])).toEqual([
      [`submitBatch ${id}`, 're-applied', expect.stringMatching(/^sent again as the same signed transaction; mined in block \d+$/)],
      ['freezeBatch', 'not-re-applied', expect.stringMatching(/nonce \d+ is already used on chain by another transaction/)],
      ['approveBatch', 'not-re-applied', 'an earlier transaction of the same sender was not re-applied: not sent again'],
      ['transfer', 'not-re-applied', 'signed, but not known to have reached the chain before the crash: not sent again (nobody was told it happened)'],
    ]);
    expect((await f.reader.batch(id))?.status).toBe('pending');
  }, 60_000);
});
