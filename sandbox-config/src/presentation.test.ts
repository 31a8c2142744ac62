// The sandbox's locale and currency: validated when given, derived sensibly when not, and the
// default sandbox reads Vietnamese with its dong.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { parseConfigText } from './parse-config-text.js';
import { currencyOfSymbol, defaultLocale, sandboxPresentation } from './presentation.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test edits of raw config text
type Raw = any;
const minimal = (): Raw => parse(readFileSync(fileURLToPath(new URL('../test/minimal.sandbox.yaml', import.meta.url)), 'utf8'));
const parsed = (edit: (c: Raw) => void) => {
  const c = minimal();
  edit(c);
  return parseConfigText(JSON.stringify(c), { path: 'sandbox.json' });
};

describe('sandbox presentation', () => {
  it('the default sandbox is Vietnamese, in VND, with its households named', () => {
    const loaded = loadConfig({ env: {} });
    if (!loaded.ok) throw new Error('default sandbox must load');
    const p = sandboxPresentation(loaded.config);
    expect([p.locale, p.currency]).toEqual(['vi-VN', 'VND']);
    expect(p.householdNames['hh-01']).toBe('Nguyễn Văn An — Quận 7');
    expect(Object.keys(p.householdNames)).toHaveLength(loaded.config.participants.households.length);
  });

  it('derives the locale from the time zone and the currency from the token symbol when not given', () => {
    expect(defaultLocale('Asia/Ho_Chi_Minh')).toBe('vi-VN');
    expect(defaultLocale('Europe/Berlin')).toBe('en');
    expect(currencyOfSymbol('sVND')).toBe('VND');
    expect(currencyOfSymbol('EUR')).toBe('EUR');
    expect(currencyOfSymbol('sXYZ')).toBeNull(); // not a currency Intl knows
    expect(currencyOfSymbol('Points')).toBeNull();
    const r = parsed((c) => {
      delete c.sandbox.locale;
      delete c.sandbox.currency;
      c.sandbox.timeZone = 'Asia/Ho_Chi_Minh';
    });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(sandboxPresentation(r.config)).toMatchObject({ locale: 'vi-VN' });
  });

  it('refuses a locale or currency that is not one, and says what it wants', () => {
    const r = parsed((c) => {
      c.sandbox.locale = 'not a locale!';
      c.sandbox.currency = 'dong';
    });
    expect(r.ok ? [] : r.errors.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: 'sandbox.locale', message: 'a BCP 47 locale such as vi-VN or en-GB' },
      { path: 'sandbox.currency', message: 'an ISO 4217 currency code such as VND' },
    ]);
    const ok = parsed((c) => {
      c.sandbox.locale = 'en-GB';
      c.sandbox.currency = 'GBP';
    });
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(sandboxPresentation(ok.config)).toMatchObject({ locale: 'en-GB', currency: 'GBP' });
  });
});
