// The regulator page's sandbox panel (paused or running, limits, budget used, escrow), the
// anomalies table (rejections per meter, today's pagination gaps, silent meters) and the caps
// that cut claims in the newest batches (a column of the meters table).
import { api } from './api.js';
import { pauseButton } from './regulator-governance.js';
import { cell, replaceRows, row } from './table.js';
import { renderChainRecovery } from './regulator-recovery.js';

const $ = (id) => document.getElementById(id);
// Each batch detail holds one claim per meter: a few batches keep this cheap at 10,000 meters.
const CAPS_BATCHES = 5;

export async function refreshSandboxStatus(_info, loc, { onError, done }) {
  const { t } = loc;
  let s;
  try {
    s = await api('/api/status');
  } catch (error) {
    $('sandbox-state').textContent = t('common.unknownBecause', { message: error.message });
    return;
  }
  $('sandbox-state').textContent = t(s.paused ? 'common.paused' : 'common.running');
  $('sandbox-state').className = s.paused ? 'bad' : 'ok';
  $('budget-used').textContent =
    s.budget === null
      ? t('regulator.budgetNone', { used: loc.money(s.totalCommitted) })
      : t('regulator.budgetOf', { used: loc.money(s.totalCommitted), budget: loc.money(s.budget), percent: loc.percent(s.totalCommitted, s.budget) });
  $('batch-cap').textContent = s.batchCap === null ? t('common.none') : loc.money(s.batchCap);
  const caps = [];
  if (s.caps.exportCapPercentOfCapacity !== null) caps.push(t('regulator.capExport', { percent: s.caps.exportCapPercentOfCapacity }));
  if (s.caps.householdDailyCap !== null) caps.push(t('regulator.capHouseholdDaily', { amount: loc.money(s.caps.householdDailyCap) }));
  $('caps').textContent = caps.join('; ') || t('common.none');
  $('challenge-window').textContent = t('common.seconds', { count: s.challengeWindowSeconds });
  $('escrow').textContent = loc.money(s.escrowBalance);
  // Replaced only when it changes: a refresh must not swap a button someone is about to press.
  if ($('pause-control').dataset.paused !== String(s.paused)) {
    $('pause-control').replaceChildren(pauseButton(s.paused, loc, done, onError));
    $('pause-control').dataset.paused = String(s.paused);
  }
  renderChainRecovery(s.chainRecovery ?? [], loc);
  return s;
}

/** Capped claims per meter in the newest batches (`flagged=true` keeps only those): a column of
 * the meters table, because caps cutting a claim are the sandbox working as designed, not an
 * anomaly (issue #11 item 11). Map meterId → { count, flags: Set }. */
export async function capsByMeter() {
  const { batches } = await api(`/api/batches?limit=${CAPS_BATCHES}`);
  const live = batches.filter((b) => b.status !== 'rejected' && b.claimCount > 0);
  const details = await Promise.all(live.map((b) => api(`/api/batches/${b.batchId}?flagged=true`).catch(() => undefined)));
  const byMeter = new Map();
  for (const d of details)
    for (const c of d?.claims ?? [])
      if (c.flags.length) {
        const e = byMeter.get(c.meterId) ?? byMeter.set(c.meterId, { count: 0, flags: new Set() }).get(c.meterId);
        e.count += 1;
        for (const f of c.flags) e.flags.add(f);
      }
  return byMeter;
}

/** The anomalies list: meters with rejected frames (the newest 500), pagination gaps today or
 * silent (both from GET /api/summary), worst first. */
export function renderAnomalies({ rejections, summary }, loc) {
  const byMeter = new Map();
  const entry = (id, householdId) => {
    const e = byMeter.get(id) ?? byMeter.set(id, { householdId: '', rejections: 0, reasons: new Set(), gaps: 0, missing: 0, silent: false, lastReadingMs: null }).get(id);
    if (householdId) e.householdId = householdId;
    return e;
  };
  for (const r of rejections ?? []) {
    const e = entry(r.meterId ?? loc.t('common.noMeterId'));
    e.rejections += 1;
    e.reasons.add(r.reason);
  }
  for (const g of summary?.anomalies.gapsByMeter ?? []) Object.assign(entry(g.meterId), { gaps: g.gaps, missing: g.missingReadings });
  for (const m of summary?.anomalies.silent ?? []) Object.assign(entry(m.meterId, m.householdId), { silent: true, lastReadingMs: m.lastReadingMs });
  const weight = (e) => e.rejections + e.gaps + (e.silent ? 1 : 0);
  const rows = [...byMeter.entries()]
    .sort((a, b) => weight(b[1]) - weight(a[1]) || a[0].localeCompare(b[0]))
    .map(([id, e]) =>
      row(
        [
          cell(id),
          cell(e.householdId ? loc.household(e.householdId) : '—', { csv: e.householdId, title: e.householdId || undefined }),
          cell(loc.count(e.rejections), { className: e.rejections ? 'num bad' : 'num', csv: e.rejections }),
          cell([...e.reasons].sort().map(loc.reason).join(', ') || '—', { csv: [...e.reasons].sort().join(' ') }),
          cell(loc.count(e.gaps), { className: e.gaps ? 'num bad' : 'num', csv: e.gaps }),
          cell(loc.count(e.missing), { className: 'num', csv: e.missing }),
          cell(e.silent ? (e.lastReadingMs === null ? loc.t('operator.never') : loc.time(e.lastReadingMs)) : '—', {
            className: e.silent ? 'bad' : undefined,
            csv: e.silent && e.lastReadingMs !== null ? new Date(e.lastReadingMs).toISOString() : '',
          }),
        ],
        { meterId: id },
      ),
    );
  replaceRows($('attention-table').tBodies[0], rows, loc.t('regulator.noAnomalies'), 7);
}
