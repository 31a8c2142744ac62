// Every Wycheproof ECDSA case for the curves OCMF uses, run through the same DER verifier and
// key decoder the gateway uses. Vectors: test/vectors/wycheproof (Apache-2.0, see LICENSE there).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '../src/hex.js';
import { decodePublicKey, type Curve } from '../src/public-key.js';
import { verifyDerSignature } from '../src/ocmf-verify.js';

interface WycheproofFile {
  testGroups: Array<{ publicKey: { uncompressed: string }; publicKeyDer: string; sha: string; tests: Array<{ tcId: number; comment: string; msg: string; sig: string; result: 'valid' | 'invalid' | 'acceptable'; flags: string[] }> }>;
}

const sets: Array<{ file: string; curve: Curve; lowS: boolean }> = [
  { file: 'ecdsa_secp256k1_sha256_test.json', curve: 'secp256k1', lowS: false },
  { file: 'ecdsa_secp256k1_sha256_bitcoin_test.json', curve: 'secp256k1', lowS: true },
  { file: 'ecdsa_secp256r1_sha256_test.json', curve: 'secp256r1', lowS: false },
  { file: 'ecdsa_secp384r1_sha256_test.json', curve: 'secp384r1', lowS: false },
];

describe.each(sets)('Wycheproof $file', ({ file, curve, lowS }) => {
  const data = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'wycheproof', file), 'utf8')) as WycheproofFile;
  const cases = data.testGroups.flatMap((group) => group.tests.map((test) => ({ group, test })));

  it(`has cases (${cases.length}), none of them 'acceptable'`, () => {
    expect(cases.length).toBeGreaterThan(400);
    // If a vector update brings 'acceptable' cases, decide and document how we answer them.
    expect(cases.filter(({ test }) => test.result === 'acceptable').map(({ test }) => test.tcId)).toEqual([]);
  });

  it('decodes every group key from DER and from SEC1, on the right curve', () => {
    for (const group of data.testGroups) {
      const der = decodePublicKey(group.publicKeyDer);
      const sec1 = decodePublicKey(group.publicKey.uncompressed, curve);
      expect(der.ok && der.value.curve).toBe(curve);
      expect(sec1.ok && sec1.value.curve).toBe(curve);
    }
  });

  it('accepts every valid signature and rejects every invalid one', () => {
    const wrong: string[] = [];
    for (const { group, test } of cases) {
      const key = decodePublicKey(group.publicKeyDer);
      if (!key.ok) throw new Error(`tc ${test.tcId}: key did not decode`);
      const verdict = verifyDerSignature(curve, hexToBytes(test.sig), sha256(hexToBytes(test.msg)), key.value.point, lowS);
      // These testvectors_v1 files have no 'acceptable' cases (checked below): every case is
      // either valid or invalid, and our verdict must agree exactly.
      if (verdict.ok !== (test.result === 'valid')) wrong.push(`tc ${test.tcId} (${test.comment}): expected ${test.result}, got ${verdict.ok ? 'valid' : verdict.reason}`);
    }
    expect(wrong).toEqual([]);
  });
});
