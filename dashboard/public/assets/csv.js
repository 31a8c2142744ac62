// "CSV" buttons: a table as RFC 4180 CSV (quotes doubled, CRLF line ends), downloaded as a file.
// Cells may carry the exact value in data-csv (full hashes, unformatted integers); a text cell
// that a spreadsheet would run as a formula is prefixed with ' (OWASP CSV injection).

export function csvField(value) {
  let text = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvFromRows(rows) {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function tableToCsv(table) {
  const rows = [...table.querySelectorAll('tr')].map((tr) => [...tr.children].map((cell) => cell.dataset.csv ?? cell.textContent.trim()));
  return csvFromRows(rows);
}

export function downloadCsv(table, fileName) {
  downloadCsvText(tableToCsv(table), fileName);
}

/** For tables that show a page of a longer list: the CSV has every row, built from the data. */
export function downloadCsvText(text, fileName) {
  const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
