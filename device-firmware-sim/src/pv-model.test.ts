import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPvModel } from './pv-model.js';
import { clearSkyGhi, solarPosition } from './solar-position.js';

// Ho Chi Minh City, UTC+7
const HCMC = { latitude: 10.7769, longitude: 106.7009, utcOffsetMinutes: 420 };
const DAY = Date.UTC(2026, 2, 20); // 2026-03-20, March equinox
const local = (h: number, m = 0) => DAY + (h * 60 + m - HCMC.utcOffsetMinutes) * 60_000;

describe('solarPosition', () => {
  it('has the declination of the solstices and equinox (±0.3°)', () => {
    const deg = (ms: number) => (solarPosition(ms, 0, 0).declination * 180) / Math.PI;
    expect(deg(Date.UTC(2026, 5, 21, 12))).toBeCloseTo(23.44, 0);
    expect(Math.abs(deg(Date.UTC(2026, 5, 21, 12)) - 23.44)).toBeLessThan(0.3);
    expect(Math.abs(deg(Date.UTC(2026, 11, 21, 12)) + 23.44)).toBeLessThan(0.3);
    expect(Math.abs(deg(Date.UTC(2026, 2, 20, 12)))).toBeLessThan(0.5);
  });

  it('puts the sun near the zenith minus latitude at HCMC solar noon on the equinox', () => {
    // solar noon = 12:00 UTC − 4 min/° × 106.70° − equation of time (≈ −7.5 min on 20 March,
    // NOAA) ≈ 05:00:40 UTC
    const noon = Date.UTC(2026, 2, 20, 5, 0, 40);
    const p = solarPosition(noon, HCMC.latitude, HCMC.longitude);
    expect(Math.abs(p.hourAngleDeg)).toBeLessThan(0.5);
    expect(Math.abs(p.elevationDeg - (90 - HCMC.latitude))).toBeLessThan(0.6);
  });

  it('Haurwitz clear-sky GHI: 0 with the sun down, ~1036 W/m² with the sun overhead', () => {
    expect(clearSkyGhi(-0.2)).toBe(0);
    expect(clearSkyGhi(0)).toBe(0);
    expect(clearSkyGhi(1)).toBeCloseTo(1098 * Math.exp(-0.057), 9);
  });
});

describe('createPvModel', () => {
  const model = (over: Partial<Parameters<typeof createPvModel>[0]> = {}) =>
    createPvModel({ ...HCMC, capacityW: 5000, seed: 42, cloudiness: 0.3, ...over });

  it('produces nothing at night in Ho Chi Minh City', () => {
    const m = model();
    for (let minute = 0; minute < 24 * 60; minute += 5) {
      const h = minute / 60;
      if (h < 5.5 || h > 18.5) expect(m.powerAt(local(0, minute)).pvW).toBe(0);
    }
    expect(m.powerAt(local(12)).pvW).toBeGreaterThan(3000);
  });

  it('peaks near local solar noon (≈ 12:01 in HCMC on 20 March) under a clear sky', () => {
    const m = model({ cloudiness: 0 });
    let best = { minute: -1, pvW: -1 };
    for (let minute = 0; minute < 24 * 60; minute++) {
      const { pvW } = m.powerAt(local(0, minute));
      if (pvW > best.pvW) best = { minute, pvW };
    }
    expect(Math.abs(best.minute - (12 * 60 + 1))).toBeLessThanOrEqual(2);
    // 5 kW × 0.8 × Haurwitz GHI at ≈ 79° elevation (90° − latitude, declination ≈ 0): within 0.5 %
    const expected = (5000 * 0.8 * clearSkyGhi(Math.sin((79.22 * Math.PI) / 180))) / 1000;
    expect(Math.abs(best.pvW - expected) / expected).toBeLessThan(0.005);
  });

  it('never exceeds the installed capacity, whatever the seed, sky or time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }),
        fc.double({ min: -60, max: 60, noNaN: true }),
        (seed, cloudiness, t, latitude) => {
          // an absurd performance ratio makes the cap the only thing in the way
          const { pvW, loadW } = createPvModel({ ...HCMC, latitude, capacityW: 3000, seed, cloudiness, performanceRatio: 3 }).powerAt(t);
          return pvW >= 0 && pvW <= 3000 && loadW > 0;
        },
      ),
    );
  });

  it('is deterministic per seed and differs between seeds', () => {
    const times = Array.from({ length: 96 }, (_, i) => local(0, i * 15));
    const run = (seed: number) => times.map((t) => createPvModel({ ...HCMC, capacityW: 5000, seed, cloudiness: 0.6 }).powerAt(t));
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    // order of questions does not matter: the sky is a function of time
    const m = model({ seed: 7, cloudiness: 0.6 });
    const backwards = [...times].reverse().map((t) => m.powerAt(t)).reverse();
    expect(backwards).toEqual(run(7));
  });

  it('clouds only ever dim the sun', () => {
    const clear = model({ cloudiness: 0 });
    const cloudy = model({ cloudiness: 1 });
    let dimmer = 0;
    for (let minute = 6 * 60; minute < 18 * 60; minute += 10) {
      const c = cloudy.powerAt(local(0, minute)).pvW;
      expect(c).toBeLessThanOrEqual(clear.powerAt(local(0, minute)).pvW);
      if (c < 0.9 * clear.powerAt(local(0, minute)).pvW) dimmer++;
    }
    expect(dimmer).toBeGreaterThan(10);
  });

  it('rejects impossible parameters', () => {
    expect(() => model({ capacityW: 0 })).toThrow('capacityW: a positive number of watts, got 0');
    expect(() => model({ cloudiness: 2 })).toThrow('cloudiness: 0..1, got 2');
  });
});
