// The regulator's "at a glance" from today's daily report and the meter list (issue #11 item 10).
import { describe, expect, it } from 'vitest';
import type { DailyReport } from './daily-report.js';
import { summarizeSandbox } from './sandbox-summary.js';

const MIN = 60_000;
const NOW = Date.parse('2026-11-22T05:00:00Z');

const report = (ok: boolean): DailyReport => ({
  date: '2026-11-22',
  utcOffsetMinutes: 420,
  fromMs: NOW - 12 * 60 * MIN,
  toMs: NOW + 12 * 60 * MIN,
  totals: { exportWh: '2000', paidWh: '1500', amount: '1006', claims: 4, households: 2, meters: 2 },
  batches: [],
  households: [
    { householdId: 'hh-01', payee: '0x1', meters: 1, claims: 2, exportWh: '1200', paidWh: '700', amount: '470', cappedClaims: 2 },
    { householdId: 'hh-02', payee: '0x2', meters: 1, claims: 2, exportWh: '800', paidWh: '800', amount: '536', cappedClaims: 0 },
  ],
  rejectionsByReason: [
    { reason: 'bad-signature', count: 3 },
    { reason: 'implausible-export', count: 2 },
  ],
  gaps: { count: 1, missingReadings: 4, byMeter: [{ meterId: 'm2', gaps: 1, missingReadings: 4 }] },
  outages: [],
  capsHit: [],
  ledger: { throughBatchId: '7', sumOfClaims: '1006', committedOnChain: ok ? '1006' : '1000', withdrawn: '400', outstanding: '606', payees: [] },
  checks: [{ name: 'claims-equal-committed', ok, detail: 'Σ claims of batches 1..7 1006; committed on chain …' }],
  ok,
});

const meters = [
  { meterId: 'm1', householdId: 'hh-01', active: true, connected: true, lastReadingMs: NOW - MIN },
  { meterId: 'm2', householdId: 'hh-02', active: true, connected: false, lastReadingMs: NOW - 40 * MIN },
  { meterId: 'm3', householdId: 'hh-03', active: false, connected: false, lastReadingMs: null },
  { meterId: 'm4', householdId: 'hh-01', active: true, connected: false, lastReadingMs: null },
];

describe('summarizeSandbox', () => {
  it('gives the money verdict with its figures, today, who is active and the anomaly counts', () => {
    const s = summarizeSandbox({ report: report(true), meters, householdIds: ['hh-01', 'hh-02', 'hh-03'], nowMs: NOW, intervalMinutes: 15 });
    expect(s.money).toMatchObject({ ok: true, throughBatchId: '7', sumOfClaims: '1006', committedOnChain: '1006', withdrawn: '400', outstanding: '606' });
    expect(s.today).toEqual({ exportWh: '2000', paidWh: '1500', cappedWh: '500', amount: '1006', claims: 4, cappedClaims: 2 });
    expect(s.households).toEqual({ total: 3, active: 2, paidToday: 2 });
    expect(s.meters).toEqual({ total: 4, active: 3, connected: 1, suspended: 1 });
    // m2: 40 min = 2 whole intervals, not more than 2 → not silent; m4 never read → silent.
    expect(s.anomalies).toMatchObject({ gaps: 1, missingReadings: 4, rejections: 5, plausibility: 2, silentMeters: 1, silentAfterIntervals: 2 });
    expect(s.anomalies.silent).toEqual([{ meterId: 'm4', householdId: 'hh-01', lastReadingMs: null }]);
    expect(s.anomalies.gapsByMeter).toEqual([{ meterId: 'm2', gaps: 1, missingReadings: 4 }]);
  });

  it('is red when a ledger check fails, and counts a meter silent after more than N intervals', () => {
    const s = summarizeSandbox({ report: report(false), meters, householdIds: ['hh-01'], nowMs: NOW + 10 * MIN, intervalMinutes: 15, silentAfterIntervals: 2 });
    expect(s.money.ok).toBe(false);
    expect(s.money.checks.filter((c) => !c.ok)).toHaveLength(1);
    expect(s.anomalies.silent.map((m) => m.meterId)).toEqual(['m4', 'm2']);
  });
});
