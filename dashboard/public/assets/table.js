// Table cells built with textContent only: meter ids, reasons and details come from devices and
// are never parsed as HTML.

/** A <td>; `csv` is the exact value for the CSV download when the shown text is shortened. */
export function cell(text, { csv, className, title } = {}) {
  const td = document.createElement('td');
  if (text instanceof Node) td.append(text);
  else td.textContent = text ?? '—';
  if (csv !== undefined && csv !== null) td.dataset.csv = String(csv);
  if (className) td.className = className;
  if (title) td.title = title;
  return td;
}

export function row(cells, data = {}) {
  const tr = document.createElement('tr');
  for (const [key, value] of Object.entries(data)) tr.dataset[key] = value;
  tr.append(...cells);
  return tr;
}

export function replaceRows(tbody, rows, emptyText, columns) {
  if (rows.length === 0 && emptyText) {
    const td = cell(emptyText, { className: 'empty' });
    td.colSpan = columns;
    rows = [row([td])];
  }
  tbody.replaceChildren(...rows);
}

/** Brings row `old` to `fresh` cell by cell, replacing only the cells whose text, class or CSV
 * value changed: a live update (a reading every second) must not replace a button someone is
 * about to press. Answers the row that is now in the table. */
export function patchRow(old, fresh) {
  if (!old || old.cells.length !== fresh.cells.length) {
    old?.replaceWith(fresh);
    return fresh;
  }
  // An action's error note (confirm.js showActionError) is not the row's data: it stays.
  const text = (c) => {
    const note = c.querySelector('.action-error');
    return note ? c.textContent.replace(note.textContent, '') : c.textContent;
  };
  const same = (a, b) => text(a) === text(b) && a.className === b.className && a.dataset.csv === b.dataset.csv && a.title === b.title;
  [...fresh.cells].forEach((cell, i) => {
    const current = old.cells[i];
    if (!same(current, cell)) current.replaceWith(cell);
  });
  for (const [key, value] of Object.entries(fresh.dataset)) old.dataset[key] = value;
  return old;
}
