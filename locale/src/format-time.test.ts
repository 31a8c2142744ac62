// Times in the sandbox's zone in both languages, the zone named once, UTC only when labelled,
// and CLI times without an offset read in the sandbox's zone.
import { describe, expect, it } from 'vitest';
import { formatClock, formatInterval, formatTime, formatUtc, parseSandboxTime, zoneLabel, zoneOffsetMinutes } from './format-time.js';

const HCM = 'Asia/Ho_Chi_Minh';
const at = Date.parse('2026-11-22T03:15:00Z'); // 10:15 in Ho Chi Minh City

describe('formatTime and formatInterval', () => {
  it('shows sandbox-local time in the reader’s locale', () => {
    expect(formatTime(at, { locale: 'vi-VN', timeZone: HCM })).toBe('10:15:00 22 thg 11, 2026');
    expect(formatTime(at, { locale: 'en', timeZone: HCM })).toBe('Nov 22, 2026, 10:15:00');
    expect(formatTime(at, { locale: 'en', timeZone: 'UTC' })).toBe('Nov 22, 2026, 03:15:00');
    expect(formatClock(at, { locale: 'vi-VN', timeZone: HCM })).toBe('10:15');
    expect(formatClock(at + 30_000, { locale: 'en', timeZone: HCM }, { seconds: true })).toBe('10:15:30');
    expect(formatTime(undefined, { locale: 'en', timeZone: HCM })).toBe('—');
  });

  it('shows an interval with its date once, and both dates across midnight', () => {
    const en = { locale: 'en', timeZone: HCM };
    expect(formatInterval(at, at + 900_000, en).replace(/\s/g, ' ')).toBe('Nov 22, 2026, 10:15 – 10:30');
    expect(formatInterval(at, at + 900_000, { locale: 'vi-VN', timeZone: HCM }).replace(/\s/g, ' ')).toBe('10:15–10:30 22 thg 11, 2026');
    const lateMs = Date.parse('2026-11-22T16:45:00Z'); // 23:45 local
    expect(formatInterval(lateMs, lateMs + 900_000, en).replace(/\s/g, ' ')).toBe('Nov 22, 2026, 23:45 – Nov 23, 2026, 00:00');
  });

  it('names the zone once and labels UTC', () => {
    expect(zoneLabel(HCM, 'vi-VN', at)).toBe('Asia/Ho_Chi_Minh (GMT+7)');
    expect(zoneLabel('UTC', 'en', at)).toBe('UTC (GMT+0)');
    expect(formatUtc(at)).toBe('2026-11-22 03:15:00 UTC');
  });
});

describe('parseSandboxTime', () => {
  it('reads a time without offset in the sandbox zone, one with an offset as given', () => {
    expect(parseSandboxTime('2026-11-22T10:15', HCM)).toBe(at);
    expect(parseSandboxTime('2026-11-22T10:15:00', HCM)).toBe(at);
    expect(parseSandboxTime('2026-11-22', HCM)).toBe(Date.parse('2026-11-21T17:00:00Z'));
    expect(parseSandboxTime('2026-11-22T03:15:00Z', HCM)).toBe(at);
    expect(parseSandboxTime('2026-11-22T10:15:00+07:00', 'Europe/Berlin')).toBe(at);
  });

  it('follows daylight saving time in zones that have it', () => {
    // Berlin: CET (UTC+1) in winter, CEST (UTC+2) in summer.
    expect(parseSandboxTime('2026-01-15T12:00', 'Europe/Berlin')).toBe(Date.parse('2026-01-15T11:00:00Z'));
    expect(parseSandboxTime('2026-07-15T12:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-15T10:00:00Z'));
    expect(zoneOffsetMinutes('America/New_York', Date.parse('2026-07-01T12:00:00Z'))).toBe(-240);
  });

  it('refuses what is not a time', () => {
    for (const bad of ['2026-02-30', '2026-11-22T25:00', 'yesterday', '10:15', '2026-11-22T10:15+7']) expect(parseSandboxTime(bad, HCM), bad).toBeUndefined();
  });
});
