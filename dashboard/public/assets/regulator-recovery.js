// The regulator page's "chain recovery" notice (#17): transactions the embedded chain lost in a
// crash, found when the sandbox started again, and whether each was re-applied (from
// /api/status's chainRecovery). Hidden when there are none.
import { cell, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);

export function renderChainRecovery(entries, loc) {
  $('recovery-section').hidden = entries.length === 0;
  if (entries.length === 0) return;
  const { t } = loc;
  const notReapplied = entries.filter((e) => e.outcome !== 're-applied').length;
  $('recovery-summary').textContent =
    t('recovery.summary', { count: entries.length, reapplied: entries.length - notReapplied }) + (notReapplied ? ` ${t('recovery.notReapplied', { count: notReapplied })}` : '');
  const rows = [...entries].reverse().map((e) =>
    row([
      cell(loc.time(Date.parse(e.recoveredAt)), { csv: e.recoveredAt, title: loc.utc(Date.parse(e.recoveredAt)) }),
      cell(e.label),
      cell(t(`recovery.outcome.${e.outcome}`, { defaultValue: e.outcome }), { className: e.outcome === 're-applied' ? 'ok' : 'bad', csv: e.outcome }),
      cell(e.detail),
      cell(`${e.txHash.slice(0, 10)}…`, { csv: e.txHash, title: e.txHash }),
    ]),
  );
  replaceRows($('recovery-table').tBodies[0], rows, '', 5);
}
