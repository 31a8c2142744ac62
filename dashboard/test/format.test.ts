// The pages' hash and CSV formatting (plain browser modules, pure, so Node runs them). Money,
// energy and times: locale/src/format-*.test.ts.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module of the pages, no type declarations
import { shortHex, toChartNumber } from '../public/assets/format.js';
// @ts-expect-error plain ES module of the pages, no type declarations
import { csvField, csvFromRows } from '../public/assets/csv.js';

describe('hashes and chart numbers', () => {
  it('shortens hashes', () => {
    expect(shortHex('0x' + 'ab'.repeat(32))).toBe('0xababab…ababab');
    expect(shortHex('0x12')).toBe('0x12');
  });

  it('turns integers into floats for drawing only', () => {
    expect(toChartNumber('1750', 3)).toBe(1.75);
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
