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
