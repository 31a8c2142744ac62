// Rule: meter status ST must be 'G' (good); OCMF uses e.g. 'M' for manipulation detected.
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { fail, ok, type Result } from '@feedin/protocol/result';

export function checkMeterStatus(reading: MeterReading): Result<true, 'meter-status'> {
  if (reading.meterStatus === 'G') return ok(true);
  return fail('meter-status', `meter status ST is ${JSON.stringify(reading.meterStatus)}, not "G"`);
}
