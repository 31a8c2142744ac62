// Rule: TM within the configured clock skew of the gateway's sandbox clock (not ahead of it by
// more) and strictly after the previous reading. An old TM is fine: a device that was offline
// for hours catches up with readings taken back then.
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { LastAccepted } from '../validation-state.js';

export function checkTimestamp(
  reading: MeterReading,
  last: LastAccepted | undefined,
  nowMs: number,
  clockSkewSeconds: number,
): Result<true, 'clock-skew' | 'time-not-increasing'> {
  const aheadMs = reading.timestampMs - nowMs;
  if (aheadMs > clockSkewSeconds * 1000)
    return fail(
      'clock-skew',
      `TM ${iso(reading.timestampMs)} is ${aheadMs / 1000} s ahead of the gateway clock ${iso(nowMs)} (limit ${clockSkewSeconds} s)`,
    );
  if (last && reading.timestampMs <= last.timestampMs)
    return fail('time-not-increasing', `TM ${iso(reading.timestampMs)} is not after the previous reading's ${iso(last.timestampMs)} (F${last.pagination})`);
  return ok(true);
}

const iso = (ms: number) => new Date(ms).toISOString();
