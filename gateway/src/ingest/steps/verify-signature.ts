// Step 3 — verify: the signature must be valid over the exact payload bytes for the key the
// registry holds for this meter (docs/design.md §Signed reading: the record carries no key).
import type { OcmfRecord } from '@feedin/protocol/ocmf-parse';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { PublicKey } from '@feedin/protocol/public-key';
import type { VerifyPool } from '../verify-pool.js';

export type VerifyReason = 'bad-signature' | 'unsupported-algorithm' | 'malformed';

/** `pool`: the composition root's (gateway-crypto.ts): native libsecp256k1 when it loads (≈50×
 * faster than pure JS), on worker threads when configured, protocol's pure verifier otherwise —
 * the same verdicts. `publicKey`: the meter's key valid at the reading's TM (key-history keyAt);
 * `payloadSha256`: the payload's digest when the caller has it already (decode-frame.ts). */
export async function verifySignature(pool: VerifyPool, record: OcmfRecord, publicKey: PublicKey, payloadSha256?: Uint8Array): Promise<Result<true, VerifyReason>> {
  const verified = await pool.verify(record, publicKey, { payloadSha256 });
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
