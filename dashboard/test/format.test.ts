// The pages' hash and CSV formatting (plain browser modules, pure, so Node runs them). Money,
// energy and times: locale/src/format-*.test.ts.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module of the pages, no type declarations
import { shortHex, toChartNumber } from '../public/assets/format.js';
// @ts-expect-error plain ES module of the pages, no type declarations
import { csvField, csvFromRows } from '../public/assets/csv.js';
// @ts-expect-error plain ES module of the pages, no type declarations
import { numberValues, timeAxis, timeLegend } from '../public/assets/chart.js';
import { formatClock, formatDay, formatTime } from '@feedin/locale/format-time';

describe('hashes and chart numbers', () => {
  it('shortens hashes', () => {
    expect(shortHex('0x' + 'ab'.repeat(32))).toBe('0xababab…ababab');
    expect(shortHex('0x12')).toBe('0x12');
  });

  it('turns integers into floats for drawing only', () => {
    expect(toChartNumber('1750', 3)).toBe(1.75);
  });
});

describe('chart axes in the page locale and the sandbox zone', () => {
  const locOf = (locale: string) => {
    const when = { locale, timeZone: 'Asia/Ho_Chi_Minh' };
    return { locale, clock: (ms: number, o?: { seconds?: boolean }) => formatClock(ms, when, o), day: (ms: number) => formatDay(ms, when), time: (ms: number) => formatTime(ms, when) };
  };
  const t0 = Date.parse('2026-11-22T03:00:00Z') / 1000; // 10:00 local

  it('labels time ticks as local times of day, with seconds when they are close, and days over a long span', () => {
    const vi = timeAxis(locOf('vi-VN'));
    expect(vi.values(null, [t0, t0 + 900, t0 + 1800])).toEqual(['10:00', '10:15', '10:30']);
    expect(vi.values(null, [t0, t0 + 10, t0 + 20])).toEqual(['10:00:00', '10:00:10', '10:00:20']);
    expect(timeAxis(locOf('en')).values(null, [t0, t0 + 3 * 86_400])).toEqual(['Nov 22', 'Nov 25']);
    expect(timeAxis(locOf('vi-VN')).values(null, [t0, t0 + 3 * 86_400])).toEqual(['22 thg 11', '25 thg 11']);
    expect(timeLegend(locOf('vi-VN'))(null, t0)).toBe('10:00:00 22 thg 11, 2026');
  });

  it('labels value ticks with the locale’s separators', () => {
    expect(numberValues({ locale: 'vi-VN' })(null, [0, 1500.5, 3000])).toEqual(['0', '1.500,5', '3.000']);
    expect(numberValues({ locale: 'en' })(null, [0, 1500.5, 3000])).toEqual(['0', '1,500.5', '3,000']);
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
