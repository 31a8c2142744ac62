import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payoutLeafHash, verifyMerkleProof } from '@feedin/protocol/merkle';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayEvents, type GatewayEventMap, type GatewayEventName } from '../../src/events.js';
import type { MutableMeterDirectory } from '../../src/registry/meter-directory.js';
import { rebuildBatch } from '../../src/audit/rebuild-batch.js';
import { createSettlementQueries } from '../../src/settlement/queries.js';
import { startSettlement, type SettlementService } from '../../src/settlement/settlement-service.js';
import { openSettlementStore, type SettlementStore } from '../../src/settlement/settlement-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { FakeChain } from './fake-chain.js';
import { MIN, T0, TestClock, addReading, payee, testConfig, testDirectory } from './fixture.js';

const config = testConfig();
const chainInfo = { chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', registry: payee(0xa1), settlement: payee(0xa2), token: payee(0xa3) };

interface Harness {
  store: ReadingStore;
  local: SettlementStore;
  chain: FakeChain;
  clock: TestClock;
  directory: MutableMeterDirectory;
  events: Array<[GatewayEventName, unknown]>;
  logs: string[];
  service: SettlementService;
  /** simulates a crash: the service is dropped without stop(), the store closed and reopened */
  crashAndRestart(): Promise<SettlementService>;
  /** wall time passes beyond any retry backoff */
  afterBackoff(): void;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function harness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'feedin-settlement-'));
  const path = join(dir, 'settlement.sqlite');
  const store = openSqliteStore(':memory:');
  const chain = new FakeChain();
  const clock = new TestClock(T0 + MIN);
  const directory = testDirectory();
  const bus = new GatewayEvents();
  const events: Array<[GatewayEventName, unknown]> = [];
  bus.onAny((name, payload) => events.push([name, payload]));
  const logs: string[] = [];
  const h = { store, chain, clock, directory, events, logs } as Harness;
  const start = () =>
    startSettlement({ config, clock, store, settlementStore: h.local, directory, chain, firstIntervalStartMs: T0 + MIN, events: bus, log: (m) => logs.push(m), tickIntervalMs: 0 });
  h.local = openSettlementStore(path);
  h.service = await start();
  h.crashAndRestart = async () => {
    h.local.close();
    h.local = openSettlementStore(path);
    h.service = await start();
    return h.service;
  };
  h.afterBackoff = () => {
    clock.wallMs += 60_000;
  };
  cleanups.push(async () => {
    await h.service.stop();
    h.local.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

const eventsNamed = <K extends GatewayEventName>(h: Harness, name: K) =>
  h.events.filter(([n]) => n === name).map(([, p]) => p as GatewayEventMap[K]);

/** m1 from 10:00, m2 from 10:05; registers every 15 minutes */
async function standardReadings(store: ReadingStore): Promise<void> {
  await addReading(store, 'm1', 1_000, T0);
  await addReading(store, 'm2', 500, T0 + 5 * MIN);
  await addReading(store, 'm1', 1_100, T0 + 15 * MIN);
  await addReading(store, 'm2', 500, T0 + 15 * MIN);
  await addReading(store, 'm1', 1_250, T0 + 30 * MIN);
  await addReading(store, 'm2', 800, T0 + 30 * MIN);
}

describe('settlement service (fake chain)', () => {
  it('builds one batch per closed interval after the grace period and submits them strictly in order', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.clock.sandboxMs = T0 + 16 * MIN - 1;
    await h.service.tick();
    expect(h.local.lastBatch()).toBeUndefined();

    h.clock.sandboxMs = T0 + 16 * MIN; // 10:15 + 60 s grace
    await h.service.tick();
    h.clock.sandboxMs = T0 + 61 * MIN;
    await h.service.tick();
    expect(h.chain.landed).toEqual([1n, 2n, 3n, 4n]);
    expect(h.chain.submitAttempts).toEqual([1n, 2n, 3n, 4n]);
    expect(eventsNamed(h, 'batch.built').map((e) => [e.batchId, e.intervalStartMs, e.claimCount, e.totalAmount])).toEqual([
      ['1', T0, 0, '0'],
      ['2', T0 + 15 * MIN, 2, '900'],
      ['3', T0 + 30 * MIN, 0, '0'],
      ['4', T0 + 45 * MIN, 0, '0'],
    ]);
    expect(eventsNamed(h, 'batch.submitted')[1]).toEqual({ batchId: '2', txHash: h.chain.batches.get(2n)!.txHash, blockNumber: h.chain.batches.get(2n)!.blockNumber, gasUsed: '100000' });
    // 10:15–10:30 is priced at 2000/kWh: m1 150 Wh → 300, m2 300 Wh → 600
    const batch2 = createSettlementQueries({ settlementStore: h.local, store: h.store, directory: h.directory }).getBatch(2n)!;
    expect(batch2.claims.map((c) => [c.meterId, c.exportWh, c.amount, c.pricePerKWh, c.opening.pagination, c.closing.pagination])).toEqual([
      ['m1', '150', '300', '2000', 2, 3],
      ['m2', '300', '600', '2000', 2, 3],
    ]);
    expect(h.chain.batches.get(2n)!.claimsRoot).toBe(batch2.claimsRoot);
    expect(h.service.status()).toEqual({
      chain: 'ok',
      detail: null,
      lastBuiltBatchId: '4',
      lastSubmittedBatchId: '4',
      lastFinalBatchId: null,
      backlog: 0,
      nextIntervalStartMs: T0 + 60 * MIN,
      paused: false,
      sandboxEndMs: Date.parse('2027-11-01T00:00:00+07:00'),
      ended: false,
      revokedKeyBatches: [],
    });
  });

  it('puts a reading that arrives after its interval was built into the next batch, at that batch\'s price', async () => {
    const h = await harness();
    await addReading(h.store, 'm1', 1_000, T0);
    await addReading(h.store, 'm1', 1_100, T0 + 15 * MIN);
    h.clock.sandboxMs = T0 + 31 * MIN;
    await h.service.tick(); // batches 1 (baseline) and 2 (nothing new yet)
    await addReading(h.store, 'm1', 1_200, T0 + 29 * MIN); // late for batch 2
    await addReading(h.store, 'm1', 1_300, T0 + 45 * MIN);
    h.clock.sandboxMs = T0 + 46 * MIN;
    await h.service.tick();
    const q = createSettlementQueries({ settlementStore: h.local, store: h.store, directory: h.directory });
    expect(q.getBatch(2n)!.claims).toEqual([]);
    const [claim] = q.getBatch(3n)!.claims;
    expect([claim!.exportWh, claim!.amount, claim!.pricePerKWh, claim!.opening.exportWh, claim!.closing.exportWh]).toEqual(['200', '600', '3000', '1100', '1300']);
  });

  it('leaves a meter out from the interval its suspension starts in', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.directory.suspend('m2', T0 + 20 * MIN);
    h.clock.sandboxMs = T0 + 31 * MIN;
    await h.service.tick();
    const q = createSettlementQueries({ settlementStore: h.local, store: h.store, directory: h.directory });
    // suspended from 10:20: m2's next reading (10:30) is after it, so none of 10:15-10:30 is paid to m2
    expect(q.getBatch(2n)!.claims.map((c) => c.meterId)).toEqual(['m1']);
    await addReading(h.store, 'm1', 1_300, T0 + 45 * MIN);
    await addReading(h.store, 'm2', 900, T0 + 45 * MIN); // ingest would refuse it; settlement must ignore it too
    h.clock.sandboxMs = T0 + 61 * MIN;
    await h.service.tick();
    expect(q.getBatch(3n)!.claims.map((c) => [c.meterId, c.exportWh])).toEqual([['m1', '50']]);
    expect(q.getBatch(4n)!.claims).toEqual([]);
  });

  it('resumes after a crash between building and sending: the built batch is sent once', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.chain.down = true;
    h.clock.sandboxMs = T0 + 31 * MIN;
    await h.service.tick();
    expect(h.local.batchesWithStatus(['built']).map((b) => b.batchId)).toEqual([1n, 2n]);
    const roots = h.local.batch(2n)!.claimsRoot;
    h.chain.down = false;
    const service = await h.crashAndRestart();
    await service.tick();
    expect(h.chain.submitAttempts).toEqual([1n, 2n]);
    expect(h.chain.batches.get(2n)!.claimsRoot).toBe(roots);
    expect(h.local.batch(2n)!.status).toBe('pending');
  });

  it('resumes after a crash between sending and recording: reads the tx from the chain, never sends twice', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.clock.sandboxMs = T0 + 16 * MIN;
    h.chain.loseNextAnswer = 'timeout';
    await h.service.tick();
    expect(h.local.batch(1n)!.status).toBe('built');
    const service = await h.crashAndRestart();
    await service.tick();
    expect(h.local.batch(1n)).toMatchObject({ status: 'pending', txHash: h.chain.batches.get(1n)!.txHash, blockNumber: h.chain.batches.get(1n)!.blockNumber, gasUsed: null });
    h.clock.sandboxMs = T0 + 31 * MIN;
    await service.tick();
    expect(h.chain.submitAttempts).toEqual([1n, 2n]);
    expect(h.chain.landed).toEqual([1n, 2n]);
  });

  it('treats an out-of-order refusal of a batch that landed as "already there" after re-reading the chain', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.clock.sandboxMs = T0 + 16 * MIN;
    h.chain.loseNextAnswer = 'unreachable'; // the answer is lost although the batch landed
    await h.service.tick();
    expect(h.service.status().chain).toBe('degraded');
    h.afterBackoff();
    await h.service.tick(); // sends again → SettlementBatchOutOfOrder
    h.afterBackoff();
    await h.service.tick(); // re-reads the chain: batch 1 is there
    expect(h.chain.submitAttempts).toEqual([1n, 1n]);
    expect(h.chain.landed).toEqual([1n]);
    expect(h.local.batch(1n)!.txHash).toBe(h.chain.batches.get(1n)!.txHash);
    expect(h.service.status()).toMatchObject({ chain: 'ok', backlog: 0, lastSubmittedBatchId: '1' });
  });

  it('keeps building while the chain is down, reports it, and catches up in order', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.chain.down = true;
    h.clock.sandboxMs = T0 + 46 * MIN;
    await h.service.tick();
    expect(h.service.status()).toEqual({
      chain: 'degraded',
      detail: 'unreachable: connect ECONNREFUSED 127.0.0.1:8545',
      lastBuiltBatchId: '3',
      lastSubmittedBatchId: null,
      lastFinalBatchId: null,
      backlog: 3,
      nextIntervalStartMs: T0 + 45 * MIN,
      paused: false,
      sandboxEndMs: Date.parse('2027-11-01T00:00:00+07:00'),
      ended: false,
      revokedKeyBatches: [],
    });
    expect(eventsNamed(h, 'settlement.error')).toEqual([{ batchId: '1', detail: 'chain: unreachable: connect ECONNREFUSED 127.0.0.1:8545' }]);
    await h.service.tick(); // within the backoff: no new attempt, no new error
    expect(eventsNamed(h, 'settlement.error').length).toBe(1);
    h.chain.down = false;
    h.afterBackoff();
    await h.service.tick();
    expect(h.chain.landed).toEqual([1n, 2n, 3n]);
    expect(h.service.status()).toMatchObject({ chain: 'ok', detail: null, backlog: 0, lastSubmittedBatchId: '3' });
  });

  it('on a rejection rolls back, rebuilds from the rejected batch with the current watermark and resubmits', async () => {
    const h = await harness();
    await addReading(h.store, 'm1', 1_000, T0);
    await addReading(h.store, 'm2', 500, T0 + 5 * MIN);
    await addReading(h.store, 'm1', 1_100, T0 + 15 * MIN);
    await addReading(h.store, 'm2', 500, T0 + 15 * MIN);
    await addReading(h.store, 'm1', 1_250, T0 + 30 * MIN);
    await addReading(h.store, 'm1', 1_400, T0 + 45 * MIN);
    h.clock.sandboxMs = T0 + 46 * MIN;
    await h.service.tick();
    expect(h.chain.landed).toEqual([1n, 2n, 3n]);
    const before = h.local.batch(2n)!;
    await addReading(h.store, 'm2', 800, T0 + 30 * MIN); // m2's 10:30 reading arrives late

    h.chain.reject(2n);
    h.afterBackoff();
    await h.service.tick();
    expect(eventsNamed(h, 'batch.rejected')).toEqual([
      { batchId: '2', reason: `rejected by the regulator (block ${h.chain.rejections[0]!.blockNumber})` },
      { batchId: '3', reason: 'discarded with rejected batch 2' },
    ]);
    expect(h.chain.landed).toEqual([1n, 2n, 3n, 2n, 3n]);
    const after = h.local.batch(2n)!;
    expect(after.watermark).toBeGreaterThan(before.watermark);
    expect(after.claimsRoot).not.toBe(before.claimsRoot);
    expect(h.chain.batches.get(2n)!.claimsRoot).toBe(after.claimsRoot);
    const q = createSettlementQueries({ settlementStore: h.local, store: h.store, directory: h.directory });
    // the rebuilt batch 2 sees m2's late reading; batch 3 is as before
    expect(q.getBatch(2n)!.claims.map((c) => [c.meterId, c.exportWh, c.amount])).toEqual([
      ['m1', '150', '300'],
      ['m2', '300', '600'],
    ]);
    expect(q.getBatch(3n)!.claims.map((c) => [c.meterId, c.exportWh, c.amount])).toEqual([['m1', '150', '450']]);
    expect(q.listBatches({ includeRejected: true }).map((b) => [b.batchId, b.status])).toEqual([
      ['3', 'pending'],
      ['3', 'rejected'],
      ['2', 'pending'],
      ['2', 'rejected'],
      ['1', 'pending'],
    ]);
    // the rolled-back state gives the same cumulative payouts as a clean history would
    expect(h.local.payeeCumulative()).toEqual(new Map([[payee(1), 300n + 450n], [payee(2), 600n]]));
    // a second pass does not apply the same rejection again
    h.afterBackoff();
    await h.service.tick();
    expect(h.chain.landed).toEqual([1n, 2n, 3n, 2n, 3n]);
    expect((await rebuildBatch({ batchId: 3n, config, directory: h.directory, store: h.store, settlementStore: h.local, chain: h.chain }))!.ok).toBe(true);
  });

  it('reads statuses back from the chain and serves payout proofs of the latest final batch', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.clock.sandboxMs = T0 + 46 * MIN;
    await h.service.tick();
    h.chain.finalize(1n);
    h.chain.finalize(2n);
    h.chain.freeze(3n);
    h.afterBackoff();
    await h.service.tick();
    expect(eventsNamed(h, 'batch.status')).toEqual([
      { batchId: '1', status: 'pending' },
      { batchId: '2', status: 'pending' },
      { batchId: '3', status: 'pending' },
      { batchId: '1', status: 'final' },
      { batchId: '2', status: 'final' },
      { batchId: '3', status: 'frozen' },
    ]);
    expect(h.service.status().lastFinalBatchId).toBe('2');
    const q = createSettlementQueries({ settlementStore: h.local, store: h.store, directory: h.directory });
    const payout = await q.payoutOf(payee(2), h.chain);
    expect(payout).toEqual({
      payee: payee(2),
      shard: 0,
      cumulativeAmount: '600',
      withdrawn: '0',
      withdrawable: '600',
      batchId: '2',
      payoutsRoot: h.chain.batches.get(2n)!.payoutsRoot,
      proof: payout.proof,
      latestCumulativeAmount: '600',
    });
    expect(verifyMerkleProof(payout.payoutsRoot!, payoutLeafHash({ payee: payee(2), cumulativeAmount: 600n }), payout.proof)).toBe(true);
  });

  it('builds an audit bundle whose readings, leaf and proof check out, and an audit rebuild gives the same roots', async () => {
    const h = await harness();
    await standardReadings(h.store);
    h.clock.sandboxMs = T0 + 31 * MIN;
    await h.service.tick();
    const q = createSettlementQueries({ settlementStore: h.local, store: h.store, directory: h.directory });
    const bundle = (await q.buildAuditBundle(2n, 'm2', chainInfo))!;
    const opening = (await h.store.byPagination('m2', 2))!;
    const closing = (await h.store.byPagination('m2', 3))!;
    expect(bundle).toEqual({
      version: 1,
      chain: chainInfo,
      batch: {
        shard: 0,
        batchId: '2',
        intervalStartSec: String((T0 + 15 * MIN) / 1000),
        intervalEndSec: String((T0 + 30 * MIN) / 1000),
        claimsRoot: h.local.batch(2n)!.claimsRoot,
        payoutsRoot: h.local.batch(2n)!.payoutsRoot,
        txHash: h.chain.batches.get(2n)!.txHash,
        blockNumber: h.chain.batches.get(2n)!.blockNumber,
      },
      claim: {
        meterId: 'm2',
        intervalStartSec: String((T0 + 15 * MIN) / 1000),
        intervalEndSec: String((T0 + 30 * MIN) / 1000),
        exportWh: '300',
        amount: '600',
        payee: payee(2),
        openingDigest: opening.payloadDigest,
        closingDigest: closing.payloadDigest,
        pricing: { pricePerKWh: '2000', carryIn: '0', carryOut: '0', paidWh: '300', flags: [] },
      },
      leaf: { types: ['string', 'uint64', 'uint64', 'uint256', 'uint256', 'address', 'bytes32', 'bytes32'], values: bundle.leaf.values, hash: bundle.leaf.hash },
      proof: bundle.proof,
      readings: { opening: opening.ocmf, closing: closing.ocmf },
      meter: { publicKey: '0x' + '02'.repeat(33), curve: 'secp256k1' },
    });
    expect(verifyMerkleProof(bundle.batch.claimsRoot, bundle.leaf.hash, bundle.proof)).toBe(true);
    expect(await q.buildAuditBundle(2n, 'm3', chainInfo)).toBeUndefined();
    const audit = await rebuildBatch({ batchId: 2n, config, directory: h.directory, store: h.store, settlementStore: h.local, chain: h.chain });
    const totals = { claimsRoot: bundle.batch.claimsRoot, payoutsRoot: bundle.batch.payoutsRoot, claimCount: '2', totalExportWh: audit!.recorded.totalExportWh, totalAmount: '900' };
    expect(audit).toEqual({ ok: true, batchId: '2', chainStatus: audit!.chainStatus, rebuilt: totals, recorded: totals, onChain: totals, differences: [] });
  });
});
