// Money and energy as people read them, from integers without floats (STYLE: energy and money
// are integers end to end). The integer is turned into an exact decimal string by moving the
// point on its digits, and Intl.NumberFormat formats that string (ECMA-402 reads a numeric
// string as an exact decimal, so 10^30 base units keep every digit and get local grouping):
// `1.234 ₫` in vi-VN, `₫1,234` in English.

/** 12345n, 3 → "12.345"; -5n, 3 → "-0.005". The exact value, never rounded. */
export function decimalString(integer: bigint | string | number, decimals: number): string {
  const text = typeof integer === 'bigint' ? integer.toString() : String(integer);
  if (!/^-?\d+$/.test(text)) throw new TypeError(`decimalString: an integer, got ${JSON.stringify(integer)}`);
  if (decimals === 0) return text;
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).padStart(decimals + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

const isInteger = (v: unknown): v is bigint | string | number =>
  typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));

// Building a NumberFormat costs far more than using one; pages format thousands of cells.
const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f;
}
// ECMA-402: format() takes an exact decimal string; the DOM/TS lib types say number | bigint.
const formatDecimal = (f: Intl.NumberFormat, decimal: string) => f.format(decimal as unknown as number);

export interface MoneyFormat {
  /** BCP 47, e.g. vi-VN */
  locale: string;
  /** the settlement token: its base units are 10^-decimals of one token */
  token: { symbol: string; decimals: number };
  /** ISO 4217 code the sandbox token stands for (1 token = 1 unit of it), or null to show the token symbol */
  currency: string | null;
}

/** Base units of the settlement token as money: exact, with the currency's symbol and the
 * locale's grouping. Fraction digits: the currency's own (0 for VND, 2 for USD), more only when
 * the amount has them (never rounds value away). */
export function formatMoney(baseUnits: bigint | string | number, { locale, token, currency }: MoneyFormat): string {
  if (!isInteger(baseUnits)) return '—';
  const decimal = decimalString(baseUnits, token.decimals);
  if (!currency) return `${formatDecimal(numberFormat(locale, { maximumFractionDigits: token.decimals }), decimal)} ${token.symbol}`;
  const minor = numberFormat(locale, { style: 'currency', currency }).resolvedOptions().minimumFractionDigits ?? 0;
  const digits = Math.max(minor, token.decimals);
  return formatDecimal(numberFormat(locale, { style: 'currency', currency, minimumFractionDigits: Math.min(minor, digits), maximumFractionDigits: digits }), decimal);
}

/** Wh as kWh with `decimals` (0-3) fraction digits, rounded half away from zero: 3 is exact. */
export function formatKWh(wh: bigint | string | number, locale: string, decimals = 3): string {
  if (!isInteger(wh)) return '—';
  return formatDecimal(numberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals, roundingMode: 'halfExpand' }), decimalString(wh, 3));
}

/** W as kW, exact, without trailing zeros: 5000 → "5", 4500 → "4,5" (vi). */
export function formatKW(watts: bigint | string | number, locale: string): string {
  if (!isInteger(watts)) return '—';
  return formatDecimal(numberFormat(locale, { maximumFractionDigits: 3 }), decimalString(watts, 3));
}

/** kW as typed into a form ("5", "4.5", "4,5", "0.250") → integer W, exact (formatKW's inverse);
 * undefined for anything else, a negative value or more than 3 decimals (below 1 W). */
export function wattsFromKW(text: string): number | undefined {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,3}))?\s*$/.exec(text);
  if (!m) return undefined;
  const watts = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  return watts > 0 ? watts : undefined;
}

/** A plain integer count with local grouping. */
export function formatCount(n: bigint | string | number, locale: string): string {
  if (!isInteger(n)) return '—';
  return formatDecimal(numberFormat(locale, {}), String(n));
}

/** part/whole as a percentage with two decimals, from integers. */
export function formatPercent(part: bigint | string, whole: bigint | string, locale: string): string {
  const w = BigInt(whole);
  if (w === 0n) return '—';
  // basis points of a hundredth: 10000 × part / whole, then two decimals of a percent
  const bp = (BigInt(part) * 10000n) / w;
  return formatDecimal(numberFormat(locale, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }), decimalString(bp, 4));
}
