// The household page: what it earned today, this month and in all, what it withdrew and may
// withdraw, what is pending and when it becomes final; why a claim was paid less (in the cap
// rule's own numbers) and, for a suspended meter, since when, why and what it means; export
// power through the day and energy and earnings per interval (honest charts: axes from zero, a
// gap where there were no claims); its claims a page at a time from its own endpoint, with
// "Verify", which checks a payment in this browser against the meter's signatures and the chain
// (./audit.js). The API only ever shows this household its own meters and payee.
import { api } from './api.js';
import { auditInBrowser } from './audit.js';
import { createTimeChart } from './chart.js';
import { confirmAction, installConfirmDialog, postAction } from './confirm.js';
import { shortHex, toChartNumber } from './format.js';
import { debounce, showError, startPage } from './page.js';
import { cell, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);
const DAY_MS = 24 * 3600_000;
const CLAIMS_PAGE = 200; // about two days of one meter's 15-minute claims
const PAID_LESS_SHOWN = 8;

let ctx;
const loc = () => ctx.loc;
const t = (key, values) => ctx.loc.t(key, values);
const state = { meters: new Map(), claims: [], next: null, payout: undefined, earnings: undefined, earningsAtMs: 0, charts: {} };

// ---- meters, suspension and power ---------------------------------------------------------
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

function paragraph(text, className) {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

/** Since when, by whom, the recorded reason, and what a suspension means for the household. */
function renderSuspensions() {
  const suspended = [...state.meters.values()].filter((m) => m.suspension);
  $('suspended-section').hidden = suspended.length === 0;
  $('suspended-list').replaceChildren(
    ...suspended.flatMap((m) => {
      const s = m.suspension;
      const div = document.createElement('div');
      div.className = 'suspension';
      div.dataset.meterId = m.meterId;
      div.append(
        paragraph(t('household.suspendedSince', { meterId: m.meterId, time: loc().time(s.fromMs), who: t(`household.suspendedBy.${s.by ?? 'unknown'}`) }), 'since'),
        paragraph(s.reason ? t('household.suspendedReason', { reason: s.reason }) : t('household.suspendedNoReason'), 'reason'),
        paragraph(t('household.suspendedMeaning'), 'meaning'),
      );
      return [div];
    }),
  );
}

async function refreshMeters() {
  const { meters } = await api('/api/meters');
  state.meters = new Map(meters.map((m) => [m.meterId, m]));
  replaceRows($('meters-table').tBodies[0], meters.map(meterRow), t('household.noMeters'), 6);
  renderSuspensions();
}

/** kW between consecutive readings of each meter over the last sandbox day, one series per
 * meter, from one request for all its meters. A silence longer than two intervals is a gap in
 * the line (null), not a straight line across it; a point that belongs to another meter's series
 * only is left undefined, which uPlot spans. */
async function refreshPower() {
  const fromMs = Math.floor(ctx.nowMs() - DAY_MS);
  const { meters } = await api(`/api/readings?from=${fromMs}&limit=10000`);
  const ids = meters.map((m) => m.meterId);
  const gapMs = 2 * ctx.info.intervalMinutes * 60_000;
  const points = new Map(); // ms → kW per meter index
  const at = (ms) => {
    let values = points.get(ms);
    if (!values) points.set(ms, (values = new Array(ids.length).fill(undefined)));
    return values;
  };
  meters.forEach(({ readings }, i) => {
    for (let k = 1; k < readings.length; k++) {
      const [a, b] = [readings[k - 1], readings[k]];
      const dtMs = b.timestampMs - a.timestampMs;
      if (dtMs <= 0) continue;
      if (dtMs > gapMs) {
        at(a.timestampMs + 1)[i] = null;
        continue;
      }
      // Wh per ms × 3.6e6 ms/h ÷ 1000 W/kW; a float for the chart only.
      at(b.timestampMs)[i] = (Number(BigInt(b.exportWh) - BigInt(a.exportWh)) / dtMs) * 3600;
    }
  });
  const xs = [...points.keys()].sort((a, b) => a - b);
  state.charts.power ??= createTimeChart($('power-chart'), {
    loc: loc(),
    fromZero: true,
    series: ids.map((id, i) => ({ label: `${id} (kW)`, scale: 'kW', unit: 'kW', stroke: ['#2f7d32', '#1d4f91', '#a35200', '#6a1b9a'][i % 4], spanGaps: false })),
  });
  state.charts.power.update([xs, ...ids.map((_id, i) => xs.map((x) => points.get(x)[i]))]);
}

// ---- claims --------------------------------------------------------------------------------
const claimsUrl = (cursor) => `/api/payouts/${ctx.who.payee}/claims?limit=${CLAIMS_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
/** newest batch first, then by meter: the endpoint's order */
const newerFirst = (a, b) => (BigInt(b.batchId) > BigInt(a.batchId) ? 1 : BigInt(b.batchId) < BigInt(a.batchId) ? -1 : a.meterId.localeCompare(b.meterId));

/** The newest page again (after a batch event), keeping the older pages already loaded. */
async function refreshClaims() {
  const page = await api(claimsUrl());
  const last = page.claims.at(-1);
  const older = last ? state.claims.filter((c) => newerFirst(last, c) < 0) : [];
  state.claims = [...page.claims, ...older];
  if (older.length === 0) state.next = page.next;
  renderClaims();
}

async function loadOlder() {
  if (!state.next) return;
  const page = await api(claimsUrl(state.next));
  state.claims = [...state.claims, ...page.claims];
  state.next = page.next;
  renderClaims();
}

/** Cumulative after each claim: the payee's newest cumulative minus the claims after it. */
function cumulativeByClaim() {
  let after = BigInt(state.payout?.latestCumulativeAmount ?? '0');
  return state.claims.map((c) => {
    const value = after;
    after -= BigInt(c.amount);
    return value;
  });
}

function renderClaims() {
  const cumulative = cumulativeByClaim();
  const rows = state.claims.map((c, i) => {
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
        cell(loc().status(c.batchStatus), { className: `status-${c.batchStatus}`, csv: c.batchStatus }),
        cell(c.meterId),
        cell(loc().kWh(c.exportWh), { className: 'num', csv: c.exportWh }),
        cell(loc().kWh(c.paidWh), { className: 'num', csv: c.paidWh }),
        cell(loc().money(c.amount), { className: 'num', csv: c.amount }),
        cell(loc().money(cumulative[i]), { className: 'num', csv: String(cumulative[i]) }),
        cell(loc().flags(c.flags), { csv: c.flags.join(' '), title: c.flags.join(', ') }),
        cell(verify, { csv: '' }),
      ],
      { batchId: c.batchId, meterId: c.meterId },
    );
  });
  replaceRows($('claims-table').tBodies[0], rows, t('household.noClaims'), 10);
  $('claims-shown').textContent = state.claims.length ? t('household.claimsShown', { count: state.claims.length }) : '';
  $('load-older').hidden = !state.next;
  renderPaidLess();
  renderIntervalChart();
}

/** "0.25" for 250 Wh: as many decimals as the exact value needs (at most 3). */
function exactKWh(wh) {
  const v = BigInt(wh);
  const decimals = v % 1000n === 0n ? 0 : v % 100n === 0n ? 1 : v % 10n === 0n ? 2 : 3;
  return loc().kWh(wh, decimals);
}

/** One sentence per cap that cut the claim, with the rule's numbers (from the server's
 * explanation, which the gateway computes with the same function that priced the claim). */
export function capSentences(c) {
  const basis = ctx.info.caps?.legalBasis ? `, ${ctx.info.caps.legalBasis}` : '';
  const common = { interval: loc().interval(c.intervalStartMs, c.intervalEndMs), meterId: c.meterId, basis, amount: loc().money(c.amount) };
  return c.capDetails.map((d) => {
    if (d.flag === 'interval-export-cap')
      return t(d.intervals > 1 ? 'household.capIntervalMany' : 'household.capInterval', {
        ...common,
        percent: loc().count(d.percentOfCapacity),
        kW: loc().kW(d.capacityW),
        capKWh: exactKWh(d.capWh),
        minutes: loc().count(d.intervalMinutes),
        intervals: loc().count(d.intervals),
        paidKWh: loc().kWh(d.paidWh),
        exportKWh: loc().kWh(d.exportWh),
      });
    if (d.flag === 'household-daily-cap') return t('household.capDaily', { ...common, cap: loc().money(d.capAmount) });
    if (d.flag === 'batch-cap') return t('household.capBatch', { ...common, cap: loc().money(d.capAmount) });
    if (d.flag === 'budget') return t('household.capBudget', { ...common, cap: loc().money(d.capAmount) });
    return t('household.capOther', { ...common, flag: loc().flag(d.flag) });
  });
}

function renderPaidLess() {
  const capped = state.claims.filter((c) => c.capDetails?.length).slice(0, PAID_LESS_SHOWN);
  const items = capped.flatMap((c) =>
    capSentences(c).map((text, i) => {
      const li = document.createElement('li');
      li.textContent = text;
      li.dataset.batchId = c.batchId;
      li.dataset.meterId = c.meterId;
      li.dataset.flag = c.capDetails[i].flag;
      return li;
    }),
  );
  if (items.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = t('household.paidLessNone');
    items.push(li);
  }
  $('paid-less').replaceChildren(...items);
}

/** Energy and amount per interval, summed over this household's meters: one point per interval
 * from the first to the last claim shown, null (a gap, not a line) where there was none. */
function renderIntervalChart() {
  const token = ctx.info.token;
  const stepMs = ctx.info.intervalMinutes * 60_000;
  const byInterval = new Map();
  for (const c of state.claims) {
    const g = byInterval.get(c.intervalStartMs) ?? { wh: 0n, amount: 0n };
    g.wh += BigInt(c.exportWh);
    g.amount += BigInt(c.amount);
    byInterval.set(c.intervalStartMs, g);
  }
  const starts = [...byInterval.keys()].sort((a, b) => a - b);
  const xs = [];
  if (starts.length) for (let x = starts[0]; x <= starts.at(-1); x += stepMs) xs.push(x);
  state.charts.intervals ??= createTimeChart($('interval-chart'), {
    loc: loc(),
    fromZero: true,
    series: [
      { label: t('chart.exportKWh'), scale: 'kWh', unit: 'kWh', stroke: '#2f7d32', fill: 'rgba(47,125,50,0.12)', spanGaps: false, paths: window.uPlot.paths.stepped({ align: 1 }) },
      {
        label: t('chart.earned'),
        scale: 'amount',
        unit: token.symbol,
        stroke: '#1d4f91',
        dash: [6, 3],
        spanGaps: false,
        paths: window.uPlot.paths.stepped({ align: 1 }),
        value: (_u, v) => (v == null ? '—' : loc().money(BigInt(Math.round(v * 10 ** token.decimals)))),
      },
    ],
  });
  state.charts.intervals.update([
    xs,
    xs.map((x) => (byInterval.has(x) ? toChartNumber(String(byInterval.get(x).wh), 3) : null)),
    xs.map((x) => (byInterval.has(x) ? toChartNumber(String(byInterval.get(x).amount), token.decimals) : null)),
  ]);
  $('interval-chart').dataset.points = String(xs.length);
  $('interval-chart').dataset.gaps = String(xs.filter((x) => !byInterval.has(x)).length);
}

// ---- earnings, pending, withdraw ---------------------------------------------------------
const figure = (p) => t('household.earnedFigure', { amount: loc().money(p.amount), kWh: loc().kWh(p.exportWh) });

function renderPending() {
  const e = state.earnings;
  if (!e) {
    $('pending-note').textContent = '';
    $('challenge-note').textContent = '';
    return;
  }
  const p = e.pending;
  const values = { amount: loc().money(p.amount), count: p.batches };
  let text;
  if (BigInt(p.amount) === 0n && p.batches === 0) text = t('household.pendingNone');
  else if (p.held) text = t('household.pendingHeld', values);
  else if (p.finalAtMs !== null) {
    const seconds = Math.max(0, Math.ceil(p.finalInSeconds - (performance.now() - state.earningsAtMs) / 1000));
    text = t('household.pendingFinalAt', { ...values, time: loc().time(p.finalAtMs), seconds: loc().count(seconds) });
  } else text = t('household.pendingNotOnChain', { ...values, seconds: loc().count(e.challengeWindowSeconds) });
  $('pending-note').textContent = text;
  $('challenge-note').textContent = t('household.challengeWindow', { seconds: loc().count(e.challengeWindowSeconds) });
}

async function refreshPayout() {
  const p = await api(`/api/payouts/${ctx.who.payee}`);
  state.payout = p;
  state.earnings = p.earnings;
  state.earningsAtMs = performance.now();
  $('earned-today').textContent = p.earnings ? figure(p.earnings.today) : '—';
  $('earned-month').textContent = p.earnings ? figure(p.earnings.thisMonth) : '—';
  $('cumulative').textContent = loc().money(p.cumulativeAmount);
  $('withdrawn').textContent = loc().money(p.withdrawn);
  $('withdrawable').textContent = loc().money(p.withdrawable);
  $('withdrawable').dataset.value = p.withdrawable;
  $('pending').textContent = loc().money((BigInt(p.latestCumulativeAmount) - BigInt(p.cumulativeAmount)).toString());
  $('withdraw').disabled = BigInt(p.withdrawable) === 0n;
  renderPending();
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
  $('load-older').addEventListener('click', () => loadOlder().catch(showError));
  try {
    // The payout first: each claim's cumulative counts back from its newest cumulative.
    await Promise.all([refreshMeters(), refreshPayout()]);
    await Promise.all([refreshClaims(), refreshPower()]);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    showError(error);
  }
  setInterval(renderPending, 1_000);
  const claimsChanged = debounce(async () => {
    await refreshPayout();
    await refreshClaims();
  }, 300);
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
