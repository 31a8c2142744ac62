// Rule: export between two readings ≤ capacity × elapsed time × margin (docs/design.md §Validation
// rules (gateway)). Integer arithmetic only: exportWh · 3 600 000 ms/h · 100 ≤ capacityW ·
// elapsedMs · marginPercent.
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { LastAccepted } from '../validation-state.js';

const MS_PER_HOUR = 3_600_000n;

export function checkPlausibleExport(
  reading: MeterReading,
  last: LastAccepted | undefined,
  capacityW: number,
  marginPercent: number,
): Result<true, 'implausible-export'> {
  // The first reading is a baseline: there is no interval to judge.
  if (!last) return ok(true);
  const exportDeltaWh = reading.exportWh - last.exportWh;
  const elapsedMs = BigInt(reading.timestampMs - last.timestampMs);
  const limitScaled = BigInt(capacityW) * elapsedMs * BigInt(marginPercent);
  if (exportDeltaWh * MS_PER_HOUR * 100n <= limitScaled) return ok(true);
  const limitWh = limitScaled / (MS_PER_HOUR * 100n);
  return fail(
    'implausible-export',
    `exported ${exportDeltaWh} Wh in ${Number(elapsedMs) / 1000} s; a ${capacityW} W system at ${marginPercent} % allows ${limitWh} Wh`,
  );
}
