// The physical side of one simulated household: rooftop PV output and household load at any
// sandbox instant. Pure and deterministic from the seed; the meter integrates it into registers.
import { cloudAttenuation, cloudCoverAt } from './cloud-cover.js';
import { createHouseholdLoad } from './household-load.js';
import { clearSkyGhi, solarPosition } from './solar-position.js';

/** Standard test conditions: a module's rated power is at 1000 W/m². */
const STC_IRRADIANCE = 1000;

export interface PvModelParameters {
  latitude: number;
  longitude: number;
  /** installed (nameplate) capacity, W */
  capacityW: number;
  /** per-household seed (see seedFromString) */
  seed: number;
  /** 0..1, config `simulation.faults.cloudiness` */
  cloudiness: number;
  utcOffsetMinutes: number;
  /** inverter, temperature and wiring losses; 0.8 is typical for rooftop systems */
  performanceRatio?: number;
}

export interface PowerSample {
  /** PV output, W, 0 ≤ pvW ≤ capacityW */
  pvW: number;
  /** household consumption, W, > 0 */
  loadW: number;
}

export interface PvModel {
  powerAt(timeMs: number): PowerSample;
}

export function createPvModel(p: PvModelParameters): PvModel {
  if (!(p.capacityW > 0)) throw new RangeError(`capacityW: a positive number of watts, got ${p.capacityW}`);
  if (!(p.cloudiness >= 0 && p.cloudiness <= 1)) throw new RangeError(`cloudiness: 0..1, got ${p.cloudiness}`);
  const performanceRatio = p.performanceRatio ?? 0.8;
  const loadAt = createHouseholdLoad({ seed: p.seed, utcOffsetMinutes: p.utcOffsetMinutes });
  return {
    powerAt(timeMs) {
      const { cosZenith } = solarPosition(timeMs, p.latitude, p.longitude);
      const ghi = clearSkyGhi(cosZenith) * cloudAttenuation(cloudCoverAt(p.seed, p.cloudiness, timeMs));
      const pvW = Math.min(p.capacityW, (p.capacityW * ghi * performanceRatio) / STC_IRRADIANCE);
      return { pvW, loadW: loadAt(timeMs) };
    },
  };
}
