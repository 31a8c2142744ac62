// Interval math (docs/design.md §Claims): intervals of `minutes` aligned to UTC, [start, end).
// Boundary rule: the register value of a meter at boundary b is that of its last accepted
// reading with TM ≤ b, so a reading taken exactly at 10:15:00 closes the interval that ends
// at 10:15 (and opens the next one).
import { FeedinError } from './errors.js';

function periodMs(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) throw new FeedinError(`minutes: expected an integer 1..1440, got ${minutes}`);
  return minutes * 60_000;
}

export function intervalStartMs(timestampMs: number, minutes: number): number {
  const period = periodMs(minutes);
  return Math.floor(timestampMs / period) * period;
}

export function intervalEndMs(startMs: number, minutes: number): number {
  return startMs + periodMs(minutes);
}

/** The whole intervals covering [fromMs, toMs): from the one containing fromMs up to the last that ends ≤ toMs. */
export function intervalsBetween(fromMs: number, toMs: number, minutes: number): Array<{ startMs: number; endMs: number }> {
  const period = periodMs(minutes);
  const out: Array<{ startMs: number; endMs: number }> = [];
  for (let start = intervalStartMs(fromMs, minutes); start + period <= toMs; start += period) out.push({ startMs: start, endMs: start + period });
  return out;
}
