// The registry reader's key history: every period kept, an unusable key included (revoked from
// its own start), so the key-history rule never stretches an older key over a newer one's time.
import { describe, expect, it } from 'vitest';
import { keyAt } from '@feedin/protocol/key-history';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { toDirectory } from './registry-sync.js';

const good = publicKeyFromPrivate(new Uint8Array(32).fill(7));
const notOnCurve = Uint8Array.from([0x02, ...new Uint8Array(32).fill(0)]); // x = 0: no secp256k1 point
const meter = { meterId: 'm1', publicKey: good, keyValidFromSec: 0, payee: `0x${'11'.repeat(20)}` as const, capacityW: 5000, registeredAtSec: 1, active: true, suspendedFromSec: null, shard: 0 };

describe('toDirectory', () => {
  it('keeps an unusable rotated key as a period that accepts nothing, not as more time for the old key', () => {
    const lines: string[] = [];
    const entry = toDirectory(meter, [
      { publicKey: good, validFromSec: 0, revokedFromSec: null },
      { publicKey: notOnCurve, validFromSec: 1_000, revokedFromSec: null },
    ], (line) => lines.push(line))!;
    expect(keyAt(entry.keys!, 999_999)).toMatchObject({ ok: true, key: { validFromMs: 0 } });
    expect(keyAt(entry.keys!, 1_000_000)).toMatchObject({ ok: false, reason: 'key-revoked', key: { validFromMs: 1_000_000, revokedFromMs: 1_000_000 } });
    expect(lines).toEqual(['registry: meter m1: the key from 1970-01-01T00:16:40.000Z is unusable (not a point on secp256k1); nothing it signs is accepted']);
  });
});
