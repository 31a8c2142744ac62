// The chain client as the gateway uses it: on a Besu-like chain (2 s blocks, zero base fee) a
// burst of 20 transactions from one signer; nonce resync; read-only and unreachable nodes; events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { createChainClient } from '../src/chain-client.js';
import { ChainError } from '../src/chain-error.js';
import type { ChainEvent } from '../src/chain-events.js';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '../src/sandbox-test-keys.js';
import { ACCOUNT, PUBLIC_KEY, deployFixture, expectRevert, rpc, startChain, type Fixture } from './support.js';

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('on a 2-second-block, zero-base-fee chain (like Besu QBFT free gas)', () => {
  let anvil: StartAnvilReturnType;
  let f: Fixture;
  beforeAll(async () => {
    anvil = await startChain({ blockTimeSeconds: 2, baseFeeZero: true });
    f = await deployFixture(anvil.rpcUrl);
  });
  afterAll(async () => {
    f?.close();
    await anvil?.stop();
  });

  it('sends a burst of 20 transactions from one signer with consecutive nonces and zero fees', async () => {
    const block = await new JsonRpcProvider(anvil.rpcUrl).getBlock('latest');
    expect(block?.baseFeePerGas).toBe(0n);
    const seen: ChainEvent[] = [];
    const unsubscribe = f.reader.onEvents(f.deployment.deployedAtBlock, (e) => {
      seen.push(e);
    });

    const ids = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    const started = Date.now();
    const [results, refused] = await Promise.all([
      Promise.all(ids.map((meterId) => f.operator.registerMeter({ meterId, publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 4000 }))),
      // A call that fails in estimation inside the burst must not burn a nonce (else all later ones stall).
      expectRevert(
        f.operator.registerMeter({ meterId: 'bad', publicKey: PUBLIC_KEY, payee: `0x${'00'.repeat(20)}`, capacityW: 1 }),
        'MeterRegistryZeroPayee',
        ['bad'],
      ),
    ]);
    expect(refused.code).toBe('reverted');
    const elapsedMs = Date.now() - started;

    const provider = new JsonRpcProvider(anvil.rpcUrl);
    const txs = await Promise.all(results.map((r) => provider.getTransaction(r.txHash)));
    const nonces = txs.map((t) => t!.nonce).sort((a, b) => a - b);
    expect(nonces).toEqual(Array.from({ length: 20 }, (_, i) => nonces[0]! + i));
    expect(txs.every((t) => t!.type === 2 && t!.maxFeePerGas === 0n && t!.maxPriorityFeePerGas === 0n)).toBe(true);
    const blocks = new Set(results.map((r) => r.blockNumber));
    console.log(`burst of 20 on 2 s blocks: ${elapsedMs} ms, ${blocks.size} block(s)`);
    provider.destroy();

    expect((await f.reader.meters()).map((m) => m.meterId).sort()).toEqual([...ids].sort());
    await waitFor(() => seen.filter((e) => e.name === 'MeterRegistered').length === 20, 10_000, '20 MeterRegistered events');
    unsubscribe();
    const registered = seen.filter((e) => e.name === 'MeterRegistered');
    expect(registered.map((e) => e.args.meterId).sort()).toEqual([...ids].sort());
    // Delivered once, in chain order.
    const order = registered.map((e) => [e.blockNumber, e.logIndex] as const);
    expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(new Set(registered.map((e) => `${e.txHash}:${e.logIndex}`)).size).toBe(20);
  });
});

describe('on an automining chain', () => {
  let anvil: StartAnvilReturnType;
  let f: Fixture;
  beforeAll(async () => {
    anvil = await startChain();
    f = await deployFixture(anvil.rpcUrl);
  });
  afterAll(async () => {
    f?.close();
    await anvil?.stop();
  });

  it('resyncs its nonce when another process used the same key', async () => {
    await f.operator.registerMeter({ meterId: 'n-1', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 1 });
    // Someone else spends the operator's next nonce.
    const other = new Wallet(SANDBOX_TEST_KEYS[3]!, new JsonRpcProvider(anvil.rpcUrl));
    await (await other.sendTransaction({ to: ACCOUNT.outsider, value: 1n })).wait();
    const error = await f.operator
      .registerMeter({ meterId: 'n-2', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChainError);
    expect((error as ChainError).code).toBe('nonce');
    await f.operator.registerMeter({ meterId: 'n-2', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 1 });
    expect((await f.reader.meter('n-2'))?.meterId).toBe('n-2');
    (other.provider as JsonRpcProvider).destroy();
  });

  it('a read-only client reads and refuses to write', async () => {
    expect(f.reader.address).toBeUndefined();
    expect(await f.reader.paused()).toBe(false);
    await expect(f.reader.pause('x')).rejects.toThrow(new Error('chain client: pause needs a signerKey (this client only reads)'));
    expect(f.regulator.address).toBe(ACCOUNT.regulator);
  });

  it('lists every event of the deployment in order', async () => {
    const all = await f.reader.events(f.deployment.deployedAtBlock);
    expect(all.filter((e) => e.name === 'RoleGranted').map((e) => [e.contract, e.args.account])).toEqual(
      expect.arrayContaining([
        ['registry', ACCOUNT.operator],
        ['registry', ACCOUNT.regulator],
        ['settlement', ACCOUNT.gateway],
        ['settlement', ACCOUNT.regulator],
        ['settlement', ACCOUNT.operator],
      ]),
    );
    expect(all.find((e) => e.name === 'Transfer')?.args).toEqual({
      from: `0x${'00'.repeat(20)}`,
      to: f.deployment.settlement,
      value: 1_000_000n,
    });
  });

  it('the sandbox test keys are anvil’s accounts', async () => {
    expect(SANDBOX_TEST_KEYS.map((k) => new Wallet(k).address)).toEqual(SANDBOX_TEST_ADDRESSES);
    expect(((await rpc(anvil.rpcUrl, 'eth_accounts')) as string[]).map((a) => a.toLowerCase())).toEqual(
      SANDBOX_TEST_ADDRESSES.map((a) => a.toLowerCase()),
    );
  });
});

describe('errors', () => {
  it('an unreachable node gives ChainError "unreachable", quickly', async () => {
    const deployment = { chainId: 31337, token: ACCOUNT.payeeA, registry: ACCOUNT.payeeA, settlement: ACCOUNT.payeeA, deployedAtBlock: 0, evmVersion: 'cancun' };
    const client = createChainClient({ rpcUrl: 'http://127.0.0.1:1', chainId: 31337, deployment, signerKey: SANDBOX_TEST_KEYS[1] as Hex });
    for (const call of [() => client.blockNumber(), () => client.nextBatchId(), () => client.pause('x')]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChainError);
      expect((error as ChainError).code).toBe('unreachable');
    }
    client.close();
  });
});
