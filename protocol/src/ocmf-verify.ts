// Verifies an OCMF signature over the payload bytes exactly as transmitted (never a
// re-serialisation). SA names curve and hash; we verify the curves OCMF defines that we can
// (secp256k1, secp256r1, secp384r1) and answer every other SA as unsupported.
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { CURVES, type Curve } from './curves.js';
import { utf8 } from './hex.js';
import type { OcmfRecord } from './ocmf-parse.js';
import type { PublicKey } from './public-key.js';
import { fail, ok, type Result } from './result.js';

export type VerifyReason = 'bad-signature' | 'unsupported-algorithm' | 'key-curve-mismatch' | 'malformed-signature';

const ALGORITHMS: Record<string, { curve: Curve; hash: (m: Uint8Array) => Uint8Array }> = {
  'ECDSA-secp256k1-SHA256': { curve: 'secp256k1', hash: sha256 },
  'ECDSA-secp256r1-SHA256': { curve: 'secp256r1', hash: sha256 },
  // OCMF pairs P-384 with SHA-256; SHA-384 is accepted too for vendors that use it.
  'ECDSA-secp384r1-SHA256': { curve: 'secp384r1', hash: sha256 },
  'ECDSA-secp384r1-SHA384': { curve: 'secp384r1', hash: sha384 },
};

export const SUPPORTED_ALGORITHMS = Object.keys(ALGORITHMS);

/** The curve an OCMF `SA` names, or undefined for one we do not verify. A key without a curve of
 * its own (raw X‖Y, a SEC1 point) is read on this curve (decodePublicKey's hint). */
export function curveOfAlgorithm(algorithm: string): Curve | undefined {
  return Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm]!.curve : undefined;
}

/** Verifies a DER ECDSA signature over `message` (hashed here). `lowS` rejects malleable high-s
 * signatures (feedin devices always emit low-s; other vendors' records may not). */
export function verifyDerSignature(
  curve: Curve,
  der: Uint8Array,
  digest: Uint8Array,
  publicKey: Uint8Array,
  lowS: boolean,
): Result<true, 'bad-signature' | 'malformed-signature'> {
  const impl = CURVES[curve];
  try {
    impl.Signature.fromBytes(der, 'der');
  } catch (error) {
    return fail('malformed-signature', `not a DER ECDSA signature: ${(error as Error).message}`);
  }
  const valid = (requireLowS: boolean) => {
    try {
      return impl.verify(der, digest, publicKey, { prehash: false, lowS: requireLowS, format: 'der' });
    } catch {
      return false; // noble throws on some invalid inputs; they are simply not valid signatures
    }
  };
  if (valid(lowS)) return ok(true);
  if (lowS && valid(false)) return fail('bad-signature', `a high-s ${curve} signature: mathematically valid, but this signer must sign low-s (a malleated copy)`);
  return fail('bad-signature', `the ${curve} signature does not match the payload and key`);
}

export function verifyOcmf(record: OcmfRecord, publicKey: PublicKey, opts: { lowS?: boolean } = {}): Result<true, VerifyReason> {
  const algorithm = ALGORITHMS[record.signature.algorithm];
  if (!algorithm) return fail('unsupported-algorithm', `SA ${JSON.stringify(record.signature.algorithm)} is not supported (${SUPPORTED_ALGORITHMS.join(', ')})`);
  if (record.signature.mime !== 'application/x-der') return fail('unsupported-algorithm', `SM ${JSON.stringify(record.signature.mime)} is not application/x-der`);
  if (algorithm.curve !== publicKey.curve) return fail('key-curve-mismatch', `SA is ${record.signature.algorithm} but the key is on ${publicKey.curve}`);
  return verifyDerSignature(algorithm.curve, record.signature.data, algorithm.hash(utf8(record.payloadText)), publicKey.point, opts.lowS ?? false);
}
