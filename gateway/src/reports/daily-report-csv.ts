// The daily report as CSV (RFC 4180): one file with one block per section. Each block starts with
// a `section,<name>` row and its own header row, and blocks are separated by an empty line, so a
// spreadsheet shows each table under its name and a script can split on the section rows.
import type { DailyReport } from './daily-report.js';

type Cell = string | number | boolean | null;

function cell(value: Cell): string {
  const text = value === null ? '' : String(value);
  // Quote what needs it, and neutralise spreadsheet formulas (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function block(name: string, header: string[], rows: Cell[][]): string {
  return [['section', name], header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n');
}

export function dailyReportCsv(r: DailyReport): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  const blocks = [
    block('summary', ['date', 'from', 'to', 'energy_exported_wh', 'energy_paid_wh', 'amount', 'claims', 'households', 'meters', 'adds_up'], [
      [r.date, iso(r.fromMs), iso(r.toMs), r.totals.exportWh, r.totals.paidWh, r.totals.amount, r.totals.claims, r.totals.households, r.totals.meters, r.ok],
    ]),
    block('checks', ['check', 'ok', 'detail'], r.checks.map((c) => [c.name, c.ok, c.detail])),
    block(
      'batches',
      ['batch_id', 'interval_start', 'interval_end', 'status', 'chain_status', 'claims', 'export_wh', 'amount', 'amount_on_chain', 'tx_hash'],
      r.batches.map((b) => [b.batchId, iso(b.intervalStartMs), iso(b.intervalEndMs), b.status, b.chainStatus, b.claimCount, b.totalExportWh, b.totalAmount, b.chainTotalAmount, b.txHash]),
    ),
    block(
      'households',
      ['household_id', 'payee', 'meters', 'claims', 'export_wh', 'paid_wh', 'amount', 'capped_claims'],
      r.households.map((h) => [h.householdId, h.payee, h.meters, h.claims, h.exportWh, h.paidWh, h.amount, h.cappedClaims]),
    ),
    block('rejections', ['reason', 'count'], r.rejectionsByReason.map((x) => [x.reason, x.count])),
    block('gaps', ['meter_id', 'gaps', 'missing_readings'], r.gaps.byMeter.map((g) => [g.meterId, g.gaps, g.missingReadings])),
    block('caps', ['flag', 'claims', 'energy_cut_wh'], r.capsHit.map((c) => [c.flag, c.claims, c.energyCutWh])),
    block('ledger', ['through_batch_id', 'sum_of_claims', 'committed_on_chain', 'withdrawn', 'outstanding'], [
      [r.ledger.throughBatchId, r.ledger.sumOfClaims, r.ledger.committedOnChain, r.ledger.withdrawn, r.ledger.outstanding],
    ]),
    block('payees', ['payee', 'cumulative_amount', 'withdrawn', 'outstanding'], r.ledger.payees.map((x) => [x.payee, x.cumulativeAmount, x.withdrawn, x.outstanding])),
  ];
  return blocks.join('\r\n\r\n') + '\r\n';
}
