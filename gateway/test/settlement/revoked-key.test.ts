// A key revocation back-dated to T cuts payment for every reading signed with that key from T
// (issue 10 item 5): new and rebuilt claims close before it (flag key-revoked), built batches not
// yet on chain that paid such readings are rebuilt, and rejectable batches on chain that paid them
// are listed for the regulator (status + settlement.key-revoked events). Real SQLite stores, the
// in-memory fake chain of the settlement tests.
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicKey } from '@feedin/protocol/public-key';
import { GatewayEvents, type GatewayEventMap } from '../../src/events.js';
import { createSettlementQueries } from '../../src/settlement/queries.js';
import { startSettlement, type SettlementService } from '../../src/settlement/settlement-service.js';
import { openSettlementStore, type SettlementStore } from '../../src/settlement/settlement-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { FakeChain } from './fake-chain.js';
import { MIN, T0, TestClock, addReading, directoryMeter, payee, testConfig, testDirectory } from './fixture.js';

const OLD: PublicKey = { curve: 'secp256k1', point: new Uint8Array(33).fill(2) };
const NEW: PublicKey = { curve: 'secp256k1', point: new Uint8Array(33).fill(3) };

let store: ReadingStore;
let local: SettlementStore;
let service: SettlementService;
afterEach(async () => {
  await service?.stop();
  local?.close();
  await store?.close();
});

async function harness() {
  store = openSqliteStore(':memory:');
  local = openSettlementStore(':memory:');
  const chain = new FakeChain();
  const clock = new TestClock(T0 + MIN);
  const directory = testDirectory(['m1', 'm2']);
  const bus = new GatewayEvents();
  const keyRevoked: GatewayEventMap['settlement.key-revoked'][] = [];
  const rejected: GatewayEventMap['batch.rejected'][] = [];
  bus.on('settlement.key-revoked', (e) => keyRevoked.push(e));
  bus.on('batch.rejected', (e) => rejected.push(e));
  service = await startSettlement({ config: testConfig(), clock, store, settlementStore: local, directory, chain, firstIntervalStartMs: T0 + MIN, events: bus, log: () => {}, tickIntervalMs: 0 });
  const queries = createSettlementQueries({ settlementStore: local, store, directory });
  const revoke = (revokedFromMs: number, rotatedAtMs?: number) =>
    directory.upsert({
      ...directoryMeter('m1', payee(1)),
      keys: [{ publicKey: OLD, validFromMs: 0, revokedFromMs }, ...(rotatedAtMs === undefined ? [] : [{ publicKey: NEW, validFromMs: rotatedAtMs, revokedFromMs: null }])],
    });
  const claimsOf = (batchId: bigint) => queries.getBatch(batchId)!.claims.map((c) => [c.meterId, c.exportWh, c.flags]);
  return { chain, clock, directory, keyRevoked, rejected, revoke, claimsOf };
}

/** m1 every 5 minutes from 10:00 (+100 Wh each), m2 every 15 minutes (+50 Wh each) */
async function readings(fromMin: number, toMin: number): Promise<void> {
  for (let t = fromMin; t <= toMin; t += 5) {
    await addReading(store, 'm1', 1_000 + 20 * t, T0 + t * MIN);
    if (t % 15 === 0) await addReading(store, 'm2', 500 + (10 * t) / 3, T0 + t * MIN);
  }
}

describe('key revoked from T', () => {
  it('closes new claims on the last reading before T, flagged key-revoked, and pays nothing after it', async () => {
    const h = await harness();
    await readings(0, 45);
    h.revoke(T0 + 20 * MIN); // readings at 10:20 and later are signed with a revoked key
    h.clock.sandboxMs = T0 + 47 * MIN;
    await service.tick();
    // batch 1 = 10:00 baseline; 10:15–10:30 closes on 10:15 (before T): nothing new after the 10:15 opening
    expect(h.claimsOf(2n)).toEqual([['m2', '50', []]]);
    expect(h.claimsOf(3n)).toEqual([['m2', '50', []]]);
  });

  it('cuts the claim whose interval holds T, then pays again from the new key on (two trusted readings)', async () => {
    const h = await harness();
    await readings(0, 45);
    h.revoke(T0 + 25 * MIN, T0 + 40 * MIN);
    h.clock.sandboxMs = T0 + 47 * MIN;
    await service.tick();
    // 10:15–10:30: closes on 10:20 (the last before T = 10:25), flagged; 10:30–10:45: closes on 10:45 (new key)
    expect(h.claimsOf(2n)).toEqual([['m1', '100', ['key-revoked']], ['m2', '50', []]]);
    expect(h.claimsOf(3n)).toEqual([['m1', '500', []], ['m2', '50', []]]);
  });

  it('rebuilds built batches not yet on chain without the revoked readings', async () => {
    const h = await harness();
    await readings(0, 45);
    h.chain.isPaused = true; // built and kept, not submitted
    h.clock.sandboxMs = T0 + 47 * MIN;
    await service.tick();
    expect(h.claimsOf(2n)).toEqual([['m1', '300', []], ['m2', '50', []]]);
    h.revoke(T0 + 20 * MIN);
    await service.tick();
    expect(h.rejected.map((e) => e.batchId)).toEqual(['2', '3']); // batch 1 closes at 10:15, before T
    expect(h.claimsOf(2n)).toEqual([['m2', '50', []]]);
    expect(h.claimsOf(3n)).toEqual([['m2', '50', []]]);
    expect(h.chain.landed).toEqual([]);
  });

  it('lists rejectable batches on chain that paid readings of the revoked key, and says so once', async () => {
    const h = await harness();
    await readings(0, 45);
    h.clock.sandboxMs = T0 + 47 * MIN;
    await service.tick();
    expect(h.chain.landed).toEqual([1n, 2n, 3n]);
    h.revoke(T0 + 20 * MIN);
    await service.tick();
    await service.tick();
    const listed = service.status().revokedKeyBatches;
    expect(listed.map((b) => [b.batchId, b.claims.map((c) => [c.meterId, c.reading, c.pagination, c.timestampMs])])).toEqual([
      ['2', [['m1', 'closing', 7, T0 + 30 * MIN]]],
      ['3', [['m1', 'opening', 7, T0 + 30 * MIN], ['m1', 'closing', 10, T0 + 45 * MIN]]],
    ]);
    expect(h.keyRevoked.map((e) => [e.batchId, e.meterId])).toEqual([['2', 'm1'], ['3', 'm1'], ['3', 'm1']]);
    expect(h.keyRevoked[0]!.detail).toBe(
      `batch 2 (pending) pays m1's closing reading F7 at ${new Date(T0 + 30 * MIN).toISOString()}, signed with a key revoked from ${new Date(T0 + 20 * MIN).toISOString()}: freeze and reject it to rebuild without it`,
    );
    // the regulator rejects batch 2: the rebuild leaves the revoked readings out and the list empties
    h.chain.reject(2n);
    h.clock.wallMs += 60_000; // rejections are polled about once a wall-clock second
    await service.tick();
    await service.tick();
    expect(h.claimsOf(2n)).toEqual([['m2', '50', []]]);
    expect(service.status().revokedKeyBatches).toEqual([]);
  });
});

describe('property: random readings and a random revocation', () => {
  it('never closes a claim on a revoked reading, and the paid claims telescope (no energy counted twice)', async () => {
    const fc = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 12, maxLength: 40 }), // Wh added per 5-minute reading
        fc.integer({ min: 0, max: 200 }), // revoked from (minutes after 10:00)
        fc.option(fc.integer({ min: 1, max: 120 })), // minutes after the revocation the new key takes over
        async (increments, revokedMin, rotateAfterMin) => {
          const h = await harness();
          let exportWh = 1_000;
          for (const [i, wh] of increments.entries()) await addReading(store, 'm1', (exportWh += wh), T0 + 5 * i * MIN);
          const revokedFromMs = T0 + revokedMin * MIN;
          const rotatedAtMs = rotateAfterMin === null ? undefined : revokedFromMs + rotateAfterMin * MIN;
          h.revoke(revokedFromMs, rotatedAtMs);
          h.clock.sandboxMs = T0 + (5 * increments.length + 20) * MIN;
          await service.tick();
          const claims = local.claimsOfMeter('m1').sort((a, b) => a.intervalStartMs - b.intervalStartMs);
          const revoked = (ms: number) => ms >= revokedFromMs && (rotatedAtMs === undefined || ms < rotatedAtMs);
          for (const c of claims) expect(revoked(c.closing.timestampMs)).toBe(false);
          for (let i = 1; i < claims.length; i++) expect(claims[i]!.opening.seq).toBe(claims[i - 1]!.closing.seq);
          const total = claims.reduce((sum, c) => sum + c.exportWh, 0n);
          if (claims.length > 0) expect(total).toBe(claims.at(-1)!.closing.exportWh - claims[0]!.opening.exportWh);
          await service.stop();
          local.close();
          await store.close();
        },
      ),
      { numRuns: 40, seed: 10 },
    );
    service = undefined as unknown as SettlementService;
    local = undefined as unknown as SettlementStore;
    store = undefined as unknown as ReadingStore;
  });
});
