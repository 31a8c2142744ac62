// The operator page: gateway health, throughput and latency (from /metrics), connected and
// silent meters, escrow against outstanding payouts, and meter registration and suspension
// (POST /api/operator/…, signed on chain with the operator's key by the server).
import { api } from './api.js';
import { createTimeChart } from './chart.js';
import { confirmAction, installConfirmDialog, postAction, showActionError } from './confirm.js';
import { formatAmount, formatKW, formatTime, shortHex } from './format.js';
import { debounce, showError, startPage } from './page.js';
import { sumsByName } from './prometheus.js';
import { METER_ID_SOURCE } from '/vendor/feedin-protocol.js';
import { cell, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);
const RATE_POINTS = 120;
// One page of meters (the filter finds any): thousands of rows cost seconds of layout.
const METER_ROWS = 100;

let ctx;
const state = { meters: new Map(), lastMetrics: undefined, rate: [[], []], liveCount: 0 };

function renderHealth(health) {
  if (!health) return;
  const rows = Object.entries(health.components).map(([name, c]) => row([cell(name), cell(c.status, { className: c.status === 'ok' ? 'ok' : 'bad' }), cell(c.detail)], { component: name }));
  replaceRows($('health-table').tBodies[0], rows);
}

async function refreshMetrics() {
  const text = await fetch('/metrics', { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`/metrics: HTTP ${r.status}`))));
  const sums = sumsByName(text);
  const now = performance.now();
  const sample = { atMs: now, accepted: sums.get('feedin_readings_accepted_total') ?? 0, latencySum: sums.get('feedin_ingest_seconds_sum') ?? 0, latencyCount: sums.get('feedin_ingest_seconds_count') ?? 0 };
  const prev = state.lastMetrics;
  state.lastMetrics = sample;
  $('connected').textContent = String(sums.get('feedin_mqtt_connected_meters') ?? [...state.meters.values()].filter((m) => m.connected).length);
  if (!prev) return;
  const seconds = (sample.atMs - prev.atMs) / 1000;
  const rate = (sample.accepted - prev.accepted) / seconds;
  const n = sample.latencyCount - prev.latencyCount;
  $('rate').textContent = rate.toFixed(1);
  $('latency').textContent = n > 0 ? `${(((sample.latencySum - prev.latencySum) / n) * 1000).toFixed(2)} ms` : '— (no readings)';
  state.rate[0].push(Date.now());
  state.rate[1].push(rate);
  if (state.rate[0].length > RATE_POINTS) state.rate.forEach((a) => a.shift());
  if (state.rate[0].length < 2) return; // one point makes no time axis
  state.charts ??= createTimeChart($('rate-chart'), { timeZone: ctx.info.timeZone, height: 160, series: [{ label: 'Readings/s', scale: 'rate', unit: '/s', stroke: '#2f7d32', digits: 1 }] });
  state.charts.update(state.rate);
}

async function refreshStatus() {
  try {
    const s = await api('/api/status');
    const token = ctx.info.token;
    const outstanding = BigInt(s.totalCommitted) - BigInt(s.totalWithdrawn);
    $('escrow').textContent = formatAmount(s.escrowBalance, token);
    $('outstanding').textContent = formatAmount(String(outstanding), token);
    const covered = BigInt(s.escrowBalance) >= outstanding;
    $('cover').textContent = covered ? 'covered' : `short by ${formatAmount(String(outstanding - BigInt(s.escrowBalance)), token)}`;
    $('cover').className = covered ? 'ok' : 'bad';
    $('paused').textContent = s.paused ? 'paused by the regulator' : 'running';
    $('paused').className = s.paused ? 'bad' : 'ok';
  } catch (error) {
    $('escrow').textContent = `unknown (${error.message})`;
  }
}

function silentFor(m) {
  const intervalMs = ctx.info.intervalMinutes * 60_000;
  if (!m.lastReading) return Infinity;
  return Math.floor((ctx.nowMs() - m.lastReading.timestampMs) / intervalMs);
}

function renderSilent() {
  const n = Number($('silent-intervals').value) || 2;
  const tz = ctx.info.timeZone;
  const silent = [...state.meters.values()].filter((m) => m.active && silentFor(m) > n).sort((a, b) => silentFor(b) - silentFor(a));
  const rows = silent.slice(0, METER_ROWS).map((m) =>
    row(
      [
        cell(m.meterId),
        cell(m.householdId),
        cell(m.connected ? 'yes' : 'no', { className: m.connected ? 'ok' : 'bad' }),
        cell(m.lastReading ? formatTime(m.lastReading.timestampMs, tz) : 'never'),
        cell(Number.isFinite(silentFor(m)) ? String(silentFor(m)) : '—', { className: 'num' }),
      ],
      { meterId: m.meterId },
    ),
  );
  replaceRows($('silent-table').tBodies[0], rows, `No active meter has been silent for more than ${n} intervals.`, 5);
  $('silent-table').caption ??= $('silent-table').createCaption();
  $('silent-table').caption.textContent = silent.length > METER_ROWS ? `The ${METER_ROWS} longest silent of ${silent.length}.` : `${silent.length} silent.`;
}

function meterRow(m) {
  const tz = ctx.info.timeZone;
  const suspend = document.createElement('button');
  suspend.type = 'button';
  suspend.textContent = 'Suspend';
  suspend.disabled = !m.active;
  suspend.setAttribute('aria-label', `Suspend meter ${m.meterId}`);
  suspend.addEventListener('click', () => suspendMeter(m.meterId).catch((error) => showActionError(suspend, error)));
  return row(
    [
      cell(m.meterId),
      cell(m.householdId),
      cell(shortHex(m.payee), { csv: m.payee, title: m.payee, className: 'mono' }),
      cell(formatKW(m.capacityW), { className: 'num', csv: m.capacityW }),
      cell(m.active ? 'yes' : 'suspended', { className: m.active ? 'ok' : 'bad' }),
      cell(m.connected ? 'yes' : 'no', { className: m.connected ? 'ok' : 'bad' }),
      cell(m.lastReading ? formatTime(m.lastReading.timestampMs, tz) : '—', { csv: m.lastReading ? new Date(m.lastReading.timestampMs).toISOString() : '' }),
      cell(suspend, { csv: '' }),
    ],
    { meterId: m.meterId },
  );
}

async function refreshMeters() {
  const { meters } = await api('/api/meters');
  state.meters = new Map(meters.map((m) => [m.meterId, m]));
  renderMeterTable();
  renderSilent();
}

function renderMeterTable() {
  const filter = $('meter-filter').value.trim().toLowerCase();
  const all = [...state.meters.values()].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
  const matching = filter ? all.filter((m) => m.meterId.toLowerCase().includes(filter) || m.householdId.toLowerCase().includes(filter)) : all;
  replaceRows($('meters-table').tBodies[0], matching.slice(0, METER_ROWS).map(meterRow), 'No meters match.', 8);
  $('meters-caption').textContent =
    matching.length > METER_ROWS ? `Showing ${METER_ROWS} of ${matching.length} matching meters (of ${state.meters.size}); use the filter to find others.` : `${matching.length} of ${state.meters.size} meters.`;
}

function updateMeter(meterId, change) {
  const m = state.meters.get(meterId);
  if (!m) return;
  Object.assign(m, change(m));
  const fresh = meterRow(m);
  fresh.classList.add('flash');
  $('meters-table').querySelector(`tr[data-meter-id="${CSS.escape(meterId)}"]`)?.replaceWith(fresh);
}

async function suspendMeter(meterId) {
  const reason = await confirmAction({ title: `Suspend meter ${meterId}`, description: 'Its readings are refused from now on, and it can no longer connect. This is recorded on chain.' });
  if (reason === undefined) return;
  await postAction(`/api/operator/meters/${encodeURIComponent(meterId)}/suspend`, { reason });
  await refreshMeters();
}

async function register(event) {
  event.preventDefault();
  const form = event.target;
  const status = $('register-status');
  const data = Object.fromEntries(new FormData(form));
  const ok = await confirmAction({ title: `Register meter ${data.meterId}`, description: `Pays ${data.payee} for a ${data.capacityW} W installation. This is recorded on chain.`, needsReason: false });
  if (ok === undefined) return;
  status.textContent = 'Registering…';
  try {
    const answer = await postAction('/api/operator/meters', { ...data, capacityW: Number(data.capacityW) });
    status.textContent = `Registered in transaction ${shortHex(answer.txHash)}.`;
    form.reset();
    await refreshMeters();
  } catch (error) {
    status.textContent = `Not registered: ${error.message}`;
  }
}

async function start() {
  ctx = await startPage('operator');
  installConfirmDialog();
  // The browser checks the meter-id rule of protocol/, so the form cannot drift from it.
  $('reg-meter-id').pattern = METER_ID_SOURCE;
  $('register-form').addEventListener('submit', (e) => register(e).catch(showError));
  $('silent-intervals').addEventListener('input', renderSilent);
  $('meter-filter').addEventListener('input', renderMeterTable);
  renderHealth(ctx.health());
  try {
    await Promise.all([refreshMeters(), refreshStatus(), refreshMetrics()]);
    document.body.dataset.loaded = 'true';
  } catch (error) {
    showError(error);
  }
  setInterval(() => {
    ctx.refreshHealth().then(renderHealth);
    refreshMetrics().catch(showError);
    renderSilent();
  }, 5_000);
  const statusChanged = debounce(refreshStatus, 500);
  for (const name of ['batch.status', 'batch.submitted']) ctx.on(name, statusChanged);
  ctx.on('reading.accepted', (e) => {
    $('live-count').textContent = String(++state.liveCount);
    document.body.dataset.lastEvent = `reading.accepted:${e.meterId}:${e.pagination}`;
    updateMeter(e.meterId, (m) => (m.lastReading && m.lastReading.pagination >= e.pagination ? {} : { lastReading: { pagination: e.pagination, timestampMs: e.timestampMs, importWh: e.importWh, exportWh: e.exportWh } }));
  });
  ctx.on('meter.connected', (e) => updateMeter(e.meterId, () => ({ connected: true })));
  ctx.on('meter.disconnected', (e) => updateMeter(e.meterId, () => ({ connected: false })));
}

start();
