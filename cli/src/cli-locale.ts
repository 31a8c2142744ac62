// The CLI's human-readable output in the reader's language with the pages' formats
// (@feedin/locale): Vietnamese or English, money in the sandbox currency, energy in kWh, times
// sandbox-local with the zone named once. JSON and CSV output never go through here (raw base
// units and UTC ISO 8601, for tools). Language: FEEDIN_LANG (vi|en), else the sandbox's locale
// (docs/cli.md), else English.
import { formatLocaleFor, isLanguage, languageOf, type Language } from '@feedin/locale/language';
import { formatCount, formatKW, formatKWh, formatMoney } from '@feedin/locale/format-number';
import { formatInterval, formatTime, formatUtc, parseSandboxTime, zoneLabel } from '@feedin/locale/format-time';
import { createTranslator, type Translate } from '@feedin/locale/translator';
import { loadConfig } from '@feedin/sandbox-config/load-config';
import { sandboxPresentation } from '@feedin/sandbox-config/presentation';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { CliError } from './cli-error.js';

export interface CliLocale {
  language: Language;
  t: Translate;
  timeZone: string;
  money(baseUnits: bigint | string | number): string;
  kWh(wh: bigint | string | number, decimals?: number): string;
  kW(watts: bigint | string | number): string;
  count(n: bigint | string | number): string;
  time(ms: number): string;
  interval(startMs: number, endMs: number): string;
  utc(ms: number): string;
  /** "Asia/Ho_Chi_Minh (GMT+7)" — said once, in a heading line */
  zone(atMs?: number): string;
  household(id: string): string;
}

export function cliLocale(config: SandboxConfig | undefined, env: NodeJS.ProcessEnv = process.env): CliLocale {
  const shown = config ? sandboxPresentation(config) : undefined;
  const language = isLanguage(env.FEEDIN_LANG) ? env.FEEDIN_LANG : languageOf(shown?.locale);
  const locale = formatLocaleFor(language, shown?.locale);
  const timeZone = config?.sandbox.timeZone ?? 'UTC';
  const when = { locale, timeZone };
  const token = config ? { symbol: config.chain.token.symbol, decimals: config.chain.token.decimals } : { symbol: 'sVND', decimals: 0 };
  const names = shown?.householdNames ?? {};
  return {
    language,
    t: createTranslator(language),
    timeZone,
    money: (v) => formatMoney(v, { locale, token, currency: shown?.currency ?? null }),
    kWh: (wh, decimals) => formatKWh(wh, locale, decimals),
    kW: (w) => formatKW(w, locale),
    count: (n) => formatCount(n, locale),
    time: (ms) => formatTime(ms, when),
    interval: (a, b) => formatInterval(a, b, when),
    utc: formatUtc,
    zone: (atMs) => zoneLabel(timeZone, locale, atMs),
    household: (id) => names[id] ?? id,
  };
}

/** For commands that need no sandbox (ocmf verify): the sandbox file's locale when it loads. */
export function cliLocaleFromEnv(env: NodeJS.ProcessEnv = process.env): CliLocale {
  const loaded = loadConfig({ env });
  return cliLocale(loaded.ok ? loaded.config : undefined, env);
}

/** A --from/--to time: ISO 8601 with an offset as given, without one in the sandbox's zone. */
export function sandboxTimeOption(name: string, value: string, timeZone: string): number {
  const ms = parseSandboxTime(value, timeZone);
  if (ms === undefined) throw new CliError(`--${name}: ${JSON.stringify(value)} is not an ISO 8601 time (2026-11-22T10:15, read in ${timeZone}, or with an offset: 2026-11-22T10:15:00+07:00)`);
  return ms;
}
