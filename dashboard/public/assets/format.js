// Formatting for the pages. Energy and money arrive as decimal strings of integers (bigints on
// the server) and are shown by moving the decimal point on the digits, never through a float:
// 12345 Wh is "12.345" kWh exactly, and an amount of 10^20 base units keeps every digit.

/** "12345", 3 → "12.345"; "-5", 3 → "-0.005"; grouping the integer part with thin spaces. */
export function formatUnits(integerString, decimals, { group = true } = {}) {
  const text = String(integerString);
  if (!/^-?\d+$/.test(text)) return '—';
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).replace(/^0+(?=\d)/, '').padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals > 0 ? '.' + digits.slice(digits.length - decimals) : '';
  const grouped = group ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009') : whole;
  return (negative ? '-' : '') + grouped + fraction;
}

/** Wh (decimal string) as kWh with three decimals, exact. */
export function formatKWh(wh, options) {
  return formatUnits(wh, 3, options);
}

/** Token base units as whole tokens with the token's decimals, exact, with its symbol. */
export function formatAmount(amount, token, options) {
  return `${formatUnits(amount, token.decimals, options)} ${token.symbol}`;
}

// Building an Intl.DateTimeFormat costs far more than using one: one per zone, reused (a
// 10,000-meter table formats 10,000 times).
const timeFormats = new Map();
function timeFormat(timeZone) {
  let f = timeFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    timeFormats.set(timeZone, f);
  }
  return f;
}

/** Epoch ms as "2026-11-22 10:15:00" in the sandbox time zone (sortable, unambiguous with the zone shown once). */
export function formatTime(ms, timeZone) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const parts = {};
  for (const p of timeFormat(timeZone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** An interval as "10:00–10:15" (same day) in the sandbox time zone. */
export function formatInterval(startMs, endMs, timeZone) {
  const start = formatTime(startMs, timeZone);
  const end = formatTime(endMs, timeZone);
  return start.slice(0, 10) === end.slice(0, 10) ? `${start.slice(0, 16)}–${end.slice(11, 16)}` : `${start.slice(0, 16)}–${end.slice(0, 16)}`;
}

/** W as kW with three decimals (capacity), exact. */
export function formatKW(watts) {
  return formatUnits(String(watts), 3);
}

/** 0x1234…cdef for long hashes; the full value goes in the title and the CSV. */
export function shortHex(hex) {
  if (typeof hex !== 'string') return '—';
  return hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-6)}` : hex;
}

/** A decimal string of an integer as a float for charts only (never for showing money). */
export function toChartNumber(integerString, decimals) {
  return Number(integerString) / 10 ** decimals;
}
