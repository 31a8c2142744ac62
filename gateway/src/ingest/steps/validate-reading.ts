// Step 4 — validate: the per-meter rules of docs/design.md §Validation rules (gateway) in their
// order, after registration and signature: PG → registers → TM → plausibility → status. The first
// failing rule gives the reason.
import type { Hex } from '@feedin/protocol/hex';
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { ok, type Result } from '@feedin/protocol/result';
import type { DirectoryMeter } from '../../registry/meter-directory.js';
import { checkMeterStatus } from '../rules/meter-status.js';
import { checkPagination, type PaginationReason, type PaginationVerdict } from '../rules/pagination.js';
import { checkPlausibleExport } from '../rules/plausibility.js';
import { checkRegisters } from '../rules/registers.js';
import { checkTimestamp } from '../rules/timestamp.js';
import type { LastAccepted } from '../validation-state.js';

export type ValidationReason = PaginationReason | 'register-decreased' | 'clock-skew' | 'time-not-increasing' | 'implausible-export' | 'meter-status';

export interface ValidateReadingParameters {
  reading: MeterReading;
  payloadDigest: Hex;
  meter: DirectoryMeter;
  last: LastAccepted | undefined;
  nowMs: number;
  clockSkewSeconds: number;
  plausibilityMarginPercent: number;
  acceptedDigestOf: (pagination: number) => Promise<Hex | undefined>;
}

export async function validateReading(p: ValidateReadingParameters): Promise<Result<PaginationVerdict, ValidationReason>> {
  const pagination = await checkPagination(p.reading.pagination, p.payloadDigest, p.last, p.acceptedDigestOf);
  // A duplicate was validated when it was first accepted; judging it against the newer state
  // would wrongly flag it (its registers and TM are older by construction).
  if (!pagination.ok || pagination.value.kind === 'duplicate') return pagination;
  // In order, the first failure wins (written out: this runs for every reading).
  const registers = checkRegisters(p.reading, p.last);
  if (!registers.ok) return registers;
  const timestamp = checkTimestamp(p.reading, p.last, p.nowMs, p.clockSkewSeconds);
  if (!timestamp.ok) return timestamp;
  const plausible = checkPlausibleExport(p.reading, p.last, p.meter.capacityW, p.plausibilityMarginPercent);
  if (!plausible.ok) return plausible;
  const status = checkMeterStatus(p.reading);
  if (!status.ok) return status;
  return ok(pagination.value);
}
