// The meter's measuring element: net power (PV − load) integrated over sandbox time into two
// cumulative registers, export while the house feeds in and import while it draws. Power is
// measured in whole watts and time in whole milliseconds, so each step's energy is an exact
// integer in millijoules (W·ms); a reading shows whole Wh (floor) and the sub-Wh remainder stays
// in the register for the next reading, so rounding never loses or invents energy.
// (Millijoules rather than milli-Wh: 1 W for 1 s is 0.28 mWh but exactly 1000 mJ.)
import type { PowerSample } from './pv-model.js';

export interface RegisterState {
  /** cumulative energy drawn from the grid, millijoules (1 Wh = 3,600,000 mJ) */
  importMilliJoules: bigint;
  /** cumulative energy fed into the grid, millijoules */
  exportMilliJoules: bigint;
}

export const MILLIJOULES_PER_WH = 3_600_000n;

/** Sub-steps of at most a minute follow the sun and the clouds; long gaps (a device that was off
 * for days) use at most MAX_STEPS steps so catching up stays cheap. */
const DEFAULT_MAX_STEP_MS = 60_000;
const MAX_STEPS = 1_440;

/** Integrates from `fromMs` to `toMs`, sampling the model at each step's midpoint. */
export function integrateRegisters(
  state: RegisterState,
  powerAt: (timeMs: number) => PowerSample,
  fromMs: number,
  toMs: number,
  maxStepMs = DEFAULT_MAX_STEP_MS,
): RegisterState {
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || toMs < fromMs)
    throw new RangeError(`fromMs/toMs: integer milliseconds with fromMs ≤ toMs, got ${fromMs}..${toMs}`);
  const span = toMs - fromMs;
  const steps = Math.min(MAX_STEPS, Math.max(1, Math.ceil(span / maxStepMs)));
  let { importMilliJoules, exportMilliJoules } = state;
  let at = fromMs;
  for (let i = 1; i <= steps; i++) {
    // integer step edges, so the steps tile [fromMs, toMs] exactly
    const next = fromMs + Math.round((span * i) / steps);
    const { pvW, loadW } = powerAt((at + next) / 2);
    const netW = Math.round(pvW - loadW);
    const energy = BigInt(Math.abs(netW)) * BigInt(next - at);
    if (netW > 0) exportMilliJoules += energy;
    else importMilliJoules += energy;
    at = next;
  }
  return { importMilliJoules, exportMilliJoules };
}

/** What a reading shows: whole Wh, rounded down (the remainder is kept, not lost). */
export function registersWh(state: RegisterState): { importWh: bigint; exportWh: bigint } {
  return { importWh: state.importMilliJoules / MILLIJOULES_PER_WH, exportWh: state.exportMilliJoules / MILLIJOULES_PER_WH };
}
