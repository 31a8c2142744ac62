// The worker-thread verifier answers exactly as the synchronous one, for many records verified
// at once (batched into one worker message per turn), good and bad alike.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CURVES } from '@feedin/protocol/curves';
import { signOcmf } from '@feedin/protocol/ocmf-build';
import { parseOcmf, type OcmfRecord } from '@feedin/protocol/ocmf-parse';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { createFastVerifyOcmf } from './verify-fast.js';
import { loadNativeSecp256k1 } from './verify-native-secp256k1.js';
import { createVerifyPool, verifyThreadsFromEnv } from './verify-pool.js';

const secp = CURVES.secp256k1;
const N = secp.Point.CURVE().n;
const native = loadNativeSecp256k1();
const pool = createVerifyPool({ threads: 2, native });
const sync = createFastVerifyOcmf(native);
afterAll(() => pool.close());

describe('verify pool', () => {
  it('runs on worker threads here', () => {
    expect(pool.threads).toBe(2);
  });

  it('gives the synchronous verdicts for a few hundred records verified at once', async () => {
    const keys = Array.from({ length: 4 }, () => secp.utils.randomSecretKey());
    const cases = fc.sample(
      fc.tuple(fc.nat(3), fc.string({ maxLength: 20 }), fc.constantFrom('good', 'high-s', 'flip', 'other-key', 'p256-sa'), fc.nat()),
      300,
    ).map(([signer, text, mutation, at]) => {
      let ocmf = signOcmf(JSON.stringify({ PG: 'F1', MS: 'm', X: text }), keys[signer]!);
      if (mutation === 'p256-sa') ocmf = ocmf.replace('ECDSA-secp256k1-SHA256', 'ECDSA-secp256r1-SHA256');
      const record = parseOcmf(ocmf);
      if (!record.ok) throw new Error(record.detail);
      let r: OcmfRecord = record.value;
      if (mutation === 'high-s') {
        const sig = secp.Signature.fromBytes(r.signature.data, 'der');
        r = { ...r, signature: { ...r.signature, data: new secp.Signature(sig.r, N - sig.s).toBytes('der') } };
      }
      if (mutation === 'flip') {
        const data = r.signature.data.slice();
        data[at % data.length]! ^= 1 << at % 8;
        r = { ...r, signature: { ...r.signature, data } };
      }
      const key = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(keys[mutation === 'other-key' ? (signer + 1) % 4 : signer]!) };
      return { r, key, lowS: at % 2 === 0 };
    });
    const pooled = await Promise.all(cases.map(({ r, key, lowS }) => pool.verify(r, key, { lowS })));
    expect(pooled).toEqual(cases.map(({ r, key, lowS }) => sync(r, key, { lowS })));
    expect(pooled.filter((v) => v.ok).length).toBeGreaterThan(10);
  });

  it('reads FEEDIN_VERIFY_THREADS', () => {
    expect(verifyThreadsFromEnv({ FEEDIN_VERIFY_THREADS: '0' })).toBe(0);
    expect(verifyThreadsFromEnv({ FEEDIN_VERIFY_THREADS: '3' })).toBe(3);
    expect(() => verifyThreadsFromEnv({ FEEDIN_VERIFY_THREADS: 'x' })).toThrow(RangeError);
  });
});
