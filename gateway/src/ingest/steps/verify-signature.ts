// Step 3 — verify: the signature must be valid over the exact payload bytes for the key the
// registry holds for this meter (DESIGN: the public key is not in the record).
import type { OcmfRecord } from '@feedin/protocol/ocmf-parse';
import { verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { DirectoryMeter } from '../../registry/meter-directory.js';

export type VerifyReason = 'bad-signature' | 'unsupported-algorithm' | 'malformed';

export function verifySignature(record: OcmfRecord, meter: DirectoryMeter): Result<true, VerifyReason> {
  const verified = verifyOcmf(record, meter.publicKey);
  if (verified.ok) return ok(true);
  switch (verified.reason) {
    case 'unsupported-algorithm':
      return fail('unsupported-algorithm', verified.detail);
    case 'malformed-signature':
      return fail('malformed', `signature: ${verified.detail}`);
    // A record signed on another curve than the registered key's cannot be this meter's.
    case 'key-curve-mismatch':
    case 'bad-signature':
    default:
      return fail('bad-signature', verified.detail);
  }
}
