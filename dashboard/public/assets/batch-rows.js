// Which rows the batches table shows (issue #11 item 11): a night of intervals without export
// makes one batch with no claims every interval; a run of two or more such batches, newest
// first, is folded into one row. A frozen batch is never folded: it waits for the regulator.

/** `batches` newest first → items `{ batch }` or `{ run: [newest … oldest] }`. */
export function foldEmptyRuns(batches) {
  const items = [];
  let run = [];
  const endRun = () => {
    if (run.length >= 2) items.push({ run });
    else for (const batch of run) items.push({ batch });
    run = [];
  };
  for (const batch of batches) {
    if (batch.claimCount === 0 && batch.status !== 'frozen') run.push(batch);
    else {
      endRun();
      items.push({ batch });
    }
  }
  endRun();
  return items;
}

/** "final 28, pending 1": the statuses of a folded run, most frequent first. */
export function runStatuses(run) {
  const counts = new Map();
  for (const b of run) counts.set(b.status, (counts.get(b.status) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}
