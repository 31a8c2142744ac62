// The printable daily report: GET /api/reports/daily (regulator session) rendered as tables in
// the page's language, money and energy formatted like every page, times sandbox-local with the
// zone named once above the tables (shown in print too); the browser's print turns it into
// paper (report.css). The CSV link fetches the same report as CSV, in raw base units and Wh.
import { api } from './api.js';
import { applyLanguage, createLocale } from './i18n.js';
import { moneyNote } from './page.js';

const $ = (id) => document.getElementById(id);
let loc;
const t = (key, values) => loc.t(key, values);

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
        if (value.title) td.title = value.title;
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

/** The check's own sentence with the report's figures, in the page's language. */
function checkDetail(c, r) {
  const m = loc.money;
  if (c.name === 'day-claims-equal-chain') {
    // The day's batches as the report lists them: recorded totals, and the chain's where on chain.
    const recorded = r.batches.filter((b) => b.status !== 'rejected').reduce((s, b) => s + BigInt(b.totalAmount), 0n);
    const onChain = r.batches.filter((b) => b.status !== 'rejected' && b.chainTotalAmount !== null);
    const chain = onChain.reduce((s, b) => s + BigInt(b.chainTotalAmount), 0n);
    const pending = r.batches.filter((b) => b.status !== 'rejected').length - onChain.length;
    const values = { claims: m(r.totals.amount), recorded: m(recorded), chain: m(chain), count: pending };
    return t(pending > 0 ? 'report.check.day-claims-equal-chain.detailPending' : 'report.check.day-claims-equal-chain.detail', values);
  }
  if (c.name === 'claims-equal-committed') return t('report.check.claims-equal-committed.detail', { through: r.ledger.throughBatchId, claims: m(r.ledger.sumOfClaims), committed: m(r.ledger.committedOnChain) });
  if (c.name === 'committed-equals-withdrawn-plus-outstanding')
    return t('report.check.committed-equals-withdrawn-plus-outstanding.detail', { committed: m(r.ledger.committedOnChain), withdrawn: m(r.ledger.withdrawn), outstanding: m(r.ledger.outstanding) });
  return c.detail;
}

async function show(date) {
  $('page-error').hidden = true;
  const r = await api(`/api/reports/daily?date=${encodeURIComponent(date)}`);
  const dayText = loc.day(r.fromMs + 12 * 3600_000);
  $('print-date').textContent = `${date} (${dayText})`;
  $('report-day').textContent = t('report.dayRange', { from: loc.time(r.fromMs), to: loc.time(r.toMs) });
  $('time-zone').textContent = loc.zone(r.fromMs);
  $('csv').href = `/api/reports/daily?date=${encodeURIComponent(date)}&format=csv`;
  $('verdict').textContent = t(r.ok ? 'report.addsUp' : 'report.doesNotAddUp');
  $('verdict').className = r.ok ? 'ok' : 'bad';
  figures('summary', [
    [t('report.exported'), `${loc.kWh(r.totals.exportWh, 2)} kWh`],
    [t('report.paidEnergy'), `${loc.kWh(r.totals.paidWh, 2)} kWh`],
    [t('ui.amount'), loc.money(r.totals.amount)],
    [t('ui.claims'), loc.count(r.totals.claims)],
    [t('ui.households'), loc.count(r.totals.households)],
    [t('ui.meters'), loc.count(r.totals.meters)],
    [t('ui.rejections'), loc.count(r.rejectionsByReason.reduce((n, x) => n + x.count, 0))],
    [t('ui.gaps'), loc.count(r.gaps.count)],
    [t('report.outages'), loc.count(r.outages.length)],
  ]);
  fill('checks', r.checks.map((c) => [t(`report.check.${c.name}.title`, { defaultValue: c.name }), { text: t(c.ok ? 'report.checkOk' : 'report.checkBad'), className: c.ok ? 'ok' : 'bad' }, checkDetail(c, r)]));
  fill(
    'batches',
    r.batches.map((b) => [
      b.batchId,
      { text: loc.interval(b.intervalStartMs, b.intervalEndMs), title: `${loc.utc(b.intervalStartMs)} – ${loc.utc(b.intervalEndMs)}` },
      loc.status(b.status),
      loc.status(b.chainStatus),
      num(loc.count(b.claimCount)),
      num(loc.kWh(b.totalExportWh)),
      num(loc.money(b.totalAmount)),
      num(b.chainTotalAmount === null ? '—' : loc.money(b.chainTotalAmount)),
    ]),
  );
  fill(
    'households',
    r.households.map((h) => [
      { text: loc.household(h.householdId), title: h.householdId },
      h.payee,
      num(loc.count(h.meters)),
      num(loc.count(h.claims)),
      num(loc.kWh(h.exportWh)),
      num(loc.kWh(h.paidWh)),
      num(loc.money(h.amount)),
      num(loc.count(h.cappedClaims)),
    ]),
  );
  fill('rejections', r.rejectionsByReason.map((x) => [{ text: loc.reason(x.reason), title: x.reason }, num(loc.count(x.count))]));
  fill('gaps', r.gaps.byMeter.map((g) => [g.meterId, num(loc.count(g.gaps)), num(loc.count(g.missingReadings))]));
  fill('outages', r.outages.map((o) => [{ text: loc.time(o.fromMs), title: loc.utc(o.fromMs) }, { text: loc.time(o.toMs), title: loc.utc(o.toMs) }]));
  fill('caps', r.capsHit.map((c) => [{ text: loc.flag(c.flag), title: c.flag }, num(loc.count(c.claims)), num(loc.kWh(c.energyCutWh))]));
  figures('ledger', [
    [t('report.throughBatch'), r.ledger.throughBatchId],
    [t('report.sumOfClaims'), loc.money(r.ledger.sumOfClaims)],
    [t('report.committedOnChain'), loc.money(r.ledger.committedOnChain)],
    [t('ui.withdrawn'), loc.money(r.ledger.withdrawn)],
    [t('ui.outstanding'), loc.money(r.ledger.outstanding)],
  ]);
  fill('payees', r.ledger.payees.map((p) => [p.payee, num(loc.money(p.cumulativeAmount)), num(loc.money(p.withdrawn)), num(loc.money(p.outstanding))]));
}

/** YYYY-MM-DD of the sandbox-local day of `ms` (the report's date parameter). */
function localDate(ms, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(ms).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

async function start() {
  let who;
  try {
    who = await api('/api/whoami');
  } catch {
    location.replace('/');
    return;
  }
  loc = createLocale(who.sandbox);
  applyLanguage(loc);
  if (who.role !== 'regulator') {
    $('page-error').textContent = t('report.forRegulator');
    $('page-error').hidden = false;
    return;
  }
  $('sandbox-name').textContent = who.sandbox.sandboxName;
  $('money-note').textContent = moneyNote(loc, who.sandbox);
  document.title = `feedin — ${t('report.printTitle')}`;
  const params = new URLSearchParams(location.search);
  const nowMs = await api('/api/health').then((h) => Date.parse(h.now)).catch(() => Date.now());
  $('date').value = params.get('date') ?? localDate(nowMs, loc.timeZone);
  const run = () =>
    show($('date').value)
      .then(() => (document.body.dataset.loaded = 'true'))
      .catch((error) => {
        $('page-error').textContent = t('report.loadFailed', { message: error.message });
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
