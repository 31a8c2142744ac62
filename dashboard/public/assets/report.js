// The printable daily report: GET /api/reports/daily (regulator session) rendered as tables; the
// browser's print turns it into paper (report.css). The CSV link fetches the same report as CSV.
import { api } from './api.js';

const $ = (id) => document.getElementById(id);

function fill(tableId, rows) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const c of cells) {
        const td = document.createElement('td');
        const value = typeof c === 'object' && c !== null ? c : { text: c };
        td.textContent = String(value.text ?? '');
        if (value.className) td.className = value.className;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function figures(id, pairs) {
  $(id).replaceChildren(
    ...pairs.map(([label, value]) => {
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = label;
      dd.textContent = String(value);
      div.append(dt, dd);
      return div;
    }),
  );
}

const num = (text) => ({ text, className: 'num' });
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

async function show(date) {
  $('page-error').hidden = true;
  const r = await api(`/api/reports/daily?date=${encodeURIComponent(date)}`);
  $('print-date').textContent = date;
  $('csv').href = `/api/reports/daily?date=${encodeURIComponent(date)}&format=csv`;
  $('verdict').textContent = r.ok ? 'The report adds up: claims = totals on chain = withdrawals + outstanding.' : 'The report does NOT add up: see the checks below.';
  $('verdict').className = r.ok ? 'ok' : 'bad';
  figures('summary', [
    ['Energy exported (Wh)', r.totals.exportWh],
    ['Energy paid (Wh)', r.totals.paidWh],
    ['Amount', r.totals.amount],
    ['Claims', r.totals.claims],
    ['Households', r.totals.households],
    ['Meters', r.totals.meters],
    ['Rejections', r.rejectionsByReason.reduce((n, x) => n + x.count, 0)],
    ['Gaps', r.gaps.count],
    ['Sandbox outages', r.outages.length],
  ]);
  fill('checks', r.checks.map((c) => [c.name, { text: c.ok ? 'adds up' : 'does not add up', className: c.ok ? 'ok' : 'bad' }, c.detail]));
  fill('batches', r.batches.map((b) => [b.batchId, `${iso(b.intervalStartMs)} – ${iso(b.intervalEndMs)}`, b.status, b.chainStatus, num(b.claimCount), num(b.totalExportWh), num(b.totalAmount), num(b.chainTotalAmount ?? '—')]));
  fill('households', r.households.map((h) => [h.householdId, h.payee, num(h.meters), num(h.claims), num(h.exportWh), num(h.paidWh), num(h.amount), num(h.cappedClaims)]));
  fill('rejections', r.rejectionsByReason.map((x) => [x.reason, num(x.count)]));
  fill('gaps', r.gaps.byMeter.map((g) => [g.meterId, num(g.gaps), num(g.missingReadings)]));
  fill('outages', r.outages.map((o) => [iso(o.fromMs), iso(o.toMs)]));
  fill('caps', r.capsHit.map((c) => [c.flag, num(c.claims), num(c.energyCutWh)]));
  figures('ledger', [
    ['Through batch', r.ledger.throughBatchId],
    ['Σ claims', r.ledger.sumOfClaims],
    ['Committed on chain', r.ledger.committedOnChain],
    ['Withdrawn', r.ledger.withdrawn],
    ['Outstanding', r.ledger.outstanding],
  ]);
  fill('payees', r.ledger.payees.map((p) => [p.payee, num(p.cumulativeAmount), num(p.withdrawn), num(p.outstanding)]));
}

async function start() {
  let who;
  try {
    who = await api('/api/whoami');
  } catch {
    location.replace('/');
    return;
  }
  if (who.role !== 'regulator') {
    $('page-error').textContent = 'The daily report is for the regulator.';
    $('page-error').hidden = false;
    return;
  }
  $('sandbox-name').textContent = who.sandbox?.sandboxName ?? 'feedin sandbox';
  const params = new URLSearchParams(location.search);
  const now = await api('/api/health').then((h) => h.now).catch(() => new Date().toISOString());
  $('date').value = params.get('date') ?? now.slice(0, 10);
  const run = () => show($('date').value).catch((error) => {
    $('page-error').textContent = `Could not load the report: ${error.message}`;
    $('page-error').hidden = false;
  });
  $('report-form').addEventListener('submit', (event) => {
    event.preventDefault();
    history.replaceState(null, '', `?date=${$('date').value}`);
    run();
  });
  $('print').addEventListener('click', () => window.print());
  await run();
}

start();
