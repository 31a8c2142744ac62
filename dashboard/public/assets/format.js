// What the pages format that is not language: short hashes, and integers turned into floats for
// drawing only. Money, energy and times are formatted by @feedin/locale through ./i18n.js.

/** 0x1234…cdef for long hashes; the full value goes in the title and the CSV. */
export function shortHex(hex) {
  if (typeof hex !== 'string') return '—';
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

/** A decimal string of an integer as a float for charts only (never for showing money). */
export function toChartNumber(integerString, decimals) {
  return Number(integerString) / 10 ** decimals;
}
