// protocol's `verifyMeterJwt` with the ES256K signature checked by native libsecp256k1: every
// MQTT CONNECT verifies one, and at ~260/s/core with the pure-JS verifier a fleet reconnecting
// after a gateway restart (or a connection storm) would hold the event loop for tens of seconds.
// Same checks, same order, same reasons and details (property-tested against protocol's in
// verify-jwt-fast.test.ts); falls back to protocol's function when the addon is unavailable.
import { createHash } from 'node:crypto';
import { MAX_JWT_BYTES, verifyMeterJwt } from '@feedin/protocol/jwt';
import { base64ToBytes } from '@feedin/protocol/hex';
import { fail, ok } from '@feedin/protocol/result';
import { loadNativeSecp256k1, type NativeSecp256k1 } from './verify-native-secp256k1.js';

export type VerifyMeterJwt = typeof verifyMeterJwt;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function decodeJson(part: string): unknown {
  const bytes = base64ToBytes(part);
  if (!bytes) return undefined;
  try {
    return JSON.parse(utf8Strict.decode(bytes));
  } catch {
    return undefined;
  }
}

export function createFastVerifyMeterJwt(native: NativeSecp256k1 | null = loadNativeSecp256k1()): VerifyMeterJwt {
  if (!native) return verifyMeterJwt;
  // RFC 8812 ES256K: R‖S over SHA-256 of the signing input; low-s only, as protocol's (libsecp256k1
  // refuses high-s by itself, and throws on r or s ≥ n: not valid either).
  const es256kValid = (signature: Uint8Array, signingInput: string, point: Uint8Array) => {
    try {
      return native.ecdsaVerify(signature, createHash('sha256').update(signingInput, 'utf8').digest(), point);
    } catch {
      return false;
    }
  };
  return (token, publicKey, opts) => {
    if (typeof token !== 'string' || token.length > MAX_JWT_BYTES) return fail('malformed-token', 'the token is not a JWT string of reasonable size');
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return fail('malformed-token', 'a JWT has three base64url parts');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart) as { alg?: unknown } | undefined;
    if (!header || typeof header !== 'object') return fail('malformed-token', 'the JWT header is not JSON');
    if ('crit' in header) return fail('malformed-token', 'the JWT header has critical extensions (crit) we do not implement');
    if (header.alg !== 'ES256K') return fail('unsupported-alg', `alg ${JSON.stringify(header.alg ?? null)} is not ES256K`);
    if (publicKey.curve !== 'secp256k1') return fail('unsupported-alg', 'ES256K needs a secp256k1 key');
    const signature = base64ToBytes(signaturePart);
    if (!signature || signature.length !== 64) return fail('malformed-token', 'an ES256K signature is 64 bytes (R‖S)');
    if (!es256kValid(signature, `${headerPart}.${payloadPart}`, publicKey.point)) return fail('bad-signature', 'the token is not signed by this meter key');
    const claims = decodeJson(payloadPart) as { sub?: unknown; iat?: unknown; exp?: unknown } | undefined;
    if (!claims || typeof claims !== 'object') return fail('malformed-token', 'the JWT claims are not JSON');
    const { sub, iat, exp } = claims;
    if (typeof sub !== 'string' || !Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return fail('malformed-token', 'sub, iat and exp are required');
    const [issued, expires] = [iat as number, exp as number];
    if (expires <= issued) return fail('malformed-token', `exp ${exp} is not after iat ${iat}`);
    if (sub !== opts.expectedSub) return fail('wrong-subject', `sub ${JSON.stringify(sub)} is not ${JSON.stringify(opts.expectedSub)}`);
    const leeway = opts.leewaySec ?? 30;
    if (expires <= opts.nowSec - leeway) return fail('expired', `expired at ${exp}, now ${opts.nowSec}`);
    if (issued > opts.nowSec + leeway) return fail('not-yet-valid', `issued at ${iat}, in the future (now ${opts.nowSec})`);
    if (expires - issued > opts.maxLifetimeSec) return fail('lifetime-too-long', `lifetime ${expires - issued} s exceeds ${opts.maxLifetimeSec} s`);
    return ok({ sub, iat: issued, exp: expires });
  };
}
