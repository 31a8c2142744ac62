// A household's consumption: a seeded base load plus a morning and an evening peak (and some
// midday cooling, as in Ho Chi Minh City), with 5-minute jitter. Local clock time, not solar
// time, drives people, so the model takes the sandbox's UTC offset.
import { uniformAt } from './seeded-random.js';

const MINUTE_MS = 60_000;
const JITTER_SLOT_MS = 5 * MINUTE_MS;

export interface HouseholdLoadParameters {
  seed: number;
  utcOffsetMinutes: number;
}

function bump(minuteOfDay: number, centreMin: number, widthMin: number): number {
  // distance on the 24 h circle, so a peak near midnight wraps
  const d = Math.min(Math.abs(minuteOfDay - centreMin), 1440 - Math.abs(minuteOfDay - centreMin));
  return Math.exp(-0.5 * (d / widthMin) ** 2);
}

export function createHouseholdLoad({ seed, utcOffsetMinutes }: HouseholdLoadParameters): (timeMs: number) => number {
  const u = (stream: number) => uniformAt(seed, 100 + stream, 0);
  const baseW = 150 + 250 * u(0);
  const morningW = 300 + 600 * u(1);
  const morningCentreMin = 6.5 * 60 + 60 * (u(2) - 0.5);
  const middayW = 100 + 500 * u(3);
  const eveningW = 800 + 1200 * u(4);
  const eveningCentreMin = 19 * 60 + 90 * (u(5) - 0.5);
  return (timeMs) => {
    const localMs = timeMs + utcOffsetMinutes * MINUTE_MS;
    const minuteOfDay = (((localMs / MINUTE_MS) % 1440) + 1440) % 1440;
    const jitter = 0.8 + 0.4 * uniformAt(seed, 200, Math.floor(localMs / JITTER_SLOT_MS));
    return (
      jitter *
      (baseW +
        morningW * bump(minuteOfDay, morningCentreMin, 45) +
        middayW * bump(minuteOfDay, 14 * 60, 120) +
        eveningW * bump(minuteOfDay, eveningCentreMin, 90))
    );
  };
}
