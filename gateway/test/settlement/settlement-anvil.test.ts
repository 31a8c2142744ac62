// Settlement against a real anvil with the deployed contracts: batches land in order, the tx hash
// of BatchSubmitted is recorded, statuses are read back, and a payouts proof is accepted by
// withdraw. Slower than the fake-chain tests; one anvil for the file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { createChainClient, type ChainClient } from '@feedin/contracts/chain-client';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import type { Hex } from '@feedin/protocol/hex';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GatewayEvents } from '../../src/events.js';
import { createStaticDirectory } from '../../src/registry/meter-directory.js';
import { createSettlementQueries } from '../../src/settlement/queries.js';
import { startSettlement } from '../../src/settlement/settlement-service.js';
import { openSettlementStore } from '../../src/settlement/settlement-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { MIN, T0, TestClock, addReading, directoryMeter, testConfig } from './fixture.js';

const [deployerKey, gatewayKey, regulatorKey, , outsiderKey] = SANDBOX_TEST_KEYS as [Hex, Hex, Hex, Hex, Hex];
const [, gateway, regulator, operator, , payeeA, payeeB] = SANDBOX_TEST_ADDRESSES as Hex[];

let anvil: StartAnvilReturnType;
let dir: string;
beforeAll(async () => {
  // Interval mining like the embedded sandbox: with automine, the client's receipt wait can miss
  // the one block a transaction gets and stall until its timeout (seen with ethers 6 polling).
  anvil = await startAnvil({ chainId: 31337, blockTimeSeconds: 1 });
  dir = mkdtempSync(join(tmpdir(), 'feedin-settlement-anvil-'));
});
afterAll(async () => {
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await response.json()) as { result: unknown }).result;
}

async function deploy() {
  return deployContracts({
    rpcUrl: anvil.rpcUrl,
    chainId: 31337,
    deployerKey,
    roles: { gateway: gateway!, regulator: regulator!, operator: operator! },
    token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000n },
    challengeWindowSeconds: 30,
  });
}

it('submits batches in order, records the BatchSubmitted tx, and its payouts proof is accepted by withdraw', async () => {
  const deployment = await deploy();
  const client = (signerKey: Hex): ChainClient => createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment, signerKey, pollingIntervalMs: 50 });
  const chain = client(gatewayKey);
  const outsider = client(outsiderKey);
  const store = openSqliteStore(':memory:');
  const local = openSettlementStore(join(dir, 'settlement.sqlite'));
  const directory = createStaticDirectory([directoryMeter('m1', payeeA!), directoryMeter('m2', payeeB!)]);
  const clock = new TestClock(T0 + MIN);
  const events = new GatewayEvents();
  const service = await startSettlement({
    config: testConfig(),
    clock,
    store,
    settlementStore: local,
    directory,
    chain,
    firstIntervalStartMs: T0 + MIN,
    events,
    log: () => {},
    tickIntervalMs: 0,
  });
  try {
    await addReading(store, 'm1', 1_000, T0);
    await addReading(store, 'm2', 2_000, T0 + 3 * MIN);
    await addReading(store, 'm1', 1_100, T0 + 15 * MIN);
    await addReading(store, 'm2', 2_000, T0 + 15 * MIN);
    await addReading(store, 'm1', 1_333, T0 + 30 * MIN);
    await addReading(store, 'm2', 2_501, T0 + 30 * MIN);
    clock.sandboxMs = T0 + 31 * MIN;
    await service.tick();

    expect(await chain.nextBatchId()).toBe(3n);
    const submissions = await chain.batchSubmissions(deployment.deployedAtBlock);
    expect(submissions.map((s) => s.batchId)).toEqual([1n, 2n]);
    for (const s of submissions) expect(local.batch(s.batchId)).toMatchObject({ txHash: s.txHash, blockNumber: s.blockNumber, claimsRoot: s.claimsRoot, payoutsRoot: s.payoutsRoot });
    const onChain = (await chain.batch(2n))!;
    // 233 Wh and 501 Wh at 2000/kWh
    expect({ claimCount: onChain.claimCount, totalExportWh: onChain.totalExportWh, totalAmount: onChain.totalAmount, status: onChain.status }).toEqual({
      claimCount: 2n,
      totalExportWh: 734n,
      totalAmount: 1_468n,
      status: 'pending',
    });

    await rpc('evm_increaseTime', [31]);
    await rpc('evm_mine');
    clock.wallMs += 60_000;
    await service.tick();
    expect(local.batch(2n)!.status).toBe('final');
    expect(service.status()).toMatchObject({ chain: 'ok', lastSubmittedBatchId: '2', lastFinalBatchId: '2', backlog: 0 });

    const queries = createSettlementQueries({ settlementStore: local, store, directory });
    const payout = await queries.payoutOf(payeeB!, chain);
    expect(payout).toMatchObject({ payee: payeeB, cumulativeAmount: '1002', withdrawn: '0', withdrawable: '1002', batchId: '2' });
    await outsider.withdraw({ batchId: 2n, payee: payeeB!, cumulativeAmount: 1_002n, proof: payout.proof });
    expect(await chain.tokenBalance(payeeB!)).toBe(1_002n);
    expect(await queries.payoutOf(payeeB!, chain)).toMatchObject({ cumulativeAmount: '1002', withdrawn: '1002', withdrawable: '0' });
  } finally {
    await service.stop();
    local.close();
    await store.close();
    chain.close();
    outsider.close();
  }
}, 60_000);

it('after the regulator freezes and rejects a batch, rebuilds it with the late reading and resubmits it', async () => {
  const deployment = await deploy();
  const client = (signerKey: Hex): ChainClient => createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment, signerKey, pollingIntervalMs: 50 });
  const chain = client(gatewayKey);
  const regulatorChain = client(regulatorKey);
  const store = openSqliteStore(':memory:');
  const local = openSettlementStore(join(dir, 'settlement-rejection.sqlite'));
  const directory = createStaticDirectory([directoryMeter('m1', payeeA!), directoryMeter('m2', payeeB!)]);
  const clock = new TestClock(T0 + MIN);
  const service = await startSettlement({
    config: testConfig(),
    clock,
    store,
    settlementStore: local,
    directory,
    chain,
    firstIntervalStartMs: T0 + MIN,
    events: new GatewayEvents(),
    log: () => {},
    tickIntervalMs: 0,
  });
  try {
    await addReading(store, 'm1', 1_000, T0);
    await addReading(store, 'm2', 2_000, T0 + 3 * MIN);
    await addReading(store, 'm1', 1_100, T0 + 30 * MIN);
    clock.sandboxMs = T0 + 31 * MIN;
    await service.tick();
    expect(await chain.nextBatchId()).toBe(3n);
    const rejectedRoot = local.batch(2n)!.claimsRoot;
    await addReading(store, 'm2', 2_400, T0 + 29 * MIN); // arrives after batch 2 was built

    await regulatorChain.freezeBatch(2n, 'check m2');
    await regulatorChain.rejectBatch(2n, 'm2 reading missing');
    clock.wallMs += 60_000;
    await service.tick();

    const rebuilt = local.batch(2n)!;
    expect(rebuilt.claimsRoot).not.toBe(rejectedRoot);
    expect(rebuilt.claimCount).toBe(2);
    expect(await chain.nextBatchId()).toBe(3n);
    const onChain = (await chain.batch(2n))!;
    expect({ claimsRoot: onChain.claimsRoot, status: onChain.status, totalExportWh: onChain.totalExportWh }).toEqual({
      claimsRoot: rebuilt.claimsRoot,
      status: 'pending',
      totalExportWh: 500n,
    });
    expect(local.listBatches({ includeRejected: true }).map((b) => [b.batchId, b.status])).toEqual([
      [2n, 'pending'],
      [2n, 'rejected'],
      [1n, 'pending'],
    ]);
  } finally {
    await service.stop();
    local.close();
    await store.close();
    chain.close();
    regulatorChain.close();
  }
}, 60_000);
