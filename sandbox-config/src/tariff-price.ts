// The price of one interval's export (docs/design.md §Claims): the tariff period valid at the
// interval's start, then the time-of-use band holding its local start time, else the period's
// price. Prices are looked up by the interval's own time, so a past interval keeps the price valid
// then. Pure.
import type { TariffConfig } from './schema.js';

const MINUTE_MS = 60_000;
const DAY_MINUTES = 1440;

/** Token base units per kWh, or undefined when no period of the tariff covers the interval. */
export function pricePerKWhAt(tariff: TariffConfig, intervalStartMs: number, utcOffsetMinutes: number): bigint | undefined {
  if (!Number.isFinite(intervalStartMs)) throw new TypeError(`intervalStartMs: expected a finite number, got ${intervalStartMs}`);
  if (!Number.isInteger(utcOffsetMinutes)) throw new TypeError(`utcOffsetMinutes: expected an integer, got ${utcOffsetMinutes}`);
  // Periods are half-open [validFrom, validTo): the instant a new price starts belongs to it alone.
  const period = tariff.periods.find(
    (p) => Date.parse(p.validFrom) <= intervalStartMs && (p.validTo === undefined || intervalStartMs < Date.parse(p.validTo)),
  );
  if (!period) return undefined;
  const localMinute = mod(Math.floor(intervalStartMs / MINUTE_MS) + utcOffsetMinutes, DAY_MINUTES);
  const band = (period.timeOfUse ?? []).find((b) => inBand(localMinute, minuteOf(b.from), minuteOf(b.to)));
  return band ? band.pricePerKWh : period.pricePerKWh;
}

/** [from, to) in local minutes; a band with to < from wraps over midnight (22:00-06:00). */
function inBand(minute: number, from: number, to: number): boolean {
  return from <= to ? from <= minute && minute < to : minute >= from || minute < to;
}

function minuteOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
