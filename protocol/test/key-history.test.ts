// The key-history rule that login, ingest, settlement and every audit share (protocol/src/key-history.ts):
// exact boundaries, revocation, login keys, and a property over random histories against a brute
// force reading of the rule.
import { describe, expect, it } from 'vitest';
import { keyAt, keyPeriodFromSeconds, loginKeys, singleKeyHistory, type KeyPeriod } from '../src/key-history.js';
import type { PublicKey } from '../src/public-key.js';

const k = (n: number): PublicKey => ({ curve: 'secp256k1', point: new Uint8Array(33).fill(n) });
const period = (n: number, validFromMs: number, revokedFromMs: number | null = null): KeyPeriod => ({ publicKey: k(n), validFromMs, revokedFromMs });

describe('keyAt', () => {
  const history = [period(1, 0), period(2, 1_000, 1_500), period(3, 2_000)];
  it('takes the key valid at the reading time, boundaries included in the later key', () => {
    expect(keyAt(history, 999)).toEqual({ ok: true, key: history[0] });
    expect(keyAt(history, 1_000)).toEqual({ ok: true, key: history[1] });
    expect(keyAt(history, 1_499)).toEqual({ ok: true, key: history[1] });
    expect(keyAt(history, 2_000)).toEqual({ ok: true, key: history[2] });
  });
  it('answers key-revoked from the revocation time until the next key takes over', () => {
    expect(keyAt(history, 1_500)).toEqual({ ok: false, reason: 'key-revoked', key: history[1], detail: 'the key valid at 1970-01-01T00:00:01.500Z (from 1970-01-01T00:00:01.000Z) is revoked from 1970-01-01T00:00:01.500Z' });
    expect(keyAt(history, 1_999)).toMatchObject({ ok: false, reason: 'key-revoked' });
  });
  it('answers no-key before the first key and for an empty history', () => {
    expect(keyAt([period(1, 10)], 9)).toMatchObject({ ok: false, reason: 'no-key' });
    expect(keyAt([], 0)).toMatchObject({ ok: false, reason: 'no-key' });
  });
  it('agrees with a brute-force reading of the rule on random histories', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
    for (let run = 0; run < 500; run++) {
      const keys: KeyPeriod[] = [];
      let from = 0;
      for (let i = 0; i < 1 + rand(4); i++) {
        keys.push(period(i, from, rand(3) === 0 ? from + rand(50) : null));
        from += 1 + rand(40);
      }
      for (let t = 0; t < from + 10; t++) {
        const valid = keys.filter((x) => x.validFromMs <= t).at(-1)!;
        const revoked = valid.revokedFromMs !== null && t >= valid.revokedFromMs;
        const got = keyAt(keys, t);
        expect(got.ok).toBe(!revoked);
        expect(got.ok || got.reason === 'key-revoked' ? (got as { key: KeyPeriod }).key : undefined).toBe(valid);
      }
    }
  });
});

describe('loginKeys', () => {
  it('offers the key valid now and later ones, never a revoked one', () => {
    const history = [period(1, 0, 500), period(2, 1_000), period(3, 2_000, 2_000)];
    expect(loginKeys(history, 400)).toEqual([k(1), k(2), k(3)]);
    expect(loginKeys(history, 600)).toEqual([k(2), k(3)]);
    expect(loginKeys(history, 1_999)).toEqual([k(2), k(3)]);
    expect(loginKeys(history, 2_000)).toEqual([]);
  });
});

describe('conversions', () => {
  it('reads the registry form (seconds, 0 = not revoked) and a single key', () => {
    expect(keyPeriodFromSeconds(k(1), 60, 0)).toEqual(period(1, 60_000));
    expect(keyPeriodFromSeconds(k(1), 60, 90)).toEqual(period(1, 60_000, 90_000));
    expect(keyPeriodFromSeconds(k(1), 60, null)).toEqual(period(1, 60_000));
    expect(singleKeyHistory(k(4))).toEqual([period(4, 0)]);
  });
});
