// The registry sync on a real anvil (issue #13.4): a full read at start, then registrations,
// suspensions, rotations and shard assignments arrive through the registry's events; the steady state makes no
// per-meter calls (counted through a JSON-RPC proxy); the slow safety-net re-read repairs an
// entry a missed event left wrong.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { createChainClient, type ChainClient } from '@feedin/contracts/chain-client';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import type { Deployment } from '@feedin/contracts/chain-types';
import type { Hex } from '@feedin/protocol/hex';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import { startCountingRpcProxy, type CountingRpcProxy } from '../bench/counting-rpc-proxy.js';
import { syncRegistry } from './registry-sync.js';

const [deployerKey, , , operatorKey] = SANDBOX_TEST_KEYS as Hex[];
const [, gateway, regulator, operator, , payee] = SANDBOX_TEST_ADDRESSES as Hex[];
// secp256k1 generator points G, 2G, 3G (compressed)
const KEYS: Hex[] = [
  '0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
  '0x02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5',
  '0x02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9',
];

let anvil: StartAnvilReturnType;
let proxy: CountingRpcProxy;
let deployment: Deployment;
let operatorChain: ChainClient;
let reader: ChainClient;
beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337, blockTimeSeconds: 1 });
  proxy = await startCountingRpcProxy(anvil.rpcUrl);
  deployment = await deployContracts({
    rpcUrl: anvil.rpcUrl,
    chainId: 31337,
    deployerKey: deployerKey!,
    roles: { gateway: gateway!, regulator: regulator!, operator: operator! },
    token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 0n },
    challengeWindowSeconds: 30,
  });
  operatorChain = createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment, signerKey: operatorKey, pollingIntervalMs: 50 });
  reader = createChainClient({ rpcUrl: proxy.url, chainId: 31337, deployment, pollingIntervalMs: 50 });
  await operatorChain.registerMeter({ meterId: 'm1', publicKey: KEYS[0]!, payee: payee!, capacityW: 5000 });
}, 120_000);
afterAll(async () => {
  reader?.close();
  operatorChain?.close();
  await proxy?.close();
  await anvil?.stop();
});

it('follows registrations, suspensions, rotations and shard assignments by events, with no per-meter calls in the steady state', async () => {
  const directory = createDirectory();
  const sync = await syncRegistry({ chain: reader, directory, log: () => {}, eventPollMs: 200, fullReadEveryMs: 3_600_000 });
  try {
    expect(directory.all().map((m) => m.meterId)).toEqual(['m1']);

    await operatorChain.registerMeter({ meterId: 'm2', publicKey: KEYS[1]!, payee: payee!, capacityW: 3000 });
    await expect.poll(() => directory.get('m2')?.capacityW, { timeout: 20_000 }).toBe(3000);

    await operatorChain.suspendMeter({ meterId: 'm1', fromSec: 2_000_000_000, reason: 'test' });
    await expect.poll(() => directory.get('m1')?.suspendedFromMs, { timeout: 20_000 }).toBe(2_000_000_000_000);

    await operatorChain.rotateKey({ meterId: 'm2', publicKey: KEYS[2]!, validFromSec: 0, reason: 'test' });
    await expect.poll(() => directory.get('m2')?.keys?.length, { timeout: 20_000 }).toBe(2);

    // A shard assignment moves the household (issue #13.1): its history reaches the directory.
    await operatorChain.assignShard({ meterId: 'm2', shard: 2, validFromSec: 0, reason: 'test' });
    await expect.poll(() => directory.get('m2')?.shards?.map((p) => p.shard), { timeout: 20_000 }).toEqual([0, 2]);

    // Steady state: only the event poll (eth_blockNumber + eth_getLogs), nothing per meter.
    await sync.caughtUp();
    proxy.reset();
    await new Promise((r) => setTimeout(r, 2_000));
    const counts = proxy.counts();
    expect(counts.eth_call ?? 0).toBe(0);
    expect(Object.keys(counts).sort()).toEqual(['eth_blockNumber', 'eth_getLogs'].filter((m) => m in counts).sort());
    expect(proxy.total()).toBeLessThanOrEqual(2 * (2_000 / 200 + 2));
  } finally {
    sync.stop();
  }
}, 120_000);

it('repairs an entry a missed event left wrong at the safety-net re-read', async () => {
  const directory = createDirectory();
  const sync = await syncRegistry({ chain: reader, directory, log: () => {}, eventPollMs: 60_000, fullReadEveryMs: 500 });
  try {
    const m1 = directory.get('m1')!;
    directory.upsert({ ...m1, suspendedFromMs: null, capacityW: 1 }); // as if an event had been missed
    await expect.poll(() => directory.get('m1')?.capacityW, { timeout: 20_000 }).toBe(5000);
    expect(directory.get('m1')?.suspendedFromMs).toBe(2_000_000_000_000);
  } finally {
    sync.stop();
  }
}, 120_000);
