// The pages' number, time and CSV formatting (plain browser modules, pure, so Node runs them).
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module of the pages, no type declarations
import { formatAmount, formatInterval, formatKWh, formatTime, formatUnits, shortHex } from '../public/assets/format.js';
// @ts-expect-error plain ES module of the pages, no type declarations
import { csvField, csvFromRows } from '../public/assets/csv.js';

describe('formatUnits', () => {
  it.each([
    ['0', 3, '0.000'],
    ['5', 3, '0.005'],
    ['12345', 3, '12.345'],
    ['-5', 3, '-0.005'],
    ['1000000', 0, '1\u2009000\u2009000'],
    ['007', 2, '0.07'],
    // beyond 2^53: every digit kept (a float would print 123456789012345680000)
    ['123456789012345678901', 0, '123\u2009456\u2009789\u2009012\u2009345\u2009678\u2009901'],
    ['123456789012345678901', 18, '123.456789012345678901'],
    ['1.5', 3, '—'],
    ['', 3, '—'],
  ])('%s with %i decimals → %s', (value, decimals, shown) => {
    expect(formatUnits(value, decimals)).toBe(shown);
  });

  it('formats energy and amounts', () => {
    expect(formatKWh('987654')).toBe('987.654');
    expect(formatAmount('3500', { symbol: 'sVND', decimals: 0 })).toBe('3\u2009500 sVND');
    expect(formatAmount('3500', { symbol: 'USDC', decimals: 6 })).toBe('0.003500 USDC');
  });
});

describe('times', () => {
  it('shows times in the sandbox time zone', () => {
    const ms = Date.parse('2026-11-22T03:15:00Z');
    expect(formatTime(ms, 'Asia/Ho_Chi_Minh')).toBe('2026-11-22 10:15:00');
    expect(formatTime(ms, 'UTC')).toBe('2026-11-22 03:15:00');
    expect(formatInterval(ms, ms + 900_000, 'Asia/Ho_Chi_Minh')).toBe('2026-11-22 10:15–10:30');
    expect(formatInterval(Date.parse('2026-11-22T16:45:00Z'), Date.parse('2026-11-22T17:00:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026-11-22 23:45–2026-11-23 00:00');
    expect(formatTime(undefined, 'UTC')).toBe('—');
  });

  it('shortens hashes', () => {
    expect(shortHex('0x' + 'ab'.repeat(32))).toBe('0xababab…ababab');
    expect(shortHex('0x12')).toBe('0x12');
  });
});

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes and line breaks, ends lines with CRLF', () => {
    expect(csvFromRows([['a', 'b,c'], ['say "hi"', 'two\nlines']])).toBe('a,"b,c"\r\n"say ""hi""","two\nlines"\r\n');
  });

  it('defuses spreadsheet formulas but keeps negative numbers', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-12.5')).toBe('-12.5');
    expect(csvField(null)).toBe('');
  });
});
