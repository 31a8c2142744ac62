// The operator page: gateway health, throughput and latency (from /metrics), connected and
// silent meters, escrow against outstanding payouts, and meter registration and suspension
// (POST /api/operator/…, signed on chain with the operator's key by the server).
import { api } from './api.js';
import { createTimeChart } from './chart.js';
import { confirmAction, installConfirmDialog, postAction, showActionError } from './confirm.js';
import { shortHex } from './format.js';
import { debounce, showError, startPage } from './page.js';
import { sumsByName } from './prometheus.js';
import { METER_ID_SOURCE } from '/vendor/feedin-protocol.js';
import { cell, patchRow, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);
const RATE_POINTS = 120;
// One page of meters (the filter finds any): thousands of rows cost seconds of layout.
const METER_ROWS = 100;

let ctx;
const loc = () => ctx.loc;
const t = (key, values) => ctx.loc.t(key, values);
const state = {
  meters: new Map(),
  lastMetrics: undefined,
  rate: [[], []],
  liveCount: 0,
  // What an action changed on chain, shown at once (issue #11 item 12) until the gateway's
  // directory (synced from the registry about once a second) reports it: meterId → change.
  pending: new Map(),
};

function renderHealth(health) {
  if (!health) return;
  const rows = Object.entries(health.components).map(([name, c]) =>
    row([cell(t(`component.${name}`, { defaultValue: name }), { csv: name }), cell(t(`componentStatus.${c.status}`, { defaultValue: c.status }), { className: c.status === 'ok' ? 'ok' : 'bad', csv: c.status }), cell(c.detail)], { component: name }),
  );
  replaceRows($('health-table').tBodies[0], rows);
}

async function refreshMetrics() {
  const text = await fetch('/metrics', { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`/metrics: HTTP ${r.status}`))));
  const sums = sumsByName(text);
  const now = performance.now();
  const sample = { atMs: now, accepted: sums.get('feedin_readings_accepted_total') ?? 0, latencySum: sums.get('feedin_ingest_seconds_sum') ?? 0, latencyCount: sums.get('feedin_ingest_seconds_count') ?? 0 };
  const prev = state.lastMetrics;
  state.lastMetrics = sample;
  $('connected').textContent = loc().count(sums.get('feedin_mqtt_connected_meters') ?? [...state.meters.values()].filter((m) => m.connected).length);
  if (!prev) return;
  const seconds = (sample.atMs - prev.atMs) / 1000;
  const rate = (sample.accepted - prev.accepted) / seconds;
  const n = sample.latencyCount - prev.latencyCount;
  $('rate').textContent = new Intl.NumberFormat(loc().locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rate);
  $('latency').textContent = n > 0 ? t('operator.latencyMs', { ms: new Intl.NumberFormat(loc().locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(((sample.latencySum - prev.latencySum) / n) * 1000) }) : t('operator.noReadings');
  state.rate[0].push(Date.now());
  state.rate[1].push(rate);
  if (state.rate[0].length > RATE_POINTS) state.rate.forEach((a) => a.shift());
  if (state.rate[0].length < 2) return; // one point makes no time axis
  state.charts ??= createTimeChart($('rate-chart'), { loc: loc(), height: 160, series: [{ label: t('operator.readingsPerSecond'), scale: 'rate', unit: '/s', stroke: '#2f7d32', digits: 1 }] });
  state.charts.update(state.rate);
}

async function refreshStatus() {
  try {
    const s = await api('/api/status');
    const outstanding = BigInt(s.totalCommitted) - BigInt(s.totalWithdrawn);
    $('escrow').textContent = loc().money(s.escrowBalance);
    $('outstanding').textContent = loc().money(outstanding);
    const covered = BigInt(s.escrowBalance) >= outstanding;
    $('cover').textContent = covered ? t('operator.covered') : t('operator.shortBy', { amount: loc().money(outstanding - BigInt(s.escrowBalance)) });
    $('cover').className = covered ? 'ok' : 'bad';
    $('paused').textContent = t(s.paused ? 'operator.pausedByRegulator' : 'common.running');
    $('paused').className = s.paused ? 'bad' : 'ok';
  } catch (error) {
    $('escrow').textContent = t('common.unknownBecause', { message: error.message });
  }
}

function silentFor(m) {
  const intervalMs = ctx.info.intervalMinutes * 60_000;
  if (!m.lastReading) return Infinity;
  return Math.floor((ctx.nowMs() - m.lastReading.timestampMs) / intervalMs);
}

function renderSilent() {
  const n = Number($('silent-intervals').value) || 2;
  const silent = [...state.meters.values()].filter((m) => m.active && silentFor(m) > n).sort((a, b) => silentFor(b) - silentFor(a));
  const rows = silent.slice(0, METER_ROWS).map((m) =>
    row(
      [
        cell(m.meterId),
        cell(loc().household(m.householdId), { csv: m.householdId, title: m.householdId }),
        cell(loc().yesNo(m.connected), { className: m.connected ? 'ok' : 'bad' }),
        cell(m.lastReading ? loc().time(m.lastReading.timestampMs) : t('operator.never'), { csv: m.lastReading ? new Date(m.lastReading.timestampMs).toISOString() : '' }),
        cell(Number.isFinite(silentFor(m)) ? loc().count(silentFor(m)) : '—', { className: 'num' }),
      ],
      { meterId: m.meterId },
    ),
  );
  replaceRows($('silent-table').tBodies[0], rows, t('operator.noSilent', { count: n }), 5);
  $('silent-table').caption ??= $('silent-table').createCaption();
  $('silent-table').caption.textContent = silent.length > METER_ROWS ? t('operator.silentLongest', { shown: METER_ROWS, count: silent.length }) : t('operator.silentCount', { count: silent.length });
}

function meterRow(m) {
  const suspend = document.createElement('button');
  suspend.type = 'button';
  suspend.textContent = t('governance.suspend.label');
  suspend.setAttribute('aria-label', t('governance.suspend.title', { meterId: m.meterId }));
  suspend.addEventListener('click', () => suspendMeter(m.meterId, suspend));
  return row(
    [
      cell(m.meterId),
      cell(loc().household(m.householdId), { csv: m.householdId, title: m.householdId }),
      cell(shortHex(m.payee), { csv: m.payee, title: m.payee, className: 'mono' }),
      cell(loc().kW(m.capacityW), { className: 'num', csv: m.capacityW }),
      cell(m.active ? t('common.yes') : t('common.suspended'), { className: m.active ? 'ok' : 'bad' }),
      cell(loc().yesNo(m.connected), { className: m.connected ? 'ok' : 'bad' }),
      cell(m.lastReading ? loc().time(m.lastReading.timestampMs) : '—', { csv: m.lastReading ? new Date(m.lastReading.timestampMs).toISOString() : '' }),
      // Suspend is offered only to a meter that is not suspended (issue #11 item 12).
      cell(m.active ? suspend : '—', { csv: '' }),
    ],
    { meterId: m.meterId },
  );
}

async function refreshMeters() {
  const { meters } = await api('/api/meters');
  state.meters = new Map(meters.map((m) => [m.meterId, m]));
  // Keep what an action did until the server's list shows it.
  for (const [meterId, change] of state.pending) {
    const m = state.meters.get(meterId);
    if (change.registered && !m) state.meters.set(meterId, change.registered);
    else if (change.suspended && m?.active) m.active = false;
    else state.pending.delete(meterId);
  }
  renderMeterTable();
  renderSilent();
}

function renderMeterTable() {
  const filter = $('meter-filter').value.trim().toLowerCase();
  const all = [...state.meters.values()].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
  const matching = filter
    ? all.filter((m) => m.meterId.toLowerCase().includes(filter) || m.householdId.toLowerCase().includes(filter) || loc().household(m.householdId).toLowerCase().includes(filter))
    : all;
  replaceRows($('meters-table').tBodies[0], matching.slice(0, METER_ROWS).map(meterRow), t('common.noMetersMatch'), 8);
  $('meters-caption').textContent =
    matching.length > METER_ROWS
      ? t('operator.metersShowing', { shown: METER_ROWS, matching: matching.length, count: state.meters.size })
      : t('common.metersOf', { matching: matching.length, count: state.meters.size });
}

function updateMeter(meterId, change) {
  const m = state.meters.get(meterId);
  if (!m) return;
  Object.assign(m, change(m));
  const old = $('meters-table').querySelector(`tr[data-meter-id="${CSS.escape(meterId)}"]`);
  if (old) patchRow(old, meterRow(m));
}

/** Suspends after confirmation; the row changes at once, an error appears beside the button. */
async function suspendMeter(meterId, button) {
  const reason = await confirmAction({ title: t('governance.suspend.title', { meterId }), description: t('operator.suspendText') });
  if (reason === undefined) return;
  button.disabled = true;
  button.parentElement.querySelector(':scope > .action-error')?.remove();
  try {
    await postAction(`/api/operator/meters/${encodeURIComponent(meterId)}/suspend`, { reason });
  } catch (error) {
    button.disabled = false;
    showActionError(button, error);
    return;
  }
  state.pending.set(meterId, { suspended: true });
  updateMeter(meterId, () => ({ active: false }));
  renderSilent();
}

function fillHouseholds() {
  const select = $('reg-household');
  const names = ctx.info.householdNames ?? {};
  const empty = document.createElement('option');
  empty.value = '';
  empty.textContent = t('operator.chooseHousehold');
  const options = Object.keys(names)
    .sort()
    .map((id) => {
      const o = document.createElement('option');
      o.value = id;
      o.textContent = names[id] === id ? id : `${names[id]} (${id})`;
      return o;
    });
  select.replaceChildren(empty, ...options);
}

async function register(event) {
  event.preventDefault();
  const form = event.target;
  const status = $('register-status');
  const data = Object.fromEntries(new FormData(form));
  // Capacity is entered in kW like everywhere else and sent as integer W (docs/dashboard.md).
  const capacityW = loc().wattsFromKW(String(data.capacityKW));
  if (capacityW === undefined) {
    $('reg-capacity').setCustomValidity(t('operator.capacityInvalid'));
    $('reg-capacity').reportValidity();
    return;
  }
  const ok = await confirmAction({
    title: t('operator.registerTitle', { meterId: data.meterId }),
    description: t('operator.registerForText', { household: loc().household(data.householdId), capacity: loc().kW(capacityW) }),
    needsReason: false,
  });
  if (ok === undefined) return;
  status.textContent = t('operator.registering');
  status.className = '';
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const answer = await postAction('/api/operator/meters', { meterId: data.meterId, publicKey: data.publicKey, householdId: data.householdId, capacityW });
    status.textContent = t('operator.registered', { tx: shortHex(answer.txHash) });
    status.className = 'ok';
    form.reset();
    // The new row at once, from the answer; the server's list takes over once the registry sync has it.
    const added = { meterId: answer.meterId, householdId: data.householdId, payee: answer.payee, capacityW: answer.capacityW, active: true, connected: false, lastReading: null };
    state.pending.set(answer.meterId, { registered: added });
    state.meters.set(answer.meterId, added);
    $('meter-filter').value = '';
    renderMeterTable();
    $('meters-table').querySelector(`tr[data-meter-id="${CSS.escape(answer.meterId)}"]`)?.classList.add('flash');
  } catch (error) {
    status.textContent = t('operator.notRegistered', { message: error.message });
    status.className = 'bad';
  } finally {
    submit.disabled = false;
  }
}

async function start() {
  ctx = await startPage('operator');
  installConfirmDialog(loc());
  // The browser checks the meter-id rule of protocol/, so the form cannot drift from it.
  $('reg-meter-id').pattern = METER_ID_SOURCE;
  fillHouseholds();
  $('reg-capacity').addEventListener('input', () => $('reg-capacity').setCustomValidity(''));
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
    $('live-count').textContent = loc().count(++state.liveCount);
    document.body.dataset.lastEvent = `reading.accepted:${e.meterId}:${e.pagination}`;
    updateMeter(e.meterId, (m) => (m.lastReading && m.lastReading.pagination >= e.pagination ? {} : { lastReading: { pagination: e.pagination, timestampMs: e.timestampMs, importWh: e.importWh, exportWh: e.exportWh } }));
  });
  ctx.on('meter.connected', (e) => updateMeter(e.meterId, () => ({ connected: true })));
  ctx.on('meter.disconnected', (e) => updateMeter(e.meterId, () => ({ connected: false })));
}

start();
