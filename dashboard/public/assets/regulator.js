// The regulator page: a thin client over the same API that tools use (STYLE: the UI is a thin
// client). It loads meters, batches and rejections, then keeps them current from the
// server-sent events; batch events refetch the batch list, reading events update rows in place.
import { api } from './api.js';
import { createBatchChart } from './batch-chart.js';
import { csvFromRows, downloadCsvText } from './csv.js';
import { installConfirmDialog, showActionError } from './confirm.js';
import { shortHex } from './format.js';
import { BATCH_ACTIONS, batchActions, pauseButton, suspendMeterButton } from './regulator-governance.js';
import { capsByMeter, refreshSandboxStatus, renderAnomalies } from './regulator-status.js';
import { refreshGlance } from './regulator-glance.js';
import { foldEmptyRuns, runStatuses } from './batch-rows.js';
import { debounce, showError, startPage } from './page.js';
import { cell, patchRow, replaceRows, row } from './table.js';

const FEED_ROWS = 50;
// A page of the meters table: 10,000 rows would cost seconds of layout and help no one; the
// filter finds any meter and the CSV has them all.
const METER_ROWS = 100;
const $ = (id) => document.getElementById(id);

let ctx;
const state = {
  meters: new Map(),
  batches: [],
  selectedBatchId: undefined,
  caps: new Map(),
  rejections: [],
  summary: undefined,
  // What an action changed on chain, shown at once (issue #11 item 12) until the gateway's own
  // view moves on from the status it had: batchId → { before, becomes }.
  batchOverrides: new Map(),
  // runs of empty batches the regulator unfolded, by their newest batch id
  unfolded: new Set(),
};

/** An action's error goes beside the control it was taken with (and only there). */
function actionFailed(error, control) {
  if (control) showActionError(control, error);
  else $('action-status').textContent = t('regulator.actionFailed', { message: error.message });
}

/** After an action the chain took: the row and its buttons change now, the lists refresh after. */
async function afterAction(verb, answer) {
  const target = answer?.target;
  if (BATCH_ACTIONS[verb] && target !== undefined) {
    const batch = state.batches.find((b) => b.batchId === String(target) && b.status !== 'rejected');
    if (batch) state.batchOverrides.set(batch.batchId, { before: batch.status, becomes: BATCH_ACTIONS[verb].becomes });
    // A rejection discards every later batch not yet final too (docs/design.md).
    if (verb === 'reject')
      for (const b of state.batches)
        if (BigInt(b.batchId) > BigInt(target) && ['built', 'submitted', 'pending', 'frozen'].includes(b.status)) state.batchOverrides.set(b.batchId, { before: b.status, becomes: 'rejected' });
    renderBatches();
  } else if (verb === 'suspend' && target !== undefined) {
    updateMeter(String(target), () => ({ active: false }));
  } else if (verb === 'pause' || verb === 'resume') {
    renderPause(verb === 'pause');
  }
  await Promise.all([refreshBatches(), refreshStatus(), refreshSummary()]).catch(showError);
}

const refreshStatus = () => refreshSandboxStatus(info(), loc(), { onError: actionFailed, done: afterAction });
const renderPause = (paused) => {
  $('sandbox-state').textContent = t(paused ? 'common.paused' : 'common.running');
  $('sandbox-state').className = paused ? 'bad' : 'ok';
  $('pause-control').replaceChildren(pauseButtonFor(paused));
  $('pause-control').dataset.paused = String(paused);
};
const pauseButtonFor = (paused) => pauseButton(paused, loc(), afterAction, actionFailed);

async function refreshSummary() {
  state.summary = (await refreshGlance(loc())) ?? state.summary;
  renderAnomalies(state, loc());
}

async function refreshCaps() {
  state.caps = await capsByMeter();
  renderMeters();
}

const info = () => ctx.info;
const loc = () => ctx.loc;
const t = (key, values) => ctx.loc.t(key, values);

// ---- meters ------------------------------------------------------------------------------
function meterRow(m) {
  const last = m.lastReading;
  return row(
    [
      cell(m.meterId),
      cell(loc().household(m.householdId), { csv: m.householdId, title: m.householdId }),
      cell(loc().kW(m.capacityW), { className: 'num', csv: m.capacityW }),
      cell(loc().yesNo(m.connected), { className: m.connected ? 'ok' : 'bad' }),
      cell(last ? loc().time(last.timestampMs) : '—', { csv: last ? new Date(last.timestampMs).toISOString() : '' }),
      cell(last ? loc().kWh(last.exportWh, 1) : '—', { className: 'num', csv: last?.exportWh ?? '' }),
      capsCell(state.caps.get(m.meterId)),
      // Suspend only a meter that is not suspended (issue #11 item 12).
      cell(m.active ? suspendMeterButton(m.meterId, loc(), afterAction, actionFailed) : t('common.suspended'), { csv: m.active ? '' : 'suspended', className: m.active ? undefined : 'bad' }),
    ],
    { meterId: m.meterId },
  );
}

function capsCell(caps) {
  if (!caps) return cell('—', { className: 'num', csv: 0 });
  const flags = [...caps.flags].sort();
  return cell(loc().count(caps.count), { className: 'num', csv: caps.count, title: flags.map(loc().flag).join(', ') });
}

function matchingMeters() {
  const filter = $('meter-filter').value.trim().toLowerCase();
  const all = [...state.meters.values()].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
  return filter ? all.filter((m) => m.meterId.toLowerCase().includes(filter) || m.householdId.toLowerCase().includes(filter) || loc().household(m.householdId).toLowerCase().includes(filter)) : all;
}

function renderMeters() {
  const matching = matchingMeters();
  replaceRows($('meters-table').tBodies[0], matching.slice(0, METER_ROWS).map(meterRow), t('common.noMetersMatch'), 8);
  $('meters-caption').textContent =
    matching.length > METER_ROWS
      ? t('regulator.metersShowing', { shown: METER_ROWS, matching: matching.length, count: state.meters.size })
      : t('common.metersOf', { matching: matching.length, count: state.meters.size });
}

function metersCsv() {
  // CSV: raw units and ids for tools (the table shows names and kWh).
  const header = ['Meter', 'Household', 'Household name', 'Payee', 'Capacity (W)', 'Active', 'Connected', 'Last reading', 'Export register (Wh)'];
  const rows = matchingMeters().map((m) => [
    m.meterId,
    m.householdId,
    loc().household(m.householdId),
    m.payee,
    m.capacityW,
    m.active ? 'yes' : 'no',
    m.connected ? 'yes' : 'no',
    m.lastReading ? new Date(m.lastReading.timestampMs).toISOString() : '',
    m.lastReading?.exportWh ?? '',
  ]);
  return csvFromRows([header, ...rows]);
}

function updateMeter(meterId, change) {
  const m = state.meters.get(meterId);
  if (!m) return;
  Object.assign(m, change(m));
  const old = $('meters-table').querySelector(`tr[data-meter-id="${CSS.escape(meterId)}"]`);
  if (old) patchRow(old, meterRow(m));
}

// ---- batches and claims ------------------------------------------------------------------
const chart = { instance: undefined };

/** The batch as the page shows it: an action's result until the gateway's view moves on. */
function shown(b) {
  const o = state.batchOverrides.get(b.batchId);
  if (!o || b.status === 'rejected') return b;
  if (b.status !== o.before) {
    state.batchOverrides.delete(b.batchId);
    return b;
  }
  return { ...b, status: o.becomes };
}

function batchRow(b) {
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'link';
  open.textContent = `#${b.batchId}`;
  open.setAttribute('aria-label', t('regulator.showClaimsOf', { batchId: b.batchId }));
  open.addEventListener('click', () => selectBatch(b.batchId));
  return row(
    [
      cell(open, { csv: b.batchId }),
      cell(loc().interval(b.intervalStartMs, b.intervalEndMs), {
        csv: `${new Date(b.intervalStartMs).toISOString()}/${new Date(b.intervalEndMs).toISOString()}`,
      }),
      cell(loc().status(b.status), { className: `status-${b.status}`, csv: b.status }),
      cell(loc().count(b.claimCount), { className: 'num', csv: b.claimCount }),
      cell(loc().kWh(b.totalExportWh), { className: 'num', csv: b.totalExportWh }),
      cell(loc().money(b.totalAmount), { className: 'num', csv: b.totalAmount }),
      cell(b.txHash ? shortHex(b.txHash) : t('regulator.notOnChainYet'), { csv: b.txHash ?? '', title: b.txHash ?? undefined, className: 'mono' }),
      cell(b.blockNumber === null ? '—' : String(b.blockNumber), { className: 'num' }),
      cell(batchActions(b, loc(), afterAction, actionFailed), { csv: '' }),
    ],
    { batchId: b.batchId, status: b.status },
  );
}

/** One row for a run of batches without claims (the night), newest first; it unfolds on demand. */
function runRow(run) {
  const newest = run[0];
  const oldest = run[run.length - 1];
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'link';
  const unfolded = state.unfolded.has(newest.batchId);
  toggle.textContent = `#${oldest.batchId}–#${newest.batchId}`;
  toggle.setAttribute('aria-expanded', String(unfolded));
  toggle.setAttribute('aria-label', t(unfolded ? 'regulator.foldRun' : 'regulator.unfoldRun', { count: run.length, from: oldest.batchId, to: newest.batchId }));
  toggle.addEventListener('click', () => {
    if (state.unfolded.has(newest.batchId)) state.unfolded.delete(newest.batchId);
    else state.unfolded.add(newest.batchId);
    renderBatches();
  });
  const blocks = run.map((b) => b.blockNumber).filter((n) => n !== null);
  const tr = row(
    [
      cell(toggle, { csv: `${oldest.batchId}-${newest.batchId}` }),
      cell(loc().interval(oldest.intervalStartMs, newest.intervalEndMs), {
        csv: `${new Date(oldest.intervalStartMs).toISOString()}/${new Date(newest.intervalEndMs).toISOString()}`,
      }),
      cell(runStatuses(run).map(([status, n]) => (run.length === n ? loc().status(status) : `${loc().status(status)} ${loc().count(n)}`)).join(', '), {
        csv: runStatuses(run).map(([status, n]) => `${status} ${n}`).join(' '),
      }),
      cell(t('regulator.emptyRun', { count: run.length }), { className: 'num', csv: 0 }),
      cell(loc().kWh(0), { className: 'num', csv: 0 }),
      cell(loc().money(0), { className: 'num', csv: 0 }),
      cell('—', { csv: '' }),
      cell(blocks.length ? `${Math.min(...blocks)}–${Math.max(...blocks)}` : '—', { className: 'num' }),
      cell('', { csv: '' }),
    ],
    { batchId: `${oldest.batchId}-${newest.batchId}`, run: 'true' },
  );
  tr.classList.add('run');
  return tr;
}

// Rows are kept while their batch does not change, so a refresh (every batch event) does not
// replace a button someone is about to press.
const batchRowCache = new Map();
const batchKey = (b) => `${b.batchId}|${b.status}|${b.txHash}|${b.blockNumber}|${b.claimCount}|${b.totalAmount}`;
function cachedBatchRow(b, fresh) {
  const key = batchKey(b);
  const cached = batchRowCache.get(key);
  if (cached) return cached;
  const made = batchRow(b);
  batchRowCache.set(key, made);
  fresh.add(key);
  return made;
}

function renderBatches() {
  const batches = state.batches.map(shown);
  const rows = [];
  const used = new Set();
  const take = (b) => {
    const r = cachedBatchRow(b, used);
    used.add(batchKey(b));
    return r;
  };
  for (const item of foldEmptyRuns(batches)) {
    if (item.batch) rows.push(take(item.batch));
    else {
      rows.push(runRow(item.run));
      if (state.unfolded.has(item.run[0].batchId)) rows.push(...item.run.map(take));
    }
  }
  for (const key of batchRowCache.keys()) if (!used.has(key)) batchRowCache.delete(key);
  for (const r of rows) r.classList.toggle('selected', r.dataset.batchId === state.selectedBatchId);
  const tbody = $('batches-table').tBodies[0];
  // Unchanged order and rows: leave the table alone.
  if (rows.length === tbody.rows.length && rows.every((r, i) => tbody.rows[i] === r)) return;
  replaceRows(tbody, rows, t('regulator.noBatchYet'), 9);
}

async function refreshBatches() {
  const { batches } = await api('/api/batches?limit=200');
  state.batches = batches;
  renderBatches();
  chart.instance ??= createBatchChart($('batch-chart'), { token: info().token, loc: loc() });
  chart.instance.update(batches);
}

async function selectBatch(batchId) {
  state.selectedBatchId = batchId;
  for (const r of $('batches-table').tBodies[0].rows) r.classList.toggle('selected', r.dataset.batchId === batchId);
  const batch = await api(`/api/batches/${encodeURIComponent(batchId)}`);
  const rows = batch.claims.map((c) =>
    row(
      [
        cell(c.meterId),
        cell(loc().household(c.householdId), { csv: c.householdId, title: c.householdId }),
        cell(shortHex(c.payee), { csv: c.payee, title: c.payee, className: 'mono' }),
        cell(loc().kWh(c.exportWh), { className: 'num', csv: c.exportWh }),
        cell(loc().kWh(c.paidWh), { className: 'num', csv: c.paidWh }),
        cell(loc().money(c.pricePerKWh), { className: 'num', csv: c.pricePerKWh }),
        cell(loc().money(c.amount), { className: 'num', csv: c.amount }),
        cell(loc().flags(c.flags), { csv: c.flags.join(' '), title: c.flags.join(', ') }),
        cell(`F${c.opening.pagination} → F${c.closing.pagination}`),
      ],
      { meterId: c.meterId },
    ),
  );
  $('claims-batch').textContent = `#${batchId}`;
  replaceRows($('claims-table').tBodies[0], rows, t('regulator.noClaimsInBatch'), 9);
  $('claims-section').hidden = false;
}

// ---- rejections ----------------------------------------------------------------------------
async function refreshRejections() {
  const { rejections } = await api('/api/rejections?limit=500');
  state.rejections = rejections;
  renderAnomalies(state, loc());
  const byReason = new Map();
  for (const r of rejections) {
    const g = byReason.get(r.reason) ?? { count: 0, meters: new Set(), latest: r };
    g.count += 1;
    if (r.meterId) g.meters.add(r.meterId);
    byReason.set(r.reason, g);
  }
  const rows = [...byReason.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([reason, g]) =>
      row(
        [
          cell(loc().reason(reason), { csv: reason, title: reason }),
          cell(loc().count(g.count), { className: 'num', csv: g.count }),
          cell([...g.meters].sort().join(', ') || t('common.noMeterId')),
          cell(loc().time(g.latest.receivedAtMs), { csv: new Date(g.latest.receivedAtMs).toISOString() }),
          cell(g.latest.detail),
        ],
        { reason },
      ),
    );
  replaceRows($('rejections-table').tBodies[0], rows, t('regulator.noRejections'), 5);
}

// ---- live feed -----------------------------------------------------------------------------
function addFeedRow({ meterId, pagination, outcome, ok, timestampMs, exportWh }) {
  const tbody = $('feed-table').tBodies[0];
  tbody.querySelector('td.empty')?.parentElement.remove();
  const tr = row(
    [
      cell(loc().time(ctx.nowMs())),
      cell(meterId ?? t('common.unknownMeter')),
      cell(pagination === null || pagination === undefined ? '—' : `F${pagination}`),
      cell(outcome, { className: ok ? 'ok' : 'bad' }),
      cell(timestampMs === undefined ? '—' : loc().time(timestampMs), { csv: timestampMs === undefined ? '' : new Date(timestampMs).toISOString() }),
      cell(exportWh === undefined ? '—' : loc().kWh(exportWh, 1), { className: 'num', csv: exportWh ?? '' }),
    ],
    { meterId: meterId ?? '' },
  );
  tr.classList.add('flash');
  tbody.prepend(tr);
  while (tbody.rows.length > FEED_ROWS) tbody.lastElementChild.remove();
}

function listen() {
  const { on } = ctx;
  const batchesChanged = debounce(async () => {
    await refreshBatches();
    if (state.selectedBatchId) await selectBatch(state.selectedBatchId);
  }, 250);
  const rejectionsChanged = debounce(refreshRejections, 500);

  on('reading.accepted', (e) => {
    addFeedRow({ meterId: e.meterId, pagination: e.pagination, outcome: t('regulator.outcomeAccepted'), ok: true, timestampMs: e.timestampMs, exportWh: e.exportWh });
    updateMeter(e.meterId, (m) =>
      m.lastReading && m.lastReading.pagination >= e.pagination
        ? {}
        : { lastReading: { pagination: e.pagination, timestampMs: e.timestampMs, importWh: e.importWh, exportWh: e.exportWh } },
    );
  });
  on('reading.rejected', (e) => {
    addFeedRow({ meterId: e.meterId, pagination: e.pagination, outcome: t('regulator.outcomeRejected', { reason: loc().reason(e.reason) }) });
    rejectionsChanged();
  });
  // The summary (money verdict, today's energy, anomaly counts) follows batches and anomalies.
  const summaryChanged = debounce(refreshSummary, 1_000);
  on('reading.rejected', summaryChanged);
  on('reading.gap', summaryChanged);
  on('reading.gap', (e) => addFeedRow({ meterId: e.meterId, pagination: e.received, outcome: t('regulator.outcomeGap', { from: e.expected, to: e.received - 1 }) }));
  on('meter.connected', (e) => updateMeter(e.meterId, () => ({ connected: true })));
  on('meter.disconnected', (e) => updateMeter(e.meterId, () => ({ connected: false })));
  for (const name of ['batch.built', 'batch.submitted', 'batch.status', 'batch.rejected']) on(name, batchesChanged);
  for (const name of ['batch.built', 'batch.submitted', 'batch.status', 'batch.rejected']) on(name, summaryChanged);
  on('batch.built', debounce(refreshCaps, 1_000));
  on('batch.status', debounce(refreshStatus, 500));
}

// ---- start ---------------------------------------------------------------------------------
async function start() {
  ctx = await startPage('regulator');
  // The meters CSV has every meter, not only the page of rows on screen (page.js skips data-all).
  const metersButton = document.querySelector('button.csv[data-all="meters"]');
  metersButton.addEventListener('click', () => downloadCsvText(metersCsv(), `${metersButton.dataset.table.replace(/-table$/, '')}.csv`));
  $('meter-filter').addEventListener('input', renderMeters);
  installConfirmDialog(loc());
  replaceRows($('feed-table').tBodies[0], [], t('regulator.waitingForReadings'), 6);
  listen();
  try {
    // All at once: the first render waits for the slowest answer, not for their sum.
    const loadMeters = async () => {
      const { meters } = await api('/api/meters');
      state.meters = new Map(meters.map((m) => [m.meterId, m]));
      renderMeters();
    };
    await Promise.all([loadMeters(), refreshBatches(), refreshRejections(), refreshStatus(), refreshSummary()]);
    // First render done; the bench reads this mark (time since navigation start).
    document.body.dataset.loadedAtMs = String(Math.round(performance.now()));
    document.body.dataset.loaded = 'true';
    // Needs claim details of several batches (large with many meters): after the first render.
    await refreshCaps();
    // Silent meters change with the clock, not with an event.
    setInterval(() => refreshSummary().catch(showError), 30_000);
  } catch (error) {
    showError(error);
  }
}

start();
