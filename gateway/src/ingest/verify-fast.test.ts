// The native verifier must accept exactly what protocol's verifier accepts, with the same
// reason and detail: on every Wycheproof secp256k1 case (both low-s policies) and on random
// signatures, malleated copies, bit flips and random DER.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { CURVES } from '@feedin/protocol/curves';
import { hexToBytes } from '@feedin/protocol/hex';
import { signOcmf } from '@feedin/protocol/ocmf-build';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { verifyDerSignature, verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { decodePublicKey, publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { createFastVerifyOcmf, prepareNativeCheck, verifyDerSecp256k1Native } from './verify-fast.js';
import { loadNativeSecp256k1 } from './verify-native-secp256k1.js';

const native = loadNativeSecp256k1();
const secp = CURVES.secp256k1;
const N = secp.Point.CURVE().n;
const vectors = join(import.meta.dirname, '../../../protocol/test/vectors/wycheproof');

interface WycheproofFile {
  testGroups: Array<{ publicKeyDer: string; tests: Array<{ tcId: number; msg: string; sig: string; result: string }> }>;
}

function derOf(r: bigint, s: bigint): Uint8Array {
  return new secp.Signature(r, s).toBytes('der');
}

describe('native secp256k1 verifier', () => {
  it('loads the prebuilt addon on this platform', () => {
    expect(native).not.toBeNull();
  });

  describe.each([
    ['ecdsa_secp256k1_sha256_test.json', false],
    ['ecdsa_secp256k1_sha256_bitcoin_test.json', true],
  ] as const)('Wycheproof %s', (file, lowS) => {
    const data = JSON.parse(readFileSync(join(vectors, file), 'utf8')) as WycheproofFile;
    it('gives the same verdict, reason and detail as protocol on every case, under both low-s policies', () => {
      const differing: string[] = [];
      let valid = 0;
      for (const group of data.testGroups) {
        const key = decodePublicKey(group.publicKeyDer);
        if (!key.ok) throw new Error('wycheproof key did not decode');
        for (const test of group.tests) {
          const digest = sha256(hexToBytes(test.msg));
          for (const policy of [lowS, !lowS]) {
            const expected = verifyDerSignature('secp256k1', hexToBytes(test.sig), digest, key.value.point, policy);
            const actual = verifyDerSecp256k1Native(native!, hexToBytes(test.sig), digest, key.value.point, policy);
            if (JSON.stringify(actual) !== JSON.stringify(expected)) differing.push(`tc ${test.tcId} lowS=${policy}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
            if (policy === lowS && actual.ok !== (test.result === 'valid')) differing.push(`tc ${test.tcId}: not ${test.result}`);
            if (actual.ok) valid++;
          }
        }
      }
      expect(differing).toEqual([]);
      expect(valid).toBeGreaterThan(100);
    });
  });

  const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp.utils.isValidSecretKey(k));

  it('agrees on random signatures, their high-s twins, bit flips and wrong keys', () => {
    fc.assert(
      fc.property(keyArb, keyArb, fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.nat(), fc.boolean(), fc.constantFrom('as-signed', 'high-s', 'flip-sig', 'flip-digest', 'other-key', 'compressed'), (key, other, msg, flipAt, lowS, mutation) => {
        const digest = sha256(msg);
        const sig = secp.sign(digest, key, { prehash: false, format: 'compact' });
        const { r, s } = secp.Signature.fromBytes(sig, 'compact');
        let der = derOf(r, s);
        let d = digest;
        let pub = publicKeyFromPrivate(key);
        if (mutation === 'high-s') der = derOf(r, N - s);
        if (mutation === 'flip-sig') {
          der = der.slice();
          der[flipAt % der.length]! ^= 1 << flipAt % 8;
        }
        if (mutation === 'flip-digest') {
          d = digest.slice();
          d[flipAt % 32]! ^= 1 << flipAt % 8;
        }
        if (mutation === 'other-key') pub = publicKeyFromPrivate(other);
        if (mutation === 'compressed') pub = secp.getPublicKey(key, true);
        const expected = verifyDerSignature('secp256k1', der, d, pub, lowS);
        expect(verifyDerSecp256k1Native(native!, der, d, pub, lowS)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on arbitrary bytes as a signature, including out-of-range r and s', () => {
    const key = publicKeyFromPrivate(secp.utils.randomSecretKey());
    const scalar = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.constantFrom(0n, 1n, N - 1n, N, N + 1n, N >> 1n, (N >> 1n) + 1n));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), scalar, scalar, fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes, r, s, digest) => {
        expect(verifyDerSecp256k1Native(native!, bytes, digest, key, false)).toEqual(verifyDerSignature('secp256k1', bytes, digest, key, false));
        let der: Uint8Array;
        try {
          der = derOf(r, s);
        } catch {
          return; // noble refuses to encode it; nothing to compare
        }
        expect(verifyDerSecp256k1Native(native!, der, digest, key, false)).toEqual(verifyDerSignature('secp256k1', der, digest, key, false));
      }),
      { numRuns: 300 },
    );
  });

  it('reads canonical DER straight into the low-s compact form libsecp256k1 is given', () => {
    const H = N >> 1n;
    const scalar = fc.oneof(fc.bigInt({ min: 1n, max: N - 1n }), fc.bigInt({ min: 1n, max: 1n << 64n }), fc.constantFrom(1n, 0x7fn, 0x80n, 0xffn, N - 1n, H, H + 1n, (1n << 255n) - 1n, 1n << 255n));
    const be32 = (v: bigint) => hexToBytes(`0x${v.toString(16).padStart(64, '0')}`);
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const prepared = prepareNativeCheck(derOf(r, s), new Uint8Array(32), new Uint8Array(33), true);
        expect('check' in prepared).toBe(true);
        if (!('check' in prepared)) return;
        expect(Buffer.from(prepared.check.compact).toString('hex')).toBe(Buffer.from([...be32(r), ...be32(s > H ? N - s : s)]).toString('hex'));
        expect(prepared.check.high).toBe(s > H);
      }),
      { numRuns: 500 },
    );
  });

  it('verifies whole OCMF records like protocol, delegating the other curves and SAs', () => {
    const fast = createFastVerifyOcmf(native);
    const privateKey = secp.utils.randomSecretKey();
    const k1 = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(privateKey) };
    const payload = '{"FV":"1.0","PG":"F1","MS":"m-1","RD":[]}';
    const good = signOcmf(payload, privateKey);
    const cases = [
      good,
      good.replace('"F1"', '"F2"'),
      good.replace('ECDSA-secp256k1-SHA256', 'ECDSA-secp256r1-SHA256'),
      good.replace('ECDSA-secp256k1-SHA256', 'RSA-2048'),
      good.replace('"SD":"', '"SD":"00'),
    ];
    for (const text of cases) {
      const record = parseOcmf(text);
      if (!record.ok) continue;
      expect(fast(record.value, k1)).toEqual(verifyOcmf(record.value, k1));
      expect(fast(record.value, k1, { lowS: true })).toEqual(verifyOcmf(record.value, k1, { lowS: true }));
    }
    const record = parseOcmf(good);
    expect(record.ok && fast(record.value, k1)).toEqual({ ok: true, value: true });
  });

  it('falls back to protocol when the addon is unavailable', () => {
    expect(createFastVerifyOcmf(null)).toBe(verifyOcmf);
  });
});
