// Meter login tokens: JWT (RFC 7519) signed ES256K (RFC 8812: ECDSA secp256k1 + SHA-256, JWS
// signature = 64-byte R‖S) by the device key. Claims: sub = meter id, iat, exp (wall-clock) and
// jti (RFC 7519 §4.1.7), a unique id per login, so that the gateway can accept each token once.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytes, bytesToBase64url, utf8 } from './hex.js';
import type { PublicKey } from './public-key.js';
import { fail, ok, type Result } from './result.js';

export const MAX_JWT_BYTES = 2048;
const HEADER = bytesToBase64url(utf8(JSON.stringify({ alg: 'ES256K', typ: 'JWT' })));

export type JwtReason = 'malformed-token' | 'unsupported-alg' | 'bad-signature' | 'wrong-subject' | 'expired' | 'not-yet-valid' | 'lifetime-too-long';

/** RFC 7519 jti as feedin reads it: 8–64 visible ASCII characters (a device uses 16 random
 * bytes in base64url); bounded, because the gateway remembers every jti until its token expires. */
export const JWT_ID_PATTERN = /^[\x21-\x7e]{8,64}$/;

export interface MeterJwtClaims {
  meterId: string;
  issuedAtSec: number;
  expiresAtSec: number;
  /** unique per token (the device's randomness: this module has none of its own) */
  jwtId: string;
}

export function signMeterJwt(claims: MeterJwtClaims, privateKey: Uint8Array): string {
  if (!JWT_ID_PATTERN.test(claims.jwtId)) throw new TypeError(`jwtId: 8-64 visible ASCII characters, got ${JSON.stringify(claims.jwtId)}`);
  const payload = bytesToBase64url(utf8(JSON.stringify({ sub: claims.meterId, iat: claims.issuedAtSec, exp: claims.expiresAtSec, jti: claims.jwtId })));
  const signingInput = `${HEADER}.${payload}`;
  const signature = secp256k1.sign(sha256(utf8(signingInput)), privateKey, { prehash: false, lowS: true, format: 'compact' });
  return `${signingInput}.${bytesToBase64url(signature)}`;
}

/** RFC 8812 §3.2: JWS ES256K signature = R‖S over SHA-256 of the signing input. Low-s only:
 * feedin devices sign low-s (signMeterJwt), so a high-s twin is a malleated token. */
function es256kValidNoble(signature: Uint8Array, signingInput: string, point: Uint8Array): boolean {
  try {
    return secp256k1.verify(signature, sha256(utf8(signingInput)), point, { prehash: false, lowS: true, format: 'compact' });
  } catch {
    return false; // noble throws on out-of-range r/s or a bad point: not a valid signature
  }
}

function decodeJson(part: string): unknown {
  const bytes = base64ToBytes(part);
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** Checks an ES256K JWS signature (64-byte R‖S) over the signing input, low-s only. */
export type Es256kCheck = (signature: Uint8Array, signingInput: string, point: Uint8Array) => boolean;

export type MeterJwtVerifier = (
  token: string,
  publicKey: PublicKey,
  opts: { nowSec: number; expectedSub: string; maxLifetimeSec: number; leewaySec?: number },
) => Result<VerifiedMeterJwt, JwtReason>;

export interface VerifiedMeterJwt {
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

/** The meter-token checks with the given signature check: the gateway passes native
 * libsecp256k1 (every MQTT CONNECT verifies a token), everything else uses `verifyMeterJwt`. */
export function createMeterJwtVerifier(es256kValid: Es256kCheck): MeterJwtVerifier {
  return (token, publicKey, opts) => checkMeterJwt(es256kValid, token, publicKey, opts);
}

export const verifyMeterJwt: MeterJwtVerifier = createMeterJwtVerifier(es256kValidNoble);

function checkMeterJwt(
  es256kValid: Es256kCheck,
  token: string,
  publicKey: PublicKey,
  opts: { nowSec: number; expectedSub: string; maxLifetimeSec: number; leewaySec?: number },
): Result<VerifiedMeterJwt, JwtReason> {
  if (typeof token !== 'string' || token.length > MAX_JWT_BYTES) return fail('malformed-token', 'the token is not a JWT string of reasonable size');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return fail('malformed-token', 'a JWT has three base64url parts');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart) as { alg?: unknown } | undefined;
  if (!header || typeof header !== 'object') return fail('malformed-token', 'the JWT header is not JSON');
  // RFC 7515 §4.1.11: a recipient that does not understand a `crit` extension must reject.
  if ('crit' in header) return fail('malformed-token', 'the JWT header has critical extensions (crit) we do not implement');
  if (header.alg !== 'ES256K') return fail('unsupported-alg', `alg ${JSON.stringify(header.alg ?? null)} is not ES256K`);
  if (publicKey.curve !== 'secp256k1') return fail('unsupported-alg', 'ES256K needs a secp256k1 key');
  const signature = base64ToBytes(signaturePart);
  if (!signature || signature.length !== 64) return fail('malformed-token', 'an ES256K signature is 64 bytes (R‖S)');
  if (!es256kValid(signature, `${headerPart}.${payloadPart}`, publicKey.point)) return fail('bad-signature', 'the token is not signed by this meter key');
  const claims = decodeJson(payloadPart) as { sub?: unknown; iat?: unknown; exp?: unknown; jti?: unknown } | undefined;
  if (!claims || typeof claims !== 'object') return fail('malformed-token', 'the JWT claims are not JSON');
  const { sub, iat, exp, jti } = claims;
  if (typeof sub !== 'string' || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return fail('malformed-token', 'sub, iat and exp are required');
  // A token without a unique id could be replayed by whoever saw it (the gateway accepts each jti once).
  if (typeof jti !== 'string' || !JWT_ID_PATTERN.test(jti)) return fail('malformed-token', 'jti is required: 8-64 visible ASCII characters, unique per token');
  if ((exp as number) <= (iat as number)) return fail('malformed-token', `exp ${exp} is not after iat ${iat}`);
  if (sub !== opts.expectedSub) return fail('wrong-subject', `sub ${JSON.stringify(sub)} is not ${JSON.stringify(opts.expectedSub)}`);
  const leeway = opts.leewaySec ?? 30;
  if ((exp as number) <= opts.nowSec - leeway) return fail('expired', `expired at ${exp}, now ${opts.nowSec}`);
  if ((iat as number) > opts.nowSec + leeway) return fail('not-yet-valid', `issued at ${iat}, in the future (now ${opts.nowSec})`);
  if ((exp as number) - (iat as number) > opts.maxLifetimeSec) return fail('lifetime-too-long', `lifetime ${(exp as number) - (iat as number)} s exceeds ${opts.maxLifetimeSec} s`);
  return ok({ sub, iat: iat as number, exp: exp as number, jti });
}
