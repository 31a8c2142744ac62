// The regulator page's "chain recovery" notice (#17): transactions the embedded chain lost in a
// crash, found when the sandbox started again, and whether each was re-applied (from
// /api/status's chainRecovery). Hidden when there are none.
import { formatTime } from './format.js';
import { cell, replaceRows, row } from './table.js';

const $ = (id) => document.getElementById(id);

export function renderChainRecovery(entries, timeZone) {
  $('recovery-section').hidden = entries.length === 0;
  if (entries.length === 0) return;
  const notReapplied = entries.filter((e) => e.outcome !== 're-applied').length;
  $('recovery-summary').textContent =
    `The chain lost ${entries.length} transaction(s) in a crash; ${entries.length - notReapplied} re-applied` +
    (notReapplied ? `, ${notReapplied} NOT re-applied: check each one below.` : '.');
  const rows = [...entries].reverse().map((e) =>
    row([
      cell(formatTime(Date.parse(e.recoveredAt), timeZone), { csv: e.recoveredAt }),
      cell(e.label),
      cell(e.outcome, { className: e.outcome === 're-applied' ? 'ok' : 'bad' }),
      cell(e.detail),
      cell(`${e.txHash.slice(0, 10)}…`, { csv: e.txHash, title: e.txHash }),
    ]),
  );
  replaceRows($('recovery-table').tBodies[0], rows, '', 5);
}
