// The regulator's "at a glance" (issue #11 item 10), first on the page: does the money add up
// (Σ claims = totals on chain = withdrawn + outstanding, green or red with the three figures),
// today's exported, paid and capped energy, who is active, and the anomalies as counts that link
// to their lists. One request, GET /api/summary (the daily report of today, made server-side).
import { api } from './api.js';

const $ = (id) => document.getElementById(id);

function link(text, href, { id, bad } = {}) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  if (id) a.id = id;
  if (bad) a.className = 'bad';
  return a;
}

function item(...children) {
  const li = document.createElement('li');
  li.append(...children);
  return li;
}

/** Fetches and shows the summary; answers it (the anomalies table reads its gaps and silent meters). */
export async function refreshGlance(loc) {
  const { t } = loc;
  let s;
  try {
    s = await api('/api/summary');
  } catch (error) {
    $('money-verdict').textContent = t('common.unknownBecause', { message: error.message });
    $('money-verdict').className = 'verdict bad';
    return undefined;
  }
  const m = s.money;
  const verdict = $('money-verdict');
  verdict.className = `verdict ${m.ok ? 'ok' : 'bad'}`;
  verdict.dataset.ok = String(m.ok);
  const failed = m.checks.filter((c) => !c.ok).map((c) => c.detail);
  verdict.textContent = m.ok ? t('glance.moneyAddsUp', { batchId: m.throughBatchId }) : t('glance.moneyDoesNotAddUp', { detail: failed.join('; ') });
  $('g-claims').textContent = loc.money(m.sumOfClaims);
  $('g-chain').textContent = loc.money(m.committedOnChain);
  $('g-paid').textContent = t('glance.withdrawnPlusOutstandingValue', { withdrawn: loc.money(m.withdrawn), outstanding: loc.money(m.outstanding) });
  for (const id of ['g-claims', 'g-chain', 'g-paid']) $(id).className = m.ok ? 'ok' : 'bad';

  $('glance-day').textContent = t('glance.todayIs', { day: loc.day(s.nowMs) });
  $('g-exported').textContent = `${loc.kWh(s.today.exportWh)} kWh`;
  $('g-paid-energy').textContent = `${loc.kWh(s.today.paidWh)} kWh`;
  $('g-capped').textContent = t('glance.cappedValue', {
    energy: `${loc.kWh(s.today.cappedWh)} kWh`,
    percent: BigInt(s.today.exportWh) > 0n ? loc.percent(s.today.cappedWh, s.today.exportWh) : '—',
    count: s.today.cappedClaims,
  });
  $('g-households').textContent = t('glance.activeOf', { active: loc.count(s.households.active), total: loc.count(s.households.total) });
  $('g-meters').textContent = t('glance.metersActive', { active: loc.count(s.meters.active), total: loc.count(s.meters.total), connected: loc.count(s.meters.connected) });

  const a = s.anomalies;
  const list = [
    item(link(t('glance.gaps', { count: a.gaps, missing: a.missingReadings }), '#h-attention', { id: 'g-gaps', bad: a.gaps > 0 })),
    item(link(t('glance.rejections', { count: a.rejections }), '#h-rejections', { id: 'g-rejections', bad: a.rejections > 0 }), ...reasons(a.rejectionsByReason, loc)),
    item(link(t('glance.plausibility', { count: a.plausibility }), '#h-rejections', { id: 'g-plausibility', bad: a.plausibility > 0 })),
    item(link(t('glance.silent', { count: a.silentMeters, intervals: a.silentAfterIntervals }), '#h-attention', { id: 'g-silent', bad: a.silentMeters > 0 })),
  ];
  $('g-anomalies').replaceChildren(...list);
  document.body.dataset.summaryAtMs = String(s.nowMs);
  return s;
}

function reasons(byReason, loc) {
  if (byReason.length === 0) return [];
  const span = document.createElement('span');
  span.className = 'reasons';
  span.append(' (');
  byReason.forEach((r, i) => {
    if (i > 0) span.append(', ');
    const a = link(`${loc.reason(r.reason)} ${loc.count(r.count)}`, '#h-rejections');
    a.title = r.reason;
    a.dataset.reason = r.reason;
    span.append(a);
  });
  span.append(')');
  return [span];
}
