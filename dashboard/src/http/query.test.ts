import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { parseAddress, parseBatchId, parseLimit, parseMeterId, parseTime, readQuery } from './query.js';

describe('parseTime', () => {
  it.each([
    ['0', 0],
    ['1795000000000', 1_795_000_000_000],
    ['2026-11-22T10:15:00+07:00', Date.parse('2026-11-22T03:15:00Z')],
    ['2026-11-22T03:15Z', Date.parse('2026-11-22T03:15:00Z')],
    ['2026-11-22T03:15:00.123Z', Date.parse('2026-11-22T03:15:00.123Z')],
    ['2028-02-29T00:00:00Z', Date.parse('2028-02-29T00:00:00Z')],
  ])('accepts %s', (raw, ms) => {
    expect(parseTime(raw)).toEqual({ ok: true, value: ms });
  });

  it.each(['', 'now', '2026-11-22', '2026-11-22T10:15:00', '2027-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-22T24:00:00Z', '1e12', '-1', '1234567890123456'])(
    'refuses %j',
    (raw) => {
      expect(parseTime(raw).ok).toBe(false);
    },
  );
});

describe('other parsers', () => {
  it('limits, batch ids, meter ids, addresses', () => {
    const limit = parseLimit(100);
    expect(limit('1')).toEqual({ ok: true, value: 1 });
    expect(limit('100')).toEqual({ ok: true, value: 100 });
    for (const bad of ['0', '101', '01', ' 5', '5 ', '']) expect(limit(bad).ok).toBe(false);
    expect(parseBatchId('18446744073709551616')).toEqual({ ok: true, value: '18446744073709551616' });
    for (const bad of ['0', '-1', '1.0', '0x1', '01']) expect(parseBatchId(bad).ok).toBe(false);
    expect(parseMeterId('HCMC-0001.a_b')).toEqual({ ok: true, value: 'HCMC-0001.a_b' });
    for (const bad of ['', 'a'.repeat(33), 'a/b', 'ä']) expect(parseMeterId(bad).ok).toBe(false);
    // EIP-55 (#17): any all-lower or all-upper address, and a mixed-case one only with its checksum.
    const checksummed = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'; // EIP-55's own example
    for (const good of [checksummed, checksummed.toLowerCase(), '0x' + checksummed.slice(2).toUpperCase()]) expect(parseAddress(good)).toEqual({ ok: true, value: good });
    expect(parseAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toEqual({
      ok: false,
      reason: 'invalid-address',
      detail: 'EIP-55 checksum mismatch: check the address for typos (or write it all lower case)',
    });
    expect(parseAddress('0x' + 'g'.repeat(40)).ok).toBe(false);
  });
});

describe('readQuery', () => {
  it('parses known parameters and refuses unknown and repeated ones', () => {
    expect(readQuery({ limit: '5' }, { limit: parseLimit(10), from: parseTime })).toEqual({ limit: 5 });
    expect(() => readQuery({ limt: '5' }, { limit: parseLimit(10) })).toThrow(
      new ApiError(400, 'unknown-parameter', 'unknown query parameter limt; known: limit', 'limt'),
    );
    expect(() => readQuery({ x: '1' }, {})).toThrow(new ApiError(400, 'unknown-parameter', 'unknown query parameter x', 'x'));
    expect(() => readQuery({ limit: ['1', '2'] }, { limit: parseLimit(10) })).toThrow(new ApiError(400, 'invalid-parameter', 'limit: give it once, as a plain value', 'limit'));
  });
});
