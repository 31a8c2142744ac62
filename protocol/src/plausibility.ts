// Plausibility flags for signed readings: what a valid signature alone cannot show. A meter (or
// whoever holds its key) can sign a register that could not have been produced, a snapshot that
// stopped moving, a time from an unsynchronised clock or a reading taken while the meter itself
// reported a fault. OCMF's own tooling (the S.A.F.E. transparency software) checks the signature
// and shows the fields; it does not judge them. These are warnings for an auditor, not verdicts:
// the gateway's validation rules decide what is paid, this module explains what looks wrong.
// Pure: no clock, no I/O.
import { parseOcmf } from './ocmf-parse.js';
import { readingFromRecord, type MeterReading } from './ocmf-reading.js';

export type PlausibilityFlag = 'export-above-capacity' | 'repeated-snapshot' | 'clock-not-synchronised' | 'meter-status-not-good';

export interface PlausibilityFinding {
  flag: PlausibilityFlag;
  meterId: string;
  /** PG number of the reading the finding is about (the later one for a pair or a run) */
  pagination: number;
  detail: string;
}

/** What plausibility needs of a reading: the decoded fields of a signed OCMF record. */
export type PlausibilityReading = Pick<MeterReading, 'meterId' | 'pagination' | 'importWh' | 'exportWh' | 'timestampMs' | 'utcOffsetMinutes' | 'clockStatus' | 'meterStatus'>;

export interface PlausibilityOptions {
  /** installed capacity of the meter's PV system, W (from the registry); undefined skips the check */
  capacityW?: number | undefined;
  /** export may exceed capacity × time by this share before it is flagged; default 100 (none) */
  marginPercent?: number;
  /** local daylight window [from, to) in minutes after local midnight; default 09:00–15:00 */
  daylightFromMinute?: number;
  daylightToMinute?: number;
  /** a frozen run must cover at least this much daylight to be flagged; default 120 minutes */
  minFrozenDaylightMinutes?: number;
}

const HOUR_MS = 3_600_000n;
const DEFAULTS = { marginPercent: 100, daylightFromMinute: 9 * 60, daylightToMinute: 15 * 60, minFrozenDaylightMinutes: 120 };

/**
 * Flags of one reading on its own. OCMF TM ends in the clock status: only `S` (synchronised) means
 * the time is traceable; `U` unknown, `I` informative, `R` relative are not. OCMF ST `G` is the only
 * good meter status (`T` timeout, `D` disconnected, `R` not found, `M` manipulated, `X` exchanged,
 * `I` incompatible, `O` out of range, `S` substituted, `E` other error, `F` read error).
 */
export function readingFindings(r: PlausibilityReading): PlausibilityFinding[] {
  const out: PlausibilityFinding[] = [];
  if (r.clockStatus !== 'S')
    out.push({ flag: 'clock-not-synchronised', meterId: r.meterId, pagination: r.pagination, detail: `F${r.pagination}: TM clock status ${JSON.stringify(r.clockStatus)}, not "S" (synchronised)` });
  if (r.meterStatus !== 'G')
    out.push({ flag: 'meter-status-not-good', meterId: r.meterId, pagination: r.pagination, detail: `F${r.pagination}: meter status ST ${JSON.stringify(r.meterStatus)}, not "G" (good)` });
  return out;
}

/** The most a PV system of `capacityW` can export in `elapsedMs`, in Wh (rounded down). */
export function maxExportWh(capacityW: number, elapsedMs: number, marginPercent = 100): bigint {
  if (!Number.isSafeInteger(capacityW) || capacityW < 0) throw new RangeError(`maxExportWh: capacityW must be a non-negative integer, got ${capacityW}`);
  if (!Number.isSafeInteger(elapsedMs) || elapsedMs < 0) throw new RangeError(`maxExportWh: elapsedMs must be a non-negative integer, got ${elapsedMs}`);
  return (BigInt(capacityW) * BigInt(elapsedMs) * BigInt(marginPercent)) / (HOUR_MS * 100n);
}

/** Export between two readings of one meter (`next` after `previous`) above capacity × time. */
export function pairFindings(previous: PlausibilityReading, next: PlausibilityReading, opts: PlausibilityOptions = {}): PlausibilityFinding[] {
  if (opts.capacityW === undefined) return [];
  const exportedWh = next.exportWh - previous.exportWh;
  const elapsedMs = Math.max(0, next.timestampMs - previous.timestampMs);
  const limitWh = maxExportWh(opts.capacityW, elapsedMs, opts.marginPercent ?? DEFAULTS.marginPercent);
  if (exportedWh <= limitWh) return [];
  return [
    {
      flag: 'export-above-capacity',
      meterId: next.meterId,
      pagination: next.pagination,
      detail: `F${previous.pagination}→F${next.pagination}: ${exportedWh} Wh exported in ${elapsedMs / 1000} s, more than ${opts.capacityW} W × time = ${limitWh} Wh`,
    },
  ];
}

/** Minutes of [fromMs, toMs] that fall in the local daylight window (reading's own UTC offset). */
export function daylightOverlapMinutes(fromMs: number, toMs: number, utcOffsetMinutes: number, window: { fromMinute: number; toMinute: number }): number {
  if (toMs <= fromMs) return 0;
  const DAY = 86_400_000;
  const localFrom = fromMs + utcOffsetMinutes * 60_000;
  const localTo = toMs + utcOffsetMinutes * 60_000;
  let total = 0;
  for (let day = Math.floor(localFrom / DAY) * DAY; day < localTo; day += DAY) {
    const start = Math.max(localFrom, day + window.fromMinute * 60_000);
    const end = Math.min(localTo, day + window.toMinute * 60_000);
    if (end > start) total += end - start;
  }
  return Math.floor(total / 60_000);
}

/**
 * Every finding over a chain of one meter's readings, in PG order. A repeated snapshot is a run of
 * consecutive readings (different PG and TM) whose import AND export registers are all identical,
 * whose first-to-last span covers at least `minFrozenDaylightMinutes` of the local daylight window:
 * a PV household whose meter measures neither export nor import for hours of daylight is either
 * offline in a way the meter hides, or a device re-signing an old snapshot. One finding per run,
 * on its last reading.
 */
export function chainFindings(readings: readonly PlausibilityReading[], opts: PlausibilityOptions = {}): PlausibilityFinding[] {
  const o = { ...DEFAULTS, ...opts };
  const out: PlausibilityFinding[] = [];
  let runStart = 0;
  const closeRun = (endIndex: number) => {
    const first = readings[runStart]!;
    const last = readings[endIndex]!;
    if (endIndex === runStart || last.timestampMs === first.timestampMs) return;
    const minutes = daylightOverlapMinutes(first.timestampMs, last.timestampMs, last.utcOffsetMinutes, { fromMinute: o.daylightFromMinute, toMinute: o.daylightToMinute });
    if (minutes < o.minFrozenDaylightMinutes) return;
    out.push({
      flag: 'repeated-snapshot',
      meterId: last.meterId,
      pagination: last.pagination,
      detail: `F${first.pagination}…F${last.pagination}: import ${last.importWh} Wh and export ${last.exportWh} Wh unchanged over ${(last.timestampMs - first.timestampMs) / 60_000} min, ${minutes} min of it in daylight`,
    });
  };
  readings.forEach((r, i) => {
    out.push(...readingFindings(r));
    if (i === 0) return;
    const previous = readings[i - 1]!;
    out.push(...pairFindings(previous, r, o));
    const same = r.importWh === previous.importWh && r.exportWh === previous.exportWh;
    if (!same) {
      closeRun(i - 1);
      runStart = i;
    }
  });
  if (readings.length > 0) closeRun(readings.length - 1);
  // stable: a run's finding lands after the readings that closed it, so order by PG again
  return out.sort((a, b) => a.pagination - b.pagination);
}

/**
 * The findings an audit bundle's two bracketing OCMF strings raise. Strings that do not parse give
 * no findings here: the bundle checks already fail them as malformed.
 */
export function bracketFindings(openingOcmf: string, closingOcmf: string, opts: PlausibilityOptions = {}): PlausibilityFinding[] {
  const decode = (text: string) => {
    const record = parseOcmf(text);
    if (!record.ok) return undefined;
    const reading = readingFromRecord(record.value);
    return reading.ok ? reading.value : undefined;
  };
  const opening = decode(openingOcmf);
  const closing = decode(closingOcmf);
  if (!opening || !closing) return [];
  return [...readingFindings(opening), ...readingFindings(closing), ...pairFindings(opening, closing, opts)];
}
