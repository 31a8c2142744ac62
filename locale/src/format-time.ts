// One time style everywhere (pages, report, CLI): sandbox-local, in the reader's locale, with the
// zone named once in a header (zoneLabel) rather than on every time. UTC appears only where it
// is labelled as such (formatUtc). `--from/--to` without an offset are read in the sandbox's
// zone (parseSandboxTime).

export interface TimeFormat {
  locale: string;
  /** IANA zone of the sandbox */
  timeZone: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

const ok = (ms: unknown): ms is number => typeof ms === 'number' && Number.isFinite(ms);

/** "22 thg 11, 2026 10:15:00" (vi) / "Nov 22, 2026, 10:15:00" (en), in the sandbox zone. */
export function formatTime(ms: number | undefined | null, { locale, timeZone }: TimeFormat): string {
  if (!ok(ms)) return '—';
  return dateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h23' }).format(ms);
}

/** Time of day only ("10:15", or "10:15:30" with seconds), for charts and same-day lists. */
export function formatClock(ms: number | undefined | null, { locale, timeZone }: TimeFormat, { seconds = false } = {}): string {
  if (!ok(ms)) return '—';
  return dateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23' }).format(ms);
}

/** A day ("22 thg 11" / "Nov 22"), for chart axes over several days. */
export function formatDay(ms: number | undefined | null, { locale, timeZone }: TimeFormat): string {
  if (!ok(ms)) return '—';
  return dateTimeFormat(locale, { timeZone, day: 'numeric', month: 'short' }).format(ms);
}

/** An interval as one range, the date once when both ends share it: "Nov 22, 2026, 10:00 – 10:15". */
export function formatInterval(startMs: number | undefined | null, endMs: number | undefined | null, { locale, timeZone }: TimeFormat): string {
  if (!ok(startMs) || !ok(endMs)) return '—';
  return dateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).formatRange(startMs, endMs);
}

/** The zone as the header names it once: "Asia/Ho_Chi_Minh (GMT+7)". */
export function zoneLabel(timeZone: string, locale: string, atMs = Date.now()): string {
  const offset = dateTimeFormat('en', { timeZone, timeZoneName: 'shortOffset' })
    .formatToParts(atMs)
    .find((p) => p.type === 'timeZoneName')?.value;
  void locale; // the IANA name and GMT offset read the same in every language
  return offset && offset !== timeZone ? `${timeZone} (${offset})` : timeZone;
}

/** UTC, always labelled: "2026-11-22 03:15:00 UTC". */
export function formatUtc(ms: number | undefined | null): string {
  if (!ok(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Minutes east of UTC of `timeZone` at `atMs`. */
export function zoneOffsetMinutes(timeZone: string, atMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of dateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(atMs))
    parts[p.type] = p.value;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(atMs / 1000) * 1000) / 60_000);
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** An ISO 8601 time as epoch ms: with `Z` or an offset as given; without one (2026-11-22,
 * 2026-11-22T10:15) as wall time in the sandbox's zone. undefined when it is neither. */
export function parseSandboxTime(text: string, timeZone: string): number | undefined {
  if (WITH_OFFSET.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const m = LOCAL.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m.slice(1);
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0')));
  const check = new Date(wall);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23) return undefined;
  // The offset at the wall time read as UTC, then once more at the result (a DST edge moves it).
  let ms = wall - zoneOffsetMinutes(timeZone, wall) * 60_000;
  ms = wall - zoneOffsetMinutes(timeZone, ms) * 60_000;
  return ms;
}
