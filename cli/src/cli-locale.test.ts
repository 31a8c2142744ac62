// The CLI's language and formats: the default sandbox (vi-VN) reads Vietnamese, FEEDIN_LANG
// overrides it; money, energy and times as on the pages; --from/--to without an offset are
// sandbox-local.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@feedin/sandbox-config/load-config';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { CliError } from './cli-error.js';
import { cliLocale, sandboxTimeOption } from './cli-locale.js';

const loaded = loadConfig({ env: {} });
if (!loaded.ok) throw new Error('the default sandbox file must load');
const config: SandboxConfig = loaded.config;
const at = Date.parse('2026-11-22T03:15:00Z');
const ws = (s: string) => s.replace(/\s/g, ' ');

describe('cliLocale', () => {
  it('speaks Vietnamese for the default sandbox, with its currency, zone and names', () => {
    const loc = cliLocale(config, {});
    expect(loc.language).toBe('vi');
    expect(ws(loc.money(1234n))).toBe('1.234 ₫');
    expect(loc.kWh('987654')).toBe('987,654');
    expect(loc.time(at)).toBe('10:15:00 22 thg 11, 2026');
    expect(loc.zone(at)).toBe('Asia/Ho_Chi_Minh (GMT+7)');
    expect(loc.household('hh-01')).toBe('Nguyễn Văn An — Quận 7');
    expect(loc.t('cli.auditMeter.sum.readings', { count: 1 })).toBe('1 số đọc');
  });

  it('speaks English when FEEDIN_LANG=en, with English plurals', () => {
    const loc = cliLocale(config, { FEEDIN_LANG: 'en' });
    expect(loc.language).toBe('en');
    expect(loc.money(1234n)).toBe('₫1,234');
    expect(loc.time(at)).toBe('Nov 22, 2026, 10:15:00');
    expect(loc.t('cli.auditMeter.sum.readings', { count: 1 })).toBe('1 reading');
    expect(loc.t('cli.auditMeter.sum.readings', { count: 3 })).toBe('3 readings');
  });

  it('falls back to English and UTC without a sandbox, and ignores an unknown FEEDIN_LANG', () => {
    expect(cliLocale(undefined, {}).language).toBe('en');
    expect(cliLocale(undefined, {}).timeZone).toBe('UTC');
    expect(cliLocale(config, { FEEDIN_LANG: 'fr' }).language).toBe('vi');
  });
});

describe('sandboxTimeOption', () => {
  it('reads a time without offset in the sandbox zone, one with an offset as given', () => {
    expect(sandboxTimeOption('from', '2026-11-22T10:15', 'Asia/Ho_Chi_Minh')).toBe(at);
    expect(sandboxTimeOption('from', '2026-11-22T03:15:00Z', 'Asia/Ho_Chi_Minh')).toBe(at);
    expect(sandboxTimeOption('to', '2026-11-22T10:15:00+07:00', 'UTC')).toBe(at);
  });

  it('names the option and the zone when the time is not one', () => {
    expect(() => sandboxTimeOption('to', 'tomorrow', 'Asia/Ho_Chi_Minh')).toThrow(CliError);
    expect(() => sandboxTimeOption('to', 'tomorrow', 'Asia/Ho_Chi_Minh')).toThrow('--to: "tomorrow" is not an ISO 8601 time (2026-11-22T10:15, read in Asia/Ho_Chi_Minh, or with an offset: 2026-11-22T10:15:00+07:00)');
  });
});
