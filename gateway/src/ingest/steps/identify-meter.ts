// Step 2 — identify: the claimed meter (MS) must be the authenticated one (MQTT: a meter speaks
// only for itself), registered, active and not suspended at the reading's time, and on this
// gateway's shard at that time (a handover: docs/design.md "Shards").
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { fail, ok, type Result } from '@feedin/protocol/result';
import { meterAdmits, shardAdmits, type DirectoryMeter, type MeterDirectory } from '../../registry/meter-directory.js';

export type IdentifyReason = 'meter-mismatch' | 'unknown-meter' | 'meter-suspended' | 'wrong-shard';

export function identifyMeter(
  reading: MeterReading,
  authenticatedMeterId: string | undefined,
  directory: MeterDirectory,
  /** the gateway's shard: readings taken while the meter is on another shard are that shard's */
  shard?: number,
): Result<DirectoryMeter, IdentifyReason> {
  if (authenticatedMeterId !== undefined && reading.meterId !== authenticatedMeterId)
    return fail('meter-mismatch', `MS ${reading.meterId} is not the authenticated meter ${authenticatedMeterId}`);
  const meter = directory.get(reading.meterId);
  if (!meter) return fail('unknown-meter', `meter ${reading.meterId} is not registered`);
  const admitted = meterAdmits(meter, reading.timestampMs);
  if (!admitted.ok) return fail('meter-suspended', admitted.detail);
  const onShard = shardAdmits(meter, shard, reading.timestampMs);
  if (!onShard.ok) return fail('wrong-shard', onShard.detail);
  return ok(meter);
}
