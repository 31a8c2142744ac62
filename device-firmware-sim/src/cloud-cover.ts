// Passing clouds: a smooth random sky-cover process, a pure function of (seed, time) so that any
// instant gives the same sky however often and in whatever order it is asked (restarts, tests).
// Value noise on two time scales (an hour for weather, ten minutes for single clouds) with
// cosine interpolation between seeded knots, scaled so that mean cover ≈ `cloudiness`.
import { uniformAt } from './seeded-random.js';

const SLOW_KNOT_MS = 3_600_000;
const FAST_KNOT_MS = 600_000;

function valueNoise(seed: number, stream: number, timeMs: number, knotMs: number): number {
  const x = timeMs / knotMs;
  const i = Math.floor(x);
  const t = (1 - Math.cos((x - i) * Math.PI)) / 2;
  const a = uniformAt(seed, stream, i);
  const b = uniformAt(seed, stream, i + 1);
  return a + (b - a) * t;
}

/** Sky cover fraction in [0, 1] at `timeMs`; 0 for a cloudless sandbox. */
export function cloudCoverAt(seed: number, cloudiness: number, timeMs: number): number {
  if (cloudiness <= 0) return 0;
  const noise = 0.6 * valueNoise(seed, 1, timeMs, SLOW_KNOT_MS) + 0.4 * valueNoise(seed, 2, timeMs, FAST_KNOT_MS);
  return Math.min(1, Math.max(0, 2 * cloudiness * noise));
}

/** Kasten & Czeplak (1980): GHI(cloudy) = GHI(clear) × (1 − 0.75·C^3.4). */
export function cloudAttenuation(cover: number): number {
  return 1 - 0.75 * Math.pow(cover, 3.4);
}
