// Money and energy from integers, in both languages: grouping, symbol placement, exact digits
// beyond 2^53, no float anywhere (the values below would lose digits as Numbers).
import { describe, expect, it } from 'vitest';
import { decimalString, formatCount, formatKW, formatKWh, formatMoney, formatPercent, wattsFromKW } from './format-number.js';

const VND = { token: { symbol: 'sVND', decimals: 0 }, currency: 'VND' };
// Intl puts a no-break space between the amount and ₫ in Vietnamese.
const nb = (s: string) => s.replace(/ /g, '\u00a0');

describe('formatMoney', () => {
  it('groups the Vietnamese way with the symbol after, the English way with the symbol before', () => {
    expect(formatMoney(1234n, { locale: 'vi-VN', ...VND })).toBe(nb('1.234 ₫'));
    expect(formatMoney(1234n, { locale: 'en', ...VND })).toBe('₫1,234');
    expect(formatMoney('0', { locale: 'vi-VN', ...VND })).toBe(nb('0 ₫'));
    expect(formatMoney(-5000n, { locale: 'en', ...VND })).toBe('-₫5,000');
  });

  it('keeps every digit of amounts far beyond 2^53', () => {
    const big = 123456789012345678901234567890n;
    expect(formatMoney(big, { locale: 'vi-VN', ...VND })).toBe(nb('123.456.789.012.345.678.901.234.567.890 ₫'));
    expect(formatMoney(big.toString(), { locale: 'en', ...VND })).toBe('₫123,456,789,012,345,678,901,234,567,890');
    expect(Number(big).toLocaleString('en')).not.toContain('567,890'); // what a float would print
  });

  it('shows token decimals exactly: the currency’s own digits, more only when the amount has them', () => {
    const usdc = { token: { symbol: 'sUSD', decimals: 6 }, currency: 'USD' };
    expect(formatMoney(3_500_000n, { locale: 'en', ...usdc })).toBe('$3.50');
    expect(formatMoney(3_500n, { locale: 'en', ...usdc })).toBe('$0.0035');
    expect(formatMoney(1_234_567_891n, { locale: 'vi-VN', ...usdc })).toBe(nb('1.234,567891 US$'));
  });

  it('shows the token symbol when the token stands for no currency', () => {
    expect(formatMoney(1234n, { locale: 'vi-VN', token: { symbol: 'PTS', decimals: 0 }, currency: null })).toBe('1.234 PTS');
    expect(formatMoney(1234n, { locale: 'en', token: { symbol: 'PTS', decimals: 2 }, currency: null })).toBe('12.34 PTS');
  });

  it('answers — for what is not an integer', () => {
    for (const bad of ['1.5', '', 'abc', 1.5, undefined]) expect(formatMoney(bad as never, { locale: 'en', ...VND })).toBe('—');
  });
});

describe('energy and counts', () => {
  it('shows Wh as kWh with the decimals asked for, rounding half away from zero, exact at 3', () => {
    expect(formatKWh(987654n, 'vi-VN')).toBe('987,654');
    expect(formatKWh('987654', 'en')).toBe('987.654');
    expect(formatKWh(1750, 'en', 2)).toBe('1.75');
    expect(formatKWh(1755, 'en', 2)).toBe('1.76');
    expect(formatKWh(1234567890, 'vi-VN', 1)).toBe('1.234.567,9');
    expect(formatKWh(5, 'en')).toBe('0.005');
    expect(formatKWh(0, 'en', 1)).toBe('0.0');
    expect(formatKWh(123456789012345678901n, 'en')).toBe('123,456,789,012,345,678.901');
  });

  it('shows W as kW without trailing zeros', () => {
    expect(formatKW(5000, 'en')).toBe('5');
    expect(formatKW(4500, 'vi-VN')).toBe('4,5');
    expect(formatKW(4001, 'en')).toBe('4.001');
  });

  it('groups counts and computes percentages from integers', () => {
    expect(formatCount(10000, 'vi-VN')).toBe('10.000');
    expect(formatCount(10000, 'en')).toBe('10,000');
    expect(formatPercent(3500n, 100000000n, 'en')).toBe('0.00%');
    expect(formatPercent('1', '3', 'vi-VN')).toBe('33,33%');
    expect(formatPercent('1', '0', 'en')).toBe('—');
  });

  it('moves the decimal point on the digits', () => {
    expect(decimalString(12345n, 3)).toBe('12.345');
    expect(decimalString(-5n, 3)).toBe('-0.005');
    expect(decimalString('7', 0)).toBe('7');
    expect(() => decimalString('1.5', 2)).toThrow(TypeError);
  });
});

describe('wattsFromKW', () => {
  it('reads kW as typed into exact integer watts', () => {
    expect(wattsFromKW('5')).toBe(5000);
    expect(wattsFromKW('4.5')).toBe(4500);
    expect(wattsFromKW('4,5')).toBe(4500);
    expect(wattsFromKW(' 0.250 ')).toBe(250);
    expect(wattsFromKW('0.001')).toBe(1);
  });
  it('refuses what is not a positive kW figure with at most 3 decimals', () => {
    for (const bad of ['', '0', '0.000', '-1', '1.0001', '1e3', 'abc', '1.2.3']) expect(wattsFromKW(bad)).toBeUndefined();
  });
});
