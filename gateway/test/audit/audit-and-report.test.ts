// The audit and report pieces over real stores (SQLite in memory) holding real signed readings and
// batches built by the gateway's own build code; the chain is an in-memory fake of the three reads
// these modules make, so each test can make the chain disagree and see it named.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumAddress } from '@feedin/protocol/address';
import { payloadDigest } from '@feedin/protocol/digest';
import type { Hex } from '@feedin/protocol/hex';
import { loadConfig } from '@feedin/sandbox-config/load-config';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { auditMeter } from '../../src/audit/audit-meter.js';
import { rebuildBatch, type AuditBatchChain } from '../../src/audit/rebuild-batch.js';
import { sweepPayouts, withdrawPayout, type PayoutChain } from '../../src/audit/withdraw-payout.js';
import { signedReading, testMeter, type TestMeter } from '../../src/ingest/ingest-fixtures.js';
import { createStaticDirectory } from '../../src/registry/meter-directory.js';
import { dailyReportCsv } from '../../src/reports/daily-report-csv.js';
import { buildDailyReport, localDayRange, type ReportChain } from '../../src/reports/daily-report.js';
import { recordOutage } from '../../src/settlement/outages.js';
import { loadBatchInput } from '../../src/settlement/batch-input.js';
import { buildBatch } from '../../src/settlement/build-batch.js';
import { createSettlementQueries } from '../../src/settlement/queries.js';
import { openSettlementStore, type SettlementStore } from '../../src/settlement/settlement-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';

const MIN = 60_000;
// 2026-11-22T10:00:00+07:00, a 15-minute boundary in daylight
const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const PAYEE_A = checksumAddress('0x' + 'a1'.repeat(20));
const PAYEE_B = checksumAddress('0x' + 'b2'.repeat(20));
const meters: TestMeter[] = [testMeter('HCM-0001', { payee: PAYEE_A, capacityW: 10_000 }), testMeter('HCM-0002', { payee: PAYEE_B, capacityW: 10_000 })];
const directory = createStaticDirectory(meters.map((m) => m.entry));

function sandboxConfig(): SandboxConfig {
  const loaded = loadConfig({ env: {} });
  if (!loaded.ok) throw new Error('default config does not load');
  const config = structuredClone(loaded.config);
  config.participants.households = [
    { id: 'hh-a', name: 'A', payee: PAYEE_A },
    { id: 'hh-b', name: 'B', payee: PAYEE_B },
  ];
  config.meters = [
    { id: 'HCM-0001', household: 'hh-a', capacityW: 10_000, tariff: config.tariffs[0]!.id },
    { id: 'HCM-0002', household: 'hh-b', capacityW: 10_000, tariff: config.tariffs[0]!.id },
  ];
  return config;
}

interface FakeBatch { claimsRoot: Hex; payoutsRoot: Hex; claimCount: bigint; totalExportWh: bigint; totalAmount: bigint; committedThrough: bigint; intervalStartSec: bigint; intervalEndSec: bigint; status: string; final: boolean }

// One fake serves the three ports; its batch record is the union of what each port reads.
interface Fake extends Omit<AuditBatchChain, 'batch'>, Omit<ReportChain, 'batch'>, PayoutChain {
  batch(batchId: bigint): Promise<FakeBatch | undefined>;
  batches: Map<bigint, FakeBatch>;
  withdrawnBy: Map<string, bigint>;
}

function fakeChain(): Fake {
  const batches: Fake['batches'] = new Map();
  const withdrawnBy = new Map<string, bigint>();
  return {
    batches,
    withdrawnBy,
    nextBatchId: async () => BigInt(batches.size + 1),
    batch: async (id) => batches.get(id),
    withdrawn: async (payee) => withdrawnBy.get(payee.toLowerCase()) ?? 0n,
    async withdraw({ batchId, payee, cumulativeAmount }) {
      const before = withdrawnBy.get(payee.toLowerCase()) ?? 0n;
      if (cumulativeAmount <= before) throw Object.assign(new Error('reverted'), { code: 'reverted', revert: { name: 'SettlementNothingDue', args: [] } });
      withdrawnBy.set(payee.toLowerCase(), cumulativeAmount);
      return { txHash: `0x${'77'.repeat(32)}`, blockNumber: 9, gasUsed: 60_000n, events: [{ name: 'Withdrawn', args: { payee, batchId, amount: cumulativeAmount - before, cumulativeAmount } }] };
    },
    async withdrawMany({ payouts }) {
      // like the contract: payees already paid up to their amount are skipped
      const events = payouts.flatMap(({ shard, batchId, payee, cumulativeAmount }) => {
        const before = withdrawnBy.get(payee.toLowerCase()) ?? 0n;
        if (cumulativeAmount <= before) return [];
        withdrawnBy.set(payee.toLowerCase(), cumulativeAmount);
        return [{ name: 'Withdrawn', args: { payee, shard: BigInt(shard), batchId, amount: cumulativeAmount - before, cumulativeAmount } as Record<string, unknown> }];
      });
      return { txHash: `0x${'88'.repeat(32)}`, blockNumber: 10, gasUsed: 150_000n, events };
    },
  };
}

let store: ReadingStore;
let settlementStore: SettlementStore;
let chain: Fake;
const config = sandboxConfig();

/** Readings every 5 minutes from T0 − 5 min; meter 2 skips PG 4 and 5 (a gap). */
async function fill(): Promise<void> {
  for (const [i, m] of meters.entries()) {
    const pgs = i === 0 ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 3, 6, 7, 8];
    for (const pg of pgs) {
      const timestampMs = T0 + (pg - 2) * 5 * MIN;
      const ocmf = signedReading(m, { pagination: pg, importWh: 1_000n, exportWh: 10_000n + BigInt(pg) * 400n, timestampMs });
      const payload = ocmf.slice(5, ocmf.lastIndexOf('|'));
      await store.append([
        { kind: 'accepted', reading: { meterId: m.meterId, pagination: pg, importWh: 1_000n, exportWh: 10_000n + BigInt(pg) * 400n, timestampMs, receivedAtMs: timestampMs, payloadDigest: payloadDigest(payload), ocmf, source: 'mqtt' } },
      ]);
    }
  }
  await store.append([
    { kind: 'gap', gap: { meterId: 'HCM-0002', expectedPagination: 4, receivedPagination: 6, receivedAtMs: T0 + 20 * MIN } },
    { kind: 'rejected', rejection: { meterId: 'HCM-0002', pagination: 6, reason: 'replay', detail: 'F6 again, other bytes', frame: 'OCMF|…', receivedAtMs: T0 + 21 * MIN, source: 'mqtt' } },
  ]);
  // batches 1 (baseline), 2 and 3, as the service builds them, each put "on chain" by the fake
  let committed = 0n;
  const watermark = await store.highWaterSeq();
  for (let id = 1n; id <= 3n; id++) {
    const intervalStartMs = T0 - 15 * MIN + Number(id - 1n) * 15 * MIN;
    const built = buildBatch(await loadBatchInput({ batchId: id, intervalStartMs, watermark, config, directory, store, settlementStore }));
    settlementStore.recordBuilt(built, intervalStartMs + 20 * MIN);
    committed += built.totalAmount;
    chain.batches.set(id, { ...built, claimCount: BigInt(built.claimCount), committedThrough: committed, intervalStartSec: BigInt(intervalStartMs / 1000), intervalEndSec: BigInt(built.intervalEndMs / 1000), status: 'final', final: true });
    settlementStore.setStatus(id, 'final');
  }
}

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  settlementStore = openSettlementStore(':memory:');
  chain = fakeChain();
  await fill();
});
afterEach(async () => {
  settlementStore.close();
  await store.close();
});

describe('rebuildBatch', () => {
  it('rebuilds a batch to the recorded and on-chain roots and totals', async () => {
    const result = await rebuildBatch({ batchId: 2n, config, directory, store, settlementStore, chain });
    expect(result?.differences).toEqual([]);
    expect(result?.ok).toBe(true);
    expect(result?.rebuilt).toEqual(result?.onChain);
    expect(Number(result?.rebuilt.claimCount)).toBe(2);
  });

  it('names the field and the meter when the chain or the config disagrees', async () => {
    chain.batches.get(2n)!.totalAmount += 1n;
    const onChain = await rebuildBatch({ batchId: 2n, config, directory, store, settlementStore, chain });
    expect(onChain?.ok).toBe(false);
    expect(onChain?.differences.map((d) => d.field)).toEqual(['totalAmount']);

    const cheaper = structuredClone(config);
    cheaper.limits.exportCapPercentOfCapacity = 1; // 10 kW × 1 % × 15 min = 25 Wh paid
    const rebuilt = await rebuildBatch({ batchId: 3n, config: cheaper, directory, store, settlementStore, chain });
    expect(rebuilt?.differences.map((d) => d.field)).toEqual(['claimsRoot', 'payoutsRoot', 'totalAmount', 'claim:HCM-0001', 'claim:HCM-0002']);
    expect(await rebuildBatch({ batchId: 9n, config, directory, store, settlementStore, chain })).toBeUndefined();
  });
});

describe('auditMeter', () => {
  it('lists the gap from the chain of PGs, the rejection, and re-verifies each signature', async () => {
    const r = await auditMeter({ meterId: 'HCM-0002', fromMs: T0 - 10 * MIN, toMs: T0 + 60 * MIN, store, settlementStore, directory });
    expect(r.readings.map((x) => [x.pagination, x.signature])).toEqual([1, 2, 3, 6, 7, 8].map((pg) => [pg, 'valid']));
    expect(r.gaps).toEqual([{ afterPagination: 3, beforePagination: 6, missing: 2, fromMs: T0 + 5 * MIN, toMs: T0 + 20 * MIN }]);
    expect(r.rejections).toEqual([{ seq: expect.any(Number), pagination: 6, reason: 'replay', detail: 'F6 again, other bytes', receivedAtMs: T0 + 21 * MIN, source: 'mqtt' }]);
    expect(r.summary).toMatchObject({ readings: 6, invalidSignatures: 0, gaps: 1, missingReadings: 2, rejections: 1 });
  });

  it('lists the times the sandbox itself was down, so they do not pass for a quiet meter', async () => {
    expect((await auditMeter({ meterId: 'HCM-0002', fromMs: T0 - 10 * MIN, toMs: T0 + 60 * MIN, store, settlementStore, directory })).outages).toEqual([]);
    const outage = { fromMs: T0 + 40 * MIN, toMs: T0 + 50 * MIN };
    recordOutage(settlementStore, outage);
    recordOutage(settlementStore, { fromMs: T0 + 2 * 24 * 60 * MIN, toMs: T0 + 2 * 24 * 60 * MIN + MIN }); // another day
    const r = await auditMeter({ meterId: 'HCM-0002', fromMs: T0 - 10 * MIN, toMs: T0 + 60 * MIN, store, settlementStore, directory });
    expect(r.outages).toEqual([outage]);
    expect(r.summary.outages).toBe(1);
    expect(() => recordOutage(settlementStore, { fromMs: 5, toMs: 5 })).toThrow(RangeError);
  });

  it('reports a reading that no longer verifies against the registry key', async () => {
    const rotated = createStaticDirectory([{ ...meters[0]!.entry, publicKey: testMeter('HCM-0001', {}, 'other').entry.publicKey }]);
    const r = await auditMeter({ meterId: 'HCM-0001', fromMs: T0 - 10 * MIN, toMs: T0 + 60 * MIN, store, settlementStore, directory: rotated });
    expect(r.summary.invalidSignatures).toBe(8);
    expect(new Set(r.readings.map((x) => x.signature))).toEqual(new Set(['bad-signature']));
  });
});

describe('auditMeter with a key history', () => {
  const own = meters[0]!.entry.publicKey;
  const other = testMeter('HCM-0001', {}, 'other').entry.publicKey;
  const audit = (keys: { publicKey: typeof own; validFromMs: number; revokedFromMs: number | null }[]) =>
    auditMeter({ meterId: 'HCM-0001', fromMs: T0 - 10 * MIN, toMs: T0 + 60 * MIN, store, settlementStore, directory: createStaticDirectory([{ ...meters[0]!.entry, publicKey: other, keys }]) });

  it('checks each reading with the key valid at its TM, not the newest key', async () => {
    // rotated at T0 + 20 min: F1–F5 (up to T0 + 15 min) were signed with the key of their time
    const r = await audit([{ publicKey: own, validFromMs: 0, revokedFromMs: null }, { publicKey: other, validFromMs: T0 + 20 * MIN, revokedFromMs: null }]);
    expect(r.readings.map((x) => [x.pagination, x.signature])).toEqual([
      [1, 'valid'], [2, 'valid'], [3, 'valid'], [4, 'valid'], [5, 'valid'], [6, 'bad-signature'], [7, 'bad-signature'], [8, 'bad-signature'],
    ]);
  });

  it('fails readings signed by a key revoked at their time with key-revoked', async () => {
    const r = await audit([{ publicKey: own, validFromMs: 0, revokedFromMs: T0 + 10 * MIN }, { publicKey: other, validFromMs: T0 + 20 * MIN, revokedFromMs: null }]);
    expect(r.readings.slice(0, 5).map((x) => [x.pagination, x.signature])).toEqual([[1, 'valid'], [2, 'valid'], [3, 'valid'], [4, 'key-revoked'], [5, 'key-revoked']]);
    expect(r.summary.invalidSignatures).toBe(5);
  });
});

describe('withdrawPayout and sweepPayouts', () => {
  const queries = () => createSettlementQueries({ settlementStore, store, directory });

  it('pays cumulative − withdrawn once, then refuses with nothing due', async () => {
    const cumulative = settlementStore.payeeCumulative(3n).get(PAYEE_A)!;
    chain.withdrawnBy.set(PAYEE_A.toLowerCase(), 1n);
    const first = await withdrawPayout({ payee: PAYEE_A, queries: queries(), chain });
    expect(first).toMatchObject({ ok: true, payee: PAYEE_A, batchId: '3', cumulativeAmount: cumulative.toString(), withdrawnBefore: '1', paid: (cumulative - 1n).toString() });
    const second = await withdrawPayout({ payee: PAYEE_A, queries: queries(), chain });
    expect(second).toMatchObject({ ok: false, reason: 'nothing-due', detail: `nothing due to ${PAYEE_A}: cumulative ${cumulative} through final batch 3, already withdrawn ${cumulative}` });
  });

  it('maps a concurrent withdrawal (the contract says nothing due) to nothing-due', async () => {
    const stale = await queries().payoutOf(PAYEE_B, chain);
    chain.withdrawnBy.set(PAYEE_B.toLowerCase(), BigInt(stale.cumulativeAmount));
    const r = await withdrawPayout({ payee: PAYEE_B, queries: { payoutOf: async () => stale }, chain });
    expect(r).toMatchObject({ ok: false, reason: 'nothing-due' });
  });

  it('sweeps all payees due in one withdrawMany transaction', async () => {
    chain.withdrawnBy.set(PAYEE_B.toLowerCase(), 2n);
    const cumulative = settlementStore.payeeCumulative(3n);
    const r = await sweepPayouts({ payees: [PAYEE_B, PAYEE_A], queries: queries(), chain });
    expect(r.transactions).toBe(1);
    expect(r.paid.map((p) => [p.payee, p.paid, p.txHash])).toEqual([
      [PAYEE_A, cumulative.get(PAYEE_A)!.toString(), `0x${'88'.repeat(32)}`],
      [PAYEE_B, (cumulative.get(PAYEE_B)! - 2n).toString(), `0x${'88'.repeat(32)}`],
    ]);
    expect(r.totalPaid).toBe((cumulative.get(PAYEE_A)! + cumulative.get(PAYEE_B)! - 2n).toString());
  });

  it('falls back to one withdrawal per payee when withdrawMany reverts', async () => {
    const broken: PayoutChain = { ...chain, withdrawMany: async () => Promise.reject(Object.assign(new Error('reverted'), { code: 'reverted', revert: { name: 'SettlementInvalidProof' } })) };
    const r = await sweepPayouts({ payees: [PAYEE_A, PAYEE_B], queries: queries(), chain: broken });
    expect(r.transactions).toBe(3);
    expect(r.paid.map((p) => p.txHash)).toEqual([`0x${'77'.repeat(32)}`, `0x${'77'.repeat(32)}`]);
  });

  it('sweeps every payee due, skipping the rest', async () => {
    chain.withdrawnBy.set(PAYEE_B.toLowerCase(), settlementStore.payeeCumulative(3n).get(PAYEE_B)!);
    const r = await sweepPayouts({ payees: [PAYEE_B, PAYEE_A, PAYEE_A], queries: queries(), chain });
    expect(r.paid.map((p) => p.payee)).toEqual([PAYEE_A]);
    expect(r.skipped).toBe(1);
    expect(r.failed).toEqual([]);
    expect(r.totalPaid).toBe(settlementStore.payeeCumulative(3n).get(PAYEE_A)!.toString());
  });
});

describe('buildDailyReport', () => {
  const report = () => buildDailyReport({ date: '2026-11-22', utcOffsetMinutes: 420, households: config.participants.households, settlementStore, store, chain });

  it('lists the sandbox outages of the day, and only those', async () => {
    const outage = { fromMs: T0 + 70 * MIN, toMs: T0 + 75 * MIN };
    recordOutage(settlementStore, outage);
    recordOutage(settlementStore, { fromMs: T0 + 2 * 24 * 60 * MIN, toMs: T0 + 2 * 24 * 60 * MIN + MIN });
    expect((await report()).outages).toContainEqual(outage);
    expect((await report()).outages.every((o) => o.toMs > T0 - 10 * 60 * MIN && o.fromMs < T0 + 14 * 60 * MIN)).toBe(true);
  });

  it('adds up: Σ claims = chain totals, committed = withdrawn + outstanding', async () => {
    chain.withdrawnBy.set(PAYEE_A.toLowerCase(), 5n);
    const r = await report();
    expect(r.checks.map((c) => [c.name, c.ok])).toEqual([
      ['day-claims-equal-chain', true],
      ['claims-equal-committed', true],
      ['committed-equals-withdrawn-plus-outstanding', true],
    ]);
    expect(r.batches.map((b) => [b.batchId, b.chainStatus])).toEqual([['1', 'final'], ['2', 'final'], ['3', 'final']]);
    expect(r.totals.claims).toBe(4);
    expect(r.totals.households).toBe(2);
    expect(r.rejectionsByReason).toEqual([{ reason: 'replay', count: 1 }]);
    expect(r.gaps).toEqual({ count: 1, missingReadings: 2, byMeter: [{ meterId: 'HCM-0002', gaps: 1, missingReadings: 2 }] });
    expect(r.ledger.withdrawn).toBe('5');
    expect(BigInt(r.ledger.withdrawn) + BigInt(r.ledger.outstanding)).toBe(BigInt(r.ledger.committedOnChain));
    expect(r.households.reduce((s, h) => s + BigInt(h.amount), 0n)).toBe(BigInt(r.totals.amount));
  });

  it('says which equation breaks when the chain disagrees', async () => {
    chain.batches.get(2n)!.totalAmount += 3n;
    chain.batches.get(3n)!.committedThrough += 3n;
    const r = await report();
    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['day-claims-equal-chain', 'claims-equal-committed', 'committed-equals-withdrawn-plus-outstanding']);
  });

  it('writes CSV sections with headers and quotes what needs quoting', async () => {
    const csv = dailyReportCsv(await report());
    const lines = csv.split('\r\n');
    expect(lines.filter((l) => l.startsWith('section,'))).toEqual(['summary', 'checks', 'batches', 'households', 'rejections', 'gaps', 'caps', 'ledger', 'payees'].map((s) => `section,${s}`));
    expect(lines[1]).toBe('date,from,to,energy_exported_wh,energy_paid_wh,amount,claims,households,meters,adds_up');
    expect(lines[2]).toMatch(/^2026-11-22,2026-11-21T17:00:00\.000Z,2026-11-22T17:00:00\.000Z,\d+,\d+,\d+,4,2,2,true$/);
    expect(csv).toContain('replay,1');
  });

  it('refuses a day that is not on the calendar', () => {
    expect(() => localDayRange('2026-02-30', 420)).toThrow(/calendar day/);
    expect(localDayRange('2026-11-22', 420)).toEqual({ fromMs: Date.UTC(2026, 10, 21, 17), toMs: Date.UTC(2026, 10, 22, 17) });
  });
});
