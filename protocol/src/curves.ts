// The ECDSA curves OCMF signatures may use that we can verify. OCMF `SA` names the curve and
// the hash; we always hash ourselves (SHA-256 of the payload bytes) and verify the digest.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256, p384 } from '@noble/curves/nist.js';

export type Curve = 'secp256k1' | 'secp256r1' | 'secp384r1';

export const CURVES = {
  secp256k1,
  secp256r1: p256,
  secp384r1: p384,
} as const;

/** DER OIDs of the named curves (RFC 5480 / SEC 2). */
export const CURVE_OIDS: Record<string, Curve> = {
  '1.3.132.0.10': 'secp256k1',
  '1.2.840.10045.3.1.7': 'secp256r1',
  '1.3.132.0.34': 'secp384r1',
};

export const FIELD_BYTES: Record<Curve, number> = { secp256k1: 32, secp256r1: 32, secp384r1: 48 };
