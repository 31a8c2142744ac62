// The regulator's "at a glance" (issue #11 item 10): the money verdict, today's energy, who is
// active and the anomalies, as one view for GET /api/summary. It is the daily report of today
// (daily-report.ts, so the ledger and its checks are written once) plus the meter list; nothing
// here reads a store or the chain itself.
import type { DailyReport, ReportCheck } from './daily-report.js';

/** Readings in this reason are the plausibility rule's (DESIGN "Validation rules": export ≤
 * capacity × elapsed time × margin), counted apart from the other rejections. */
export const PLAUSIBILITY_REASON = 'implausible-export';

/** A meter is silent after this many intervals without a reading (the operator page's default). */
export const DEFAULT_SILENT_AFTER_INTERVALS = 2;

export interface SummaryMeter {
  meterId: string;
  householdId: string;
  /** registered and not suspended */
  active: boolean;
  connected: boolean;
  lastReadingMs: number | null;
}

export interface SandboxSummary {
  /** the sandbox-local day the "today" figures cover */
  date: string;
  nowMs: number;
  money: {
    /** every ledger check of the day's report passed */
    ok: boolean;
    throughBatchId: string;
    /** Σ claims of the gateway's batches 1..throughBatchId, base units */
    sumOfClaims: string;
    /** the chain's committed total through that batch */
    committedOnChain: string;
    withdrawn: string;
    outstanding: string;
    checks: ReportCheck[];
  };
  today: {
    exportWh: string;
    paidWh: string;
    /** export the caps did not pay (exportWh − paidWh) */
    cappedWh: string;
    amount: string;
    claims: number;
    cappedClaims: number;
  };
  households: { total: number; active: number; paidToday: number };
  meters: { total: number; active: number; connected: number; suspended: number };
  anomalies: {
    gaps: number;
    missingReadings: number;
    rejections: number;
    rejectionsByReason: Array<{ reason: string; count: number }>;
    plausibility: number;
    silentMeters: number;
    silentAfterIntervals: number;
    /** today's gaps per meter (the anomalies list) */
    gapsByMeter: Array<{ meterId: string; gaps: number; missingReadings: number }>;
    /** the longest silent, at most SILENT_LISTED */
    silent: Array<{ meterId: string; householdId: string; lastReadingMs: number | null }>;
  };
}

/** Silent meters listed by name in the summary (the count has them all). */
export const SILENT_LISTED = 100;

export function summarizeSandbox(p: {
  report: DailyReport;
  meters: readonly SummaryMeter[];
  householdIds: readonly string[];
  nowMs: number;
  intervalMinutes: number;
  silentAfterIntervals?: number;
}): SandboxSummary {
  const { report } = p;
  const silentAfter = p.silentAfterIntervals ?? DEFAULT_SILENT_AFTER_INTERVALS;
  const intervalMs = p.intervalMinutes * 60_000;
  // The operator page's rule: more than N whole intervals since the last reading (or none yet).
  const silent = p.meters.filter((m) => m.active && (m.lastReadingMs === null || Math.floor((p.nowMs - m.lastReadingMs) / intervalMs) > silentAfter));
  const activeHouseholds = new Set(p.meters.filter((m) => m.active && m.householdId !== '').map((m) => m.householdId));
  const rejections = report.rejectionsByReason.reduce((s, r) => s + r.count, 0);
  return {
    date: report.date,
    nowMs: p.nowMs,
    money: {
      ok: report.ok,
      throughBatchId: report.ledger.throughBatchId,
      sumOfClaims: report.ledger.sumOfClaims,
      committedOnChain: report.ledger.committedOnChain,
      withdrawn: report.ledger.withdrawn,
      outstanding: report.ledger.outstanding,
      checks: report.checks,
    },
    today: {
      exportWh: report.totals.exportWh,
      paidWh: report.totals.paidWh,
      cappedWh: (BigInt(report.totals.exportWh) - BigInt(report.totals.paidWh)).toString(),
      amount: report.totals.amount,
      claims: report.totals.claims,
      cappedClaims: report.households.reduce((s, h) => s + h.cappedClaims, 0),
    },
    households: { total: p.householdIds.length, active: [...activeHouseholds].filter((h) => p.householdIds.includes(h)).length, paidToday: report.totals.households },
    meters: {
      total: p.meters.length,
      active: p.meters.filter((m) => m.active).length,
      connected: p.meters.filter((m) => m.connected).length,
      suspended: p.meters.filter((m) => !m.active).length,
    },
    anomalies: {
      gaps: report.gaps.count,
      missingReadings: report.gaps.missingReadings,
      rejections,
      rejectionsByReason: report.rejectionsByReason,
      plausibility: report.rejectionsByReason.find((r) => r.reason === PLAUSIBILITY_REASON)?.count ?? 0,
      silentMeters: silent.length,
      silentAfterIntervals: silentAfter,
      gapsByMeter: report.gaps.byMeter,
      silent: [...silent]
        .sort((a, b) => (a.lastReadingMs ?? -Infinity) - (b.lastReadingMs ?? -Infinity) || (a.meterId < b.meterId ? -1 : 1))
        .slice(0, SILENT_LISTED)
        .map((m) => ({ meterId: m.meterId, householdId: m.householdId, lastReadingMs: m.lastReadingMs })),
    },
  };
}
