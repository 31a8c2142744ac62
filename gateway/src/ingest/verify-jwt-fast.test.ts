// The native JWT check must answer every token exactly as protocol's verifyMeterJwt does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { CURVES } from '@feedin/protocol/curves';
import { bytesToBase64url, utf8 } from '@feedin/protocol/hex';
import { signMeterJwt, verifyMeterJwt } from '@feedin/protocol/jwt';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { createFastVerifyMeterJwt } from './verify-jwt-fast.js';
import { loadNativeSecp256k1 } from './verify-native-secp256k1.js';

const secp = CURVES.secp256k1;
const N = secp.Point.CURVE().n;
const fast = createFastVerifyMeterJwt(loadNativeSecp256k1());
const NOW = 1_800_000_000;
const opts = { nowSec: NOW, expectedSub: 'm-1', maxLifetimeSec: 3600 };

function highS(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = secp.Signature.fromBytes(Buffer.from(s, 'base64url'), 'compact');
  return `${h}.${p}.${bytesToBase64url(new secp.Signature(sig.r, N - sig.s).toBytes('compact'))}`;
}

describe('native ES256K meter JWT check', () => {
  it('is in use (the addon loads here)', () => {
    expect(fast).not.toBe(verifyMeterJwt);
  });

  it('agrees with protocol on valid, expired, future, long-lived, foreign, high-s and bit-flipped tokens', () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp.utils.isValidSecretKey(k));
    fc.assert(
      fc.property(key, key, fc.constantFrom('m-1', 'm-2'), fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -10, max: 5000 }), fc.nat(), fc.constantFrom('none', 'other-key', 'high-s', 'flip', 'truncate'), (k, other, sub, iatOffset, lifetime, at, mutation) => {
        let token = signMeterJwt({ meterId: sub, issuedAtSec: NOW + iatOffset, expiresAtSec: NOW + iatOffset + lifetime, jwtId: `jti-${String(at).padStart(8, "0")}` }, k);
        if (mutation === 'high-s') token = highS(token);
        if (mutation === 'flip') {
          const i = at % token.length;
          const c = token[i] === 'A' ? 'B' : 'A';
          token = token.slice(0, i) + c + token.slice(i + 1);
        }
        if (mutation === 'truncate') token = token.slice(0, at % token.length);
        const pub = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(mutation === 'other-key' ? other : k) };
        expect(fast(token, pub, opts)).toEqual(verifyMeterJwt(token, pub, opts));
      }),
      { numRuns: 200 },
    );
  });

  it('agrees on hand-made headers and claims (alg, crit, missing claims, non-JSON, wrong curve)', () => {
    const k = secp.utils.randomSecretKey();
    const pub = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(k) };
    const b64 = (o: unknown) => bytesToBase64url(utf8(typeof o === 'string' ? o : JSON.stringify(o)));
    const sign = (h: unknown, c: unknown) => {
      const input = `${b64(h)}.${b64(c)}`;
      return `${input}.${bytesToBase64url(secp.sign(sha256(utf8(input)), k, { prehash: false, format: 'compact' }))}`;
    };
    const good = { sub: 'm-1', iat: NOW, exp: NOW + 60, jti: 'jti-00000001' };
    const tokens = [
      sign({ alg: 'ES256K', typ: 'JWT' }, good),
      sign({ alg: 'ES256', typ: 'JWT' }, good),
      sign({ alg: 'ES256K', crit: ['x'] }, good),
      sign('not json', good),
      sign({ alg: 'ES256K' }, 'not json'),
      sign({ alg: 'ES256K' }, { sub: 'm-1', iat: NOW }),
      sign({ alg: 'ES256K' }, { sub: 'm-1', iat: NOW, exp: NOW }),
      'a.b',
      'a.b.c',
      '',
      'x'.repeat(3000),
    ];
    for (const token of tokens) {
      expect(fast(token, pub, opts)).toEqual(verifyMeterJwt(token, pub, opts));
      const p256 = { curve: 'secp256r1' as const, point: pub.point };
      expect(fast(token, p256, opts)).toEqual(verifyMeterJwt(token, p256, opts));
    }
  });
});
