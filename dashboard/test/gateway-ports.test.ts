// The adapter from the running gateway to the dashboard's port, over the gateway's real stores,
// queries and settlement loop (in-memory SQLite, the settlement tests' fake chain). It must serve
// the gateway's read model unchanged and read the chain's totals with one call each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainClient } from '@feedin/contracts/chain-client';
import { GatewayEvents } from '@feedin/gateway/events';
import { createMetrics } from '@feedin/gateway/metrics';
import { createSettlementQueries, type SettlementQueries } from '@feedin/gateway/settlement/queries';
import { startSettlement, type SettlementService } from '@feedin/gateway/settlement/settlement-service';
import { openSettlementStore, type SettlementStore } from '@feedin/gateway/settlement/settlement-store';
import { openReadingStore } from '@feedin/gateway/store/open-store';
import { FakeChain } from '../../gateway/test/settlement/fake-chain.js';
import { MIN, T0, TestClock, addReading, payee, testConfig, testDirectory } from '../../gateway/test/settlement/fixture.js';
import { createDashboardPorts } from '../src/gateway-ports.js';
import type { DashboardPorts } from '../src/ports.js';

const config = testConfig();
const dir = mkdtempSync(join(tmpdir(), 'feedin-gateway-ports-'));
const store = openReadingStore({ config, dataDir: dir });
const clock = new TestClock(T0 + MIN);
const directory = testDirectory();
const fake = new FakeChain();
const chainCalls: string[] = [];
let settlementStore: SettlementStore;
let settlement: SettlementService;
let queries: SettlementQueries;
let ports: DashboardPorts;
let brokerUp = true;

/** The fake settlement chain plus the sandbox-status reads, each call recorded. */
function chainClient(): ChainClient {
  const reads = {
    paused: async () => fake.isPaused,
    limits: async () => ({ batchCap: 50_000n, budget: 1n << 255n }),
    totalCommitted: async () => 1_800n,
    totalWithdrawn: async () => 300n,
    escrowBalance: async () => 9_700n,
    challengeWindowSeconds: async () => 20n,
  };
  return new Proxy(fake, {
    get(target, name: string) {
      const read = (reads as Record<string, unknown>)[name];
      const value = read ?? Reflect.get(target, name, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        chainCalls.push(name);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as unknown as ChainClient;
}

beforeAll(async () => {
  settlementStore = openSettlementStore(join(dir, 'settlement.sqlite'));
  const events = new GatewayEvents();
  settlement = await startSettlement({ config, clock, store, settlementStore, directory, chain: fake, firstIntervalStartMs: T0 + MIN, events, log: () => {}, tickIntervalMs: 0 });
  for (const [meterId, exportWh, minutes] of [['m1', 1_000, 0], ['m2', 500, 5], ['m1', 1_100, 15], ['m2', 500, 15], ['m1', 1_250, 30], ['m2', 800, 30], ['m1', 1_400, 45], ['m2', 900, 45]] as const)
    await addReading(store, meterId, exportWh, T0 + minutes * MIN);
  clock.sandboxMs = T0 + 46 * MIN;
  await settlement.tick();
  fake.finalize(1n);
  fake.finalize(2n);
  fake.finalize(3n);
  clock.wallMs += 60_000; // past the status read-back throttle
  await settlement.tick();
  queries = createSettlementQueries({ settlementStore, store, directory });
  const chainInfo = { chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', registry: payee(0xa1), settlement: payee(0xa2), token: payee(0xa3) };
  ports = createDashboardPorts({
    config, clock, store, queries, settlement, directory, chain: chainClient(), chainInfo, settlementStore,
    connectedMeters: () => new Set(['m1']), brokerListening: () => brokerUp, events, metrics: createMetrics(),
  });
});

afterAll(async () => {
  await settlement.stop();
  settlementStore.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard ports over the gateway', () => {
  it('serves the gateway read model unchanged: batches, a batch with its claims, claims per meter and per payee', async () => {
    expect(await ports.batches({ limit: 10 })).toEqual(queries.listBatches({ limit: 10, includeRejected: true }));
    expect((await ports.batches({ limit: 10 })).map((b) => [b.batchId, b.claimCount, b.status])).toEqual([['3', 2, 'final'], ['2', 2, 'final'], ['1', 0, 'final']]);
    const batch2 = await ports.batch('2');
    expect(batch2).toEqual(queries.getBatch(2n));
    expect(batch2!.claims.map((c) => [c.meterId, c.exportWh, c.paidWh, c.amount, c.opening.pagination, c.closing.pagination])).toEqual([
      ['m1', '150', '150', '300', 2, 3],
      ['m2', '300', '300', '600', 2, 3],
    ]);
    expect(await ports.batch('9')).toBeUndefined();

    expect((await ports.claimsOfMeter('m1', { limit: 10 })).map((c) => c.batchId)).toEqual(['3', '2']);
    expect((await ports.claimsOfMeter('m1', { limit: 1 })).map((c) => c.batchId)).toEqual(['3']);
    expect((await ports.claimsOfMeter('m1', { limit: 10, beforeBatchId: '3' })).map((c) => c.batchId)).toEqual(['2']);
    const m2 = directory.get('m2')!;
    // The read model's claims, each with why caps cut it (none here).
    expect(await ports.claimsOfPayee(m2.payee.toLowerCase(), { limit: 10 })).toEqual(queries.claimsOfPayee(m2.payee, { limit: 10 }).map((c) => ({ ...c, capDetails: [] })));
    expect((await ports.claimsOfPayee(m2.payee, { limit: 1, after: { batchId: '3', meterId: 'm2' } })).map((c) => [c.batchId, c.meterId])).toEqual([['2', 'm2']]);
  });

  it('answers a payout for a payee of the sandbox only, with the proof of the newest final batch', async () => {
    const m1 = directory.get('m1')!;
    const payout = await ports.payout(m1.payee);
    expect(payout).toEqual(await queries.payoutOf(m1.payee, fake));
    expect(payout).toMatchObject({ payee: m1.payee, batchId: '3', withdrawn: '0', withdrawable: payout!.cumulativeAmount });
    expect(payout!.proof.length).toBeGreaterThan(0);
    expect(await ports.payout(payee(0xdead))).toBeUndefined();
    expect(await ports.withdraw!(payee(0xdead))).toBeUndefined();
  });

  it("sums a payee's claims of today and this month (sandbox-local) and says nothing is pending once all is final", async () => {
    const m2 = directory.get('m2')!;
    const claims = queries.claimsOfPayee(m2.payee, { limit: 100 });
    const sum = (f: 'amount' | 'exportWh' | 'paidWh') => String(claims.reduce((s, c) => s + BigInt(c[f]), 0n));
    const totals = { amount: sum('amount'), exportWh: sum('exportWh'), paidWh: sum('paidWh'), claims: claims.length };
    expect(claims.length).toBe(2);
    expect(await ports.earnings!(m2.payee)).toEqual({
      today: { day: '2026-11-22', ...totals },
      thisMonth: { month: '2026-11', ...totals },
      pending: { amount: '0', batches: 0, finalAtMs: null, finalInSeconds: null, held: false },
      challengeWindowSeconds: 20,
    });
  });

  it("names a suspended meter's start and the reason recorded for that suspension, not an older one's", async () => {
    const reasons = new Map([['m3', { meterId: 'm3', from: new Date(T0 + 40 * MIN).toISOString(), reason: 'seal broken', by: 'operator' as const, recordedAt: new Date(1_000_000).toISOString() }]]);
    const chainInfo = { chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', registry: payee(0xa1), settlement: payee(0xa2), token: payee(0xa3) };
    const withReasons = createDashboardPorts({
      config, clock, store, queries, settlement, directory, chain: chainClient(), chainInfo, settlementStore,
      connectedMeters: () => new Set(), brokerListening: () => true, events: new GatewayEvents(), metrics: createMetrics(), suspensionReasons: async () => reasons,
    });
    directory.suspend('m3', T0 + 40 * MIN);
    try {
      expect((await withReasons.meters()).find((m) => m.meterId === 'm3')!.suspension).toEqual({ fromMs: T0 + 40 * MIN, reason: 'seal broken', by: 'operator' });
      directory.suspend('m3', T0 + 50 * MIN);
      expect((await withReasons.meters()).find((m) => m.meterId === 'm3')!.suspension).toEqual({ fromMs: T0 + 50 * MIN, reason: null, by: null });
      expect((await withReasons.meters()).find((m) => m.meterId === 'm1')!.suspension).toBeNull();
    } finally {
      directory.suspend('m3', null);
    }
  });

  it("reads the sandbox's totals with one call each: withdrawn by all is the contract's running total", async () => {
    chainCalls.length = 0;
    expect(await ports.sandboxStatus!()).toEqual({
      paused: false,
      batchCap: '50000',
      budget: (1n << 255n).toString(),
      totalCommitted: '1800',
      totalWithdrawn: '300',
      escrowBalance: '9700',
      challengeWindowSeconds: 20,
      caps: { exportCapPercentOfCapacity: config.limits.exportCapPercentOfCapacity ?? null, householdDailyCap: config.limits.householdDailyCap?.toString() ?? null },
    });
    expect(chainCalls.sort()).toEqual(['challengeWindowSeconds', 'escrowBalance', 'limits', 'paused', 'totalCommitted', 'totalWithdrawn']);
  });

  it('lists meters with household, connection and last reading; health degrades with the broker', async () => {
    const meters = await ports.meters();
    expect(meters.map((m) => [m.meterId, m.householdId, m.connected, m.lastReading?.exportWh ?? null])).toEqual([
      ['m1', config.meters.find((m) => m.id === 'm1')?.household ?? '', true, '1400'],
      ['m2', config.meters.find((m) => m.id === 'm2')?.household ?? '', false, '900'],
      ['m3', config.meters.find((m) => m.id === 'm3')?.household ?? '', false, null],
    ]);
    expect((await ports.health()).status).toBe('ok');
    brokerUp = false;
    expect(await ports.health()).toMatchObject({ status: 'degraded', components: { broker: { status: 'down', detail: 'broker not listening' } } });
    brokerUp = true;
  });
});
