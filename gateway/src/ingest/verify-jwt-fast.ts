// protocol's meter-token checks with the ES256K signature checked by native libsecp256k1: every
// MQTT CONNECT verifies one, and at ~260/s/core with the pure-JS verifier a fleet reconnecting
// after a gateway restart (or a connection storm) would hold the event loop for tens of seconds.
// Only the signature check differs (protocol's createMeterJwtVerifier runs the rest), so the
// answers are protocol's (property-tested in verify-jwt-fast.test.ts); falls back to protocol's
// verifier when the addon is unavailable.
import { createHash } from 'node:crypto';
import { createMeterJwtVerifier, verifyMeterJwt, type MeterJwtVerifier } from '@feedin/protocol/jwt';
import type { NativeSecp256k1 } from './verify-native-secp256k1.js';

export type VerifyMeterJwt = MeterJwtVerifier;

export function createFastVerifyMeterJwt(native: NativeSecp256k1 | null): VerifyMeterJwt {
  if (!native) return verifyMeterJwt;
  // RFC 8812 ES256K: R‖S over SHA-256 of the signing input; low-s only, as protocol's (libsecp256k1
  // refuses high-s by itself, and throws on r or s ≥ n: not valid either).
  return createMeterJwtVerifier((signature, signingInput, point) => {
    try {
      return native.ecdsaVerify(signature, createHash('sha256').update(signingInput, 'utf8').digest(), point);
    } catch {
      return false;
    }
  });
}
