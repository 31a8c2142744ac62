// The regulator page: a thin client over the same API that tools use (STYLE: the UI is a thin
// client). It loads meters, batches and rejections, then keeps them current from the
// server-sent events; batch events refetch the batch list, reading events update rows in place.
import { api } from './api.js';
import { createBatchChart } from './batch-chart.js';
import { csvFromRows, downloadCsvText } from './csv.js';
import { installConfirmDialog, showActionError } from './confirm.js';
import { formatAmount, formatInterval, formatKW, formatKWh, formatTime, shortHex } from './format.js';
import { batchActions, suspendMeterButton } from './regulator-governance.js';
import { refreshAttention, refreshSandboxStatus } from './regulator-status.js';
import { debounce, showError, startPage } from './page.js';
import { cell, replaceRows, row } from './table.js';

const FEED_ROWS = 50;
// A page of the meters table: 10,000 rows would cost seconds of layout and help no one; the
// filter finds any meter and the CSV has them all.
const METER_ROWS = 100;
const $ = (id) => document.getElementById(id);

let ctx;
const state = { meters: new Map(), batches: [], selectedBatchId: undefined, gaps: new Map() };

function actionFailed(error, control) {
  $('action-status').textContent = `The action failed: ${error.message}`;
  if (control) showActionError(control, error);
}

const afterAction = async () => {
  $('action-status').textContent = 'Done.';
  await Promise.all([refreshBatches(), refreshStatus()]);
};

const refreshStatus = () => refreshSandboxStatus(info(), { onError: actionFailed, done: afterAction });

const info = () => ctx.info;
const sandboxNowMs = () => ctx.nowMs();

// ---- meters ------------------------------------------------------------------------------
function meterRow(m) {
  const last = m.lastReading;
  return row(
    [
      cell(m.meterId),
      cell(m.householdId),
      cell(formatKW(m.capacityW), { className: 'num', csv: m.capacityW }),
      cell(m.connected ? 'yes' : 'no', { className: m.connected ? 'ok' : 'bad' }),
      cell(last ? formatTime(last.timestampMs, info().timeZone) : '—', { csv: last ? new Date(last.timestampMs).toISOString() : '' }),
      cell(last ? formatKWh(last.exportWh) : '—', { className: 'num', csv: last?.exportWh ?? '' }),
      cell(m.active ? suspendMeterButton(m.meterId, afterAction, actionFailed) : 'suspended', { csv: m.active ? '' : 'suspended' }),
    ],
    { meterId: m.meterId },
  );
}

function matchingMeters() {
  const filter = $('meter-filter').value.trim().toLowerCase();
  const all = [...state.meters.values()].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
  return filter ? all.filter((m) => m.meterId.toLowerCase().includes(filter) || m.householdId.toLowerCase().includes(filter)) : all;
}

function renderMeters() {
  const matching = matchingMeters();
  replaceRows($('meters-table').tBodies[0], matching.slice(0, METER_ROWS).map(meterRow), 'No meters match.', 7);
  $('meters-caption').textContent =
    matching.length > METER_ROWS
      ? `Showing ${METER_ROWS} of ${matching.length} meters (of ${state.meters.size}); use the filter to find others. The CSV has all of them.`
      : `${matching.length} of ${state.meters.size} meters.`;
}

function metersCsv() {
  const header = ['Meter', 'Household', 'Payee', 'Capacity (W)', 'Active', 'Connected', 'Last reading', 'Export register (Wh)'];
  const rows = matchingMeters().map((m) => [
    m.meterId,
    m.householdId,
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
  const fresh = meterRow(m);
  fresh.classList.add('flash');
  if (old) old.replaceWith(fresh);
}

// ---- batches and claims ------------------------------------------------------------------
const chart = { instance: undefined };

function batchRow(b) {
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'link';
  open.textContent = `#${b.batchId}`;
  open.setAttribute('aria-label', `Show the claims of batch ${b.batchId}`);
  open.addEventListener('click', () => selectBatch(b.batchId));
  const token = info().token;
  return row(
    [
      cell(open, { csv: b.batchId }),
      cell(formatInterval(b.intervalStartMs, b.intervalEndMs, info().timeZone), {
        csv: `${new Date(b.intervalStartMs).toISOString()}/${new Date(b.intervalEndMs).toISOString()}`,
      }),
      cell(b.status, { className: `status-${b.status}` }),
      cell(String(b.claimCount), { className: 'num' }),
      cell(formatKWh(b.totalExportWh), { className: 'num', csv: b.totalExportWh }),
      cell(formatAmount(b.totalAmount, token), { className: 'num', csv: b.totalAmount }),
      cell(b.txHash ? shortHex(b.txHash) : '—', { csv: b.txHash ?? '', title: b.txHash ?? 'not on chain yet', className: 'mono' }),
      cell(b.blockNumber === null ? '—' : String(b.blockNumber), { className: 'num' }),
      cell(batchActions(b, afterAction, actionFailed), { csv: '' }),
    ],
    { batchId: b.batchId, status: b.status },
  );
}

async function refreshBatches() {
  const { batches } = await api('/api/batches?limit=200');
  state.batches = batches;
  const rows = batches.map(batchRow);
  for (const r of rows) if (r.dataset.batchId === state.selectedBatchId) r.classList.add('selected');
  replaceRows($('batches-table').tBodies[0], rows, 'No batch yet: the first one is built when the first interval closes.', 9);
  chart.instance ??= createBatchChart($('batch-chart'), { token: info().token, timeZone: info().timeZone });
  chart.instance.update(batches);
}

async function selectBatch(batchId) {
  state.selectedBatchId = batchId;
  for (const r of $('batches-table').tBodies[0].rows) r.classList.toggle('selected', r.dataset.batchId === batchId);
  const batch = await api(`/api/batches/${encodeURIComponent(batchId)}`);
  const token = info().token;
  const rows = batch.claims.map((c) =>
    row(
      [
        cell(c.meterId),
        cell(c.householdId),
        cell(shortHex(c.payee), { csv: c.payee, title: c.payee, className: 'mono' }),
        cell(formatKWh(c.exportWh), { className: 'num', csv: c.exportWh }),
        cell(formatKWh(c.paidWh), { className: 'num', csv: c.paidWh }),
        cell(formatAmount(c.pricePerKWh, token), { className: 'num', csv: c.pricePerKWh }),
        cell(formatAmount(c.amount, token), { className: 'num', csv: c.amount }),
        cell(c.flags.length ? c.flags.join(', ') : '—'),
        cell(`F${c.opening.pagination} → F${c.closing.pagination}`),
      ],
      { meterId: c.meterId },
    ),
  );
  $('claims-batch').textContent = `#${batchId}`;
  replaceRows($('claims-table').tBodies[0], rows, 'No claims in this batch.', 9);
  $('claims-section').hidden = false;
}

// ---- rejections ----------------------------------------------------------------------------
async function refreshRejections() {
  const { rejections } = await api('/api/rejections?limit=500');
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
          cell(reason),
          cell(String(g.count), { className: 'num' }),
          cell([...g.meters].sort().join(', ') || '(no meter id)'),
          cell(formatTime(g.latest.receivedAtMs, info().timeZone)),
          cell(g.latest.detail),
        ],
        { reason },
      ),
    );
  replaceRows($('rejections-table').tBodies[0], rows, 'No rejected frames.', 5);
}

// ---- live feed -----------------------------------------------------------------------------
function addFeedRow({ meterId, pagination, outcome, timestampMs, exportWh }) {
  const tbody = $('feed-table').tBodies[0];
  tbody.querySelector('td.empty')?.parentElement.remove();
  const tr = row(
    [
      cell(formatTime(sandboxNowMs(), info().timeZone)),
      cell(meterId ?? '(unknown)'),
      cell(pagination === null || pagination === undefined ? '—' : `F${pagination}`),
      cell(outcome, { className: outcome === 'accepted' ? 'ok' : 'bad' }),
      cell(timestampMs === undefined ? '—' : formatTime(timestampMs, info().timeZone)),
      cell(exportWh === undefined ? '—' : formatKWh(exportWh), { className: 'num', csv: exportWh ?? '' }),
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
    addFeedRow({ meterId: e.meterId, pagination: e.pagination, outcome: 'accepted', timestampMs: e.timestampMs, exportWh: e.exportWh });
    updateMeter(e.meterId, (m) =>
      m.lastReading && m.lastReading.pagination >= e.pagination
        ? {}
        : { lastReading: { pagination: e.pagination, timestampMs: e.timestampMs, importWh: e.importWh, exportWh: e.exportWh } },
    );
  });
  on('reading.rejected', (e) => {
    addFeedRow({ meterId: e.meterId, pagination: e.pagination, outcome: `rejected: ${e.reason}` });
    rejectionsChanged();
  });
  const attentionChanged = debounce(() => refreshAttention(state.gaps), 1_000);
  on('reading.gap', (e) => state.gaps.set(e.meterId, (state.gaps.get(e.meterId) ?? 0) + 1));
  on('reading.gap', attentionChanged);
  on('reading.gap', (e) => addFeedRow({ meterId: e.meterId, pagination: e.received, outcome: `gap: F${e.expected}–F${e.received - 1} missing` }));
  on('meter.connected', (e) => updateMeter(e.meterId, () => ({ connected: true })));
  on('meter.disconnected', (e) => updateMeter(e.meterId, () => ({ connected: false })));
  for (const name of ['batch.built', 'batch.submitted', 'batch.status', 'batch.rejected']) on(name, batchesChanged);
  for (const name of ['batch.built', 'batch.status']) on(name, attentionChanged);
  on('batch.status', debounce(refreshStatus, 500));
}

// ---- start ---------------------------------------------------------------------------------
async function start() {
  ctx = await startPage('regulator');
  // The meters CSV has every meter, not only the page of rows on screen (page.js skips data-all).
  const metersButton = document.querySelector('button.csv[data-all="meters"]');
  metersButton.addEventListener('click', () => downloadCsvText(metersCsv(), `${metersButton.dataset.table.replace(/-table$/, '')}.csv`));
  $('meter-filter').addEventListener('input', renderMeters);
  installConfirmDialog();
  replaceRows($('feed-table').tBodies[0], [], 'Waiting for readings…', 6);
  listen();
  try {
    // All at once: the first render waits for the slowest answer, not for their sum.
    const loadMeters = async () => {
      const { meters } = await api('/api/meters');
      state.meters = new Map(meters.map((m) => [m.meterId, m]));
      renderMeters();
    };
    await Promise.all([loadMeters(), refreshBatches(), refreshRejections(), refreshStatus()]);
    // First render done; the bench reads this mark (time since navigation start).
    document.body.dataset.loadedAtMs = String(Math.round(performance.now()));
    document.body.dataset.loaded = 'true';
    // Needs claim details of several batches (large with many meters): after the first render.
    await refreshAttention(state.gaps);
  } catch (error) {
    showError(error);
  }
}

start();
