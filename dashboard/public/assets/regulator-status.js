// The regulator page's sandbox panel (paused or running, limits, budget used, escrow) and the
// "meters with gaps or flags" table: rejections per meter, pagination gaps seen live, and the
// caps that cut claims in the newest batches.
import { api } from './api.js';
import { formatAmount } from './format.js';
import { pauseButton } from './regulator-governance.js';
import { renderChainRecovery } from './regulator-recovery.js';
import { cell, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);
// Each batch detail holds one claim per meter: a few batches keep this cheap at 10,000 meters.
const CAPS_BATCHES = 5;

export async function refreshSandboxStatus(info, { onError, done }) {
  let s;
  try {
    s = await api('/api/status');
  } catch (error) {
    $('sandbox-state').textContent = `unknown (${error.message})`;
    return;
  }
  const token = info.token;
  $('sandbox-state').textContent = s.paused ? 'paused' : 'running';
  $('sandbox-state').className = s.paused ? 'bad' : 'ok';
  $('budget-used').textContent =
    s.budget === null ? `${formatAmount(s.totalCommitted, token)} (no budget)` : `${formatAmount(s.totalCommitted, token)} of ${formatAmount(s.budget, token)} (${percent(s.totalCommitted, s.budget)})`;
  $('batch-cap').textContent = s.batchCap === null ? 'none' : formatAmount(s.batchCap, token);
  const caps = [];
  if (s.caps.exportCapPercentOfCapacity !== null) caps.push(`export ≤ ${s.caps.exportCapPercentOfCapacity} % of capacity`);
  if (s.caps.householdDailyCap !== null) caps.push(`${formatAmount(s.caps.householdDailyCap, token)} per household per day`);
  $('caps').textContent = caps.join('; ') || 'none';
  $('challenge-window').textContent = `${s.challengeWindowSeconds} s`;
  $('escrow').textContent = formatAmount(s.escrowBalance, token);
  $('pause-control').replaceChildren(pauseButton(s.paused, done, onError));
  renderChainRecovery(s.chainRecovery ?? [], info.timeZone);
}

function percent(part, whole) {
  if (BigInt(whole) === 0n) return '—';
  // Two decimals from integers: 10000 × part / whole basis points of a hundredth.
  const bp = (BigInt(part) * 10000n) / BigInt(whole);
  return `${bp / 100n}.${String(bp % 100n).padStart(2, '0')} %`;
}

/** Per meter: rejections by reason, gaps, caps hit. `gaps` is a Map meterId → count kept by the page. */
export async function refreshAttention(gaps) {
  const [{ rejections }, { batches }] = await Promise.all([api('/api/rejections?limit=500'), api(`/api/batches?limit=${CAPS_BATCHES}`)]);
  const byMeter = new Map();
  const entry = (id) => byMeter.get(id) ?? byMeter.set(id, { rejections: 0, reasons: new Set(), gaps: 0, capsHit: 0, caps: new Set() }).get(id);
  for (const r of rejections) {
    const e = entry(r.meterId ?? '(no meter id)');
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
          cell(String(e.rejections), { className: 'num' }),
          cell([...e.reasons].sort().join(', ') || '—'),
          cell(String(e.gaps), { className: 'num' }),
          cell(String(e.capsHit), { className: 'num' }),
          cell([...e.caps].sort().join(', ') || '—'),
        ],
        { meterId: id },
      ),
    );
  replaceRows($('attention-table').tBodies[0], rows, 'No meter has rejections, gaps or capped claims.', 6);
}
