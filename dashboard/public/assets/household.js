// The household page: its own meters, export power through the day, energy and earnings per
// interval, what is withdrawable, one Withdraw button, and "Verify" on every claim, which checks
// the payment in this browser against the meter's signatures and the chain (./audit.js). The
// API only ever shows this household its own meters and payee.
import { api } from './api.js';
import { auditInBrowser } from './audit.js';
import { createTimeChart } from './chart.js';
import { confirmAction, installConfirmDialog, postAction } from './confirm.js';
import { shortHex, toChartNumber } from './format.js';
import { debounce, showError, startPage } from './page.js';
import { cell, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);
const BATCH_WINDOW = 96; // one day of 15-minute intervals
const DAY_MS = 24 * 3600_000;

let ctx;
const loc = () => ctx.loc;
const t = (key, values) => ctx.loc.t(key, values);
const state = { meters: new Map(), claims: [], charts: {} };

// ---- meters and power ----------------------------------------------------------------------
function meterRow(m) {
  const last = m.lastReading;
  return row(
    [
      cell(m.meterId),
      cell(loc().kW(m.capacityW), { className: 'num', csv: m.capacityW }),
      cell(m.active ? t('common.yes') : t('common.suspended'), { className: m.active ? 'ok' : 'bad' }),
      cell(loc().yesNo(m.connected), { className: m.connected ? 'ok' : 'bad' }),
      cell(last ? loc().time(last.timestampMs) : '—', { csv: last ? new Date(last.timestampMs).toISOString() : '' }),
      cell(last ? loc().kWh(last.exportWh, 1) : '—', { className: 'num', csv: last?.exportWh ?? '' }),
    ],
    { meterId: m.meterId },
  );
}

async function refreshMeters() {
  const { meters } = await api('/api/meters');
  state.meters = new Map(meters.map((m) => [m.meterId, m]));
  replaceRows($('meters-table').tBodies[0], meters.map(meterRow), t('household.noMeters'), 6);
}

/** kW between consecutive readings of each meter over the last sandbox day, one series per meter. */
async function refreshPower() {
  const fromMs = Math.floor(ctx.nowMs() - DAY_MS);
  const ids = [...state.meters.keys()].sort();
  const perMeter = await Promise.all(ids.map((id) => api(`/api/meters/${encodeURIComponent(id)}/readings?from=${fromMs}&limit=10000`)));
  const points = new Map(); // ms → kW per meter index
  perMeter.forEach(({ readings }, i) => {
    for (let k = 1; k < readings.length; k++) {
      const [a, b] = [readings[k - 1], readings[k]];
      const dtMs = b.timestampMs - a.timestampMs;
      if (dtMs <= 0) continue;
      // Wh per ms × 3.6e6 ms/h ÷ 1000 W/kW; a float for the chart only.
      const kW = (Number(BigInt(b.exportWh) - BigInt(a.exportWh)) / dtMs) * 3600;
      const at = points.get(b.timestampMs) ?? new Array(ids.length).fill(null);
      at[i] = kW;
      points.set(b.timestampMs, at);
    }
  });
  const xs = [...points.keys()].sort((a, b) => a - b);
  state.charts.power ??= createTimeChart($('power-chart'), {
    loc: loc(),
    series: ids.map((id, i) => ({ label: `${id} (kW)`, scale: 'kW', unit: 'kW', stroke: ['#2f7d32', '#1d4f91', '#a35200', '#6a1b9a'][i % 4], spanGaps: true })),
  });
  state.charts.power.update([xs, ...ids.map((_id, i) => xs.map((x) => points.get(x)[i]))]);
}

// ---- claims, earnings, withdraw --------------------------------------------------------------
async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

async function refreshClaims() {
  const { batches } = await api(`/api/batches?limit=${BATCH_WINDOW}`);
  const live = batches.filter((b) => b.status !== 'rejected' && b.claimCount > 0);
  const details = await mapLimited(live, 6, (b) => api(`/api/batches/${b.batchId}`).catch(() => undefined));
  const claims = [];
  for (const d of details) if (d) for (const c of d.claims) claims.push({ ...c, batchId: d.batchId, status: d.status, intervalStartMs: d.intervalStartMs, intervalEndMs: d.intervalEndMs });
  claims.sort((a, b) => a.intervalStartMs - b.intervalStartMs || a.meterId.localeCompare(b.meterId));
  let cumulative = 0n;
  for (const c of claims) c.cumulative = String((cumulative += BigInt(c.amount)));
  state.claims = claims;
  renderClaims();
}

function renderClaims() {
  const token = ctx.info.token;
  const rows = [...state.claims].reverse().map((c) => {
    const verify = document.createElement('button');
    verify.type = 'button';
    verify.textContent = t('household.verify');
    verify.className = 'verify';
    verify.setAttribute('aria-label', t('household.verifyAria', { meterId: c.meterId, batchId: c.batchId }));
    verify.addEventListener('click', () => verifyClaim(c.batchId, c.meterId).catch(showError));
    return row(
      [
        cell(`#${c.batchId}`, { csv: c.batchId }),
        cell(loc().interval(c.intervalStartMs, c.intervalEndMs), { csv: `${new Date(c.intervalStartMs).toISOString()}/${new Date(c.intervalEndMs).toISOString()}` }),
        cell(loc().status(c.status), { className: `status-${c.status}`, csv: c.status }),
        cell(c.meterId),
        cell(loc().kWh(c.exportWh), { className: 'num', csv: c.exportWh }),
        cell(loc().kWh(c.paidWh), { className: 'num', csv: c.paidWh }),
        cell(loc().money(c.amount), { className: 'num', csv: c.amount }),
        cell(loc().money(c.cumulative), { className: 'num', csv: c.cumulative }),
        cell(loc().flags(c.flags), { csv: c.flags.join(' '), title: c.flags.join(', ') }),
        cell(verify, { csv: '' }),
      ],
      { batchId: c.batchId, meterId: c.meterId },
    );
  });
  replaceRows($('claims-table').tBodies[0], rows, t('household.noClaims'), 10);

  // Energy and amount per interval, summed over this household's meters.
  const byInterval = new Map();
  for (const c of state.claims) {
    const g = byInterval.get(c.intervalStartMs) ?? { wh: 0n, amount: 0n };
    g.wh += BigInt(c.exportWh);
    g.amount += BigInt(c.amount);
    byInterval.set(c.intervalStartMs, g);
  }
  const xs = [...byInterval.keys()].sort((a, b) => a - b);
  state.charts.intervals ??= createTimeChart($('interval-chart'), {
    loc: loc(),
    series: [
      { label: t('chart.exportKWh'), scale: 'kWh', unit: 'kWh', stroke: '#2f7d32', fill: 'rgba(47,125,50,0.12)' },
      { label: t('chart.earned'), scale: 'amount', unit: token.symbol, stroke: '#1d4f91', dash: [6, 3], value: (_u, v) => (v == null ? '—' : loc().money(BigInt(Math.round(v * 10 ** token.decimals)))) },
    ],
  });
  state.charts.intervals.update([
    xs,
    xs.map((x) => toChartNumber(String(byInterval.get(x).wh), 3)),
    xs.map((x) => toChartNumber(String(byInterval.get(x).amount), token.decimals)),
  ]);
}

async function refreshPayout() {
  const p = await api(`/api/payouts/${ctx.who.payee}`);
  $('cumulative').textContent = loc().money(p.cumulativeAmount);
  $('withdrawn').textContent = loc().money(p.withdrawn);
  $('withdrawable').textContent = loc().money(p.withdrawable);
  $('withdrawable').dataset.value = p.withdrawable;
  $('withdraw').disabled = BigInt(p.withdrawable) === 0n;
}

async function withdraw() {
  const amount = loc().money($('withdrawable').dataset.value ?? '0');
  const ok = await confirmAction({ title: t('household.withdrawTitle'), description: t('household.withdrawText', { amount, payee: ctx.who.payee }), needsReason: false });
  if (ok === undefined) return;
  const status = $('withdraw-status');
  status.textContent = t('household.sending');
  try {
    const answer = await postAction(`/api/payouts/${ctx.who.payee}/withdraw`, {});
    status.textContent = answer?.txHash ? t('household.withdrawnTx', { tx: shortHex(answer.txHash) }) : t('household.withdrawn');
  } catch (error) {
    status.textContent = t('household.withdrawFailed', { message: error.message });
  }
  await refreshPayout();
}

// ---- audit -----------------------------------------------------------------------------------
async function verifyClaim(batchId, meterId) {
  const section = $('audit-section');
  section.hidden = false;
  $('audit-claim').textContent = t('household.auditClaim', { meterId, batchId });
  const verdict = $('audit-verdict');
  verdict.textContent = t('household.checking');
  delete verdict.dataset.result;
  replaceRows($('audit-table').tBodies[0], [], t('household.checking'), 3);
  const bundle = await api(`/api/batches/${encodeURIComponent(batchId)}/claims/${encodeURIComponent(meterId)}/audit`);
  const result = await auditInBrowser(bundle);
  const rows = result.checks.map((c) =>
    row([cell(t(`auditCheck.${c.name}`, { defaultValue: c.name }), { csv: c.name, title: c.name }), cell(t(c.ok ? 'household.passed' : 'household.failed'), { className: c.ok ? 'ok' : 'bad' }), cell(c.detail)], { check: c.name, ok: String(c.ok) }),
  );
  replaceRows($('audit-table').tBodies[0], rows);
  const failed = result.checks.filter((c) => !c.ok).length;
  verdict.textContent = result.ok ? t('household.auditPassed', { count: result.checks.length }) : t('household.auditFailed', { failed, count: result.checks.length });
  verdict.className = result.ok ? 'ok' : 'bad';
  verdict.dataset.result = result.ok ? 'passed' : 'failed';
  section.scrollIntoView({ block: 'nearest' });
}

// ---- start -----------------------------------------------------------------------------------
async function start() {
  ctx = await startPage('household');
  installConfirmDialog(loc());
  $('payee').textContent = ctx.who.payee;
  $('withdraw').addEventListener('click', () => withdraw().catch(showError));
  try {
    await refreshMeters();
    await Promise.all([refreshPayout(), refreshClaims(), refreshPower()]);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    showError(error);
  }
  const claimsChanged = debounce(() => Promise.all([refreshClaims(), refreshPayout()]), 300);
  const powerChanged = debounce(refreshPower, 2_000);
  for (const name of ['batch.built', 'batch.submitted', 'batch.status', 'batch.rejected']) ctx.on(name, claimsChanged);
  ctx.on('reading.accepted', (e) => {
    const m = state.meters.get(e.meterId);
    if (!m) return;
    if (!m.lastReading || m.lastReading.pagination < e.pagination) m.lastReading = { pagination: e.pagination, timestampMs: e.timestampMs, importWh: e.importWh, exportWh: e.exportWh };
    const fresh = meterRow(m);
    fresh.classList.add('flash');
    $('meters-table').querySelector(`tr[data-meter-id="${CSS.escape(e.meterId)}"]`)?.replaceWith(fresh);
    document.body.dataset.lastEvent = `reading.accepted:${e.meterId}:${e.pagination}`;
    powerChanged();
  });
  for (const name of ['meter.connected', 'meter.disconnected'])
    ctx.on(name, (e) => {
      const m = state.meters.get(e.meterId);
      if (!m) return;
      m.connected = name === 'meter.connected';
      $('meters-table').querySelector(`tr[data-meter-id="${CSS.escape(e.meterId)}"]`)?.replaceWith(meterRow(m));
    });
}

start();
