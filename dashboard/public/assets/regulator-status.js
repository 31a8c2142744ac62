// The regulator page's sandbox panel (paused or running, limits, budget used, escrow) and the
// "meters with gaps or flags" table: rejections per meter, pagination gaps seen live, and the
// caps that cut claims in the newest batches.
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
  $('pause-control').replaceChildren(pauseButton(s.paused, loc, done, onError));
  renderChainRecovery(s.chainRecovery ?? [], loc);
}

/** Per meter: rejections by reason, gaps, caps hit. `gaps` is a Map meterId → count kept by the page. */
export async function refreshAttention(gaps, loc) {
  const [{ rejections }, { batches }] = await Promise.all([api('/api/rejections?limit=500'), api(`/api/batches?limit=${CAPS_BATCHES}`)]);
  const byMeter = new Map();
  const entry = (id) => byMeter.get(id) ?? byMeter.set(id, { rejections: 0, reasons: new Set(), gaps: 0, capsHit: 0, caps: new Set() }).get(id);
  for (const r of rejections) {
    const e = entry(r.meterId ?? loc.t('common.noMeterId'));
    e.rejections += 1;
    e.reasons.add(r.reason);
  }
  for (const [id, n] of gaps) entry(id).gaps += n;
  const live = batches.filter((b) => b.status !== 'rejected' && b.claimCount > 0);
  const details = await Promise.all(live.map((b) => api(`/api/batches/${b.batchId}?flagged=true`).catch(() => undefined)));
  for (const d of details)
    for (const c of d?.claims ?? [])
      if (c.flags.length) {
        const e = entry(c.meterId);
        e.capsHit += 1;
        for (const f of c.flags) e.caps.add(f);
      }
  const rows = [...byMeter.entries()]
    .sort((a, b) => b[1].rejections + b[1].gaps + b[1].capsHit - (a[1].rejections + a[1].gaps + a[1].capsHit) || a[0].localeCompare(b[0]))
    .map(([id, e]) =>
      row(
        [
          cell(id),
          cell(loc.count(e.rejections), { className: 'num', csv: e.rejections }),
          cell([...e.reasons].sort().map(loc.reason).join(', ') || '—', { csv: [...e.reasons].sort().join(' ') }),
          cell(loc.count(e.gaps), { className: 'num', csv: e.gaps }),
          cell(loc.count(e.capsHit), { className: 'num', csv: e.capsHit }),
          cell(loc.flags([...e.caps].sort()), { csv: [...e.caps].sort().join(' ') }),
        ],
        { meterId: id },
      ),
    );
  replaceRows($('attention-table').tBodies[0], rows, loc.t('regulator.noAttention'), 6);
}
