import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { buildMerkleTree, claimLeafHash, claimLeafValues, CLAIM_LEAF_TYPES, PAYOUT_LEAF_TYPES, payoutLeafHash, verifyMerkleProof, ZERO_ROOT, type ClaimLeaf } from '../src/merkle.js';
import { signMeterJwt, verifyMeterJwt } from '../src/jwt.js';
import { claimAmount } from '../src/amount.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../src/public-key.js';
import { bytesToBase64url, utf8, type Hex } from '../src/hex.js';
import { intervalStartMs, intervalsBetween } from '../src/interval.js';
import { formatOcmfTime, parseOcmfTime } from '../src/ocmf-time.js';

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => ('0x' + Buffer.from(b).toString('hex')) as Hex);
const claimArb: fc.Arbitrary<ClaimLeaf> = fc.record({
  meterId: fc.string({ minLength: 1, maxLength: 70 }),
  intervalStartSec: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  intervalEndSec: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  exportWh: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  amount: fc.bigInt({ min: 0n, max: 2n ** 200n }),
  payee: hex(20),
  openingDigest: hex(32),
  closingDigest: hex(32),
});

describe('Merkle leaves and trees = OpenZeppelin StandardMerkleTree', () => {
  it('claims: same root and the same proof for every leaf', () => {
    fc.assert(
      fc.property(fc.uniqueArray(claimArb, { minLength: 1, maxLength: 12, selector: (l) => l.meterId }), (leaves) => {
        const oz = StandardMerkleTree.of(leaves.map(claimLeafValues), [...CLAIM_LEAF_TYPES]);
        const ours = buildMerkleTree(leaves.map(claimLeafHash));
        if (oz.root !== ours.root) return false;
        return leaves.every((l, i) => JSON.stringify(oz.getProof(i)) === JSON.stringify(ours.proof(claimLeafHash(l))) && verifyMerkleProof(ours.root, claimLeafHash(l), ours.proof(claimLeafHash(l))));
      }),
      { numRuns: 60 },
    );
  });

  it('payouts: same root', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ payee: hex(20), cumulativeAmount: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }) }), { minLength: 1, maxLength: 10, selector: (p) => p.payee }), (payouts) => {
        const oz = StandardMerkleTree.of(payouts.map((p) => [p.payee, String(p.cumulativeAmount)]), [...PAYOUT_LEAF_TYPES]);
        return oz.root === buildMerkleTree(payouts.map(payoutLeafHash)).root;
      }),
      { numRuns: 40 },
    );
  });

  it('an empty tree has the zero root; a wrong proof fails', () => {
    expect(buildMerkleTree([]).root).toBe(ZERO_ROOT);
    const tree = buildMerkleTree([payoutLeafHash({ payee: `0x${'11'.repeat(20)}`, cumulativeAmount: 5n }), payoutLeafHash({ payee: `0x${'22'.repeat(20)}`, cumulativeAmount: 7n })]);
    const leaf = tree.leaves[0]!;
    expect(verifyMerkleProof(tree.root, leaf, tree.proof(leaf))).toBe(true);
    expect(verifyMerkleProof(tree.root, leaf, [`0x${'33'.repeat(32)}`])).toBe(false);
    expect(verifyMerkleProof(tree.root, leaf, ['0xnothex' as Hex])).toBe(false);
  });

  it('builds a 100,000-claim tree (time printed, not asserted: design §Measures that matter)', () => {
    const base: ClaimLeaf = { meterId: '', intervalStartSec: 1n, intervalEndSec: 901n, exportWh: 1234n, amount: 828n, payee: `0x${'ab'.repeat(20)}`, openingDigest: `0x${'11'.repeat(32)}`, closingDigest: `0x${'22'.repeat(32)}` };
    let started = performance.now();
    const hashes = Array.from({ length: 100_000 }, (_, i) => claimLeafHash({ ...base, meterId: `HCM-${i}` }));
    const hashMs = performance.now() - started;
    started = performance.now();
    const tree = buildMerkleTree(hashes);
    const treeMs = performance.now() - started;
    console.log(`100,000 claims: leaf hashes in ${Math.round(hashMs)} ms, tree in ${Math.round(treeMs)} ms`);
    expect(tree.leaves.length).toBe(100_000);
    const leaf = hashes[77_777]!;
    expect(tree.proof(leaf).length).toBeGreaterThanOrEqual(16); // complete, not perfect: depth 16 or 17
    expect(tree.proof(leaf).length).toBeLessThanOrEqual(17);
    expect(verifyMerkleProof(tree.root, leaf, tree.proof(leaf))).toBe(true);
  }, 120_000);
});

describe('ES256K meter JWT', () => {
  const key = generatePrivateKey();
  const pub = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(key) };
  const opts = { nowSec: 1_800_000_100, expectedSub: 'HCM-0001', maxLifetimeSec: 3600 };
  const token = signMeterJwt({ meterId: 'HCM-0001', issuedAtSec: 1_800_000_000, expiresAtSec: 1_800_000_600, jwtId: 'jti-0000000001' }, key);

  it('verifies, and names each failure', () => {
    expect(verifyMeterJwt(token, pub, opts)).toEqual({ ok: true, value: { sub: 'HCM-0001', iat: 1_800_000_000, exp: 1_800_000_600, jti: 'jti-0000000001' } });
    expect(verifyMeterJwt(token, pub, { ...opts, expectedSub: 'HCM-0002' })).toMatchObject({ ok: false, reason: 'wrong-subject' });
    expect(verifyMeterJwt(token, pub, { ...opts, nowSec: 1_800_001_000 })).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyMeterJwt(token, pub, { ...opts, maxLifetimeSec: 60 })).toMatchObject({ ok: false, reason: 'lifetime-too-long' });
    const other = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(generatePrivateKey()) };
    expect(verifyMeterJwt(token, other, opts)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const [, payload, sig] = token.split('.');
    const none = `${bytesToBase64url(utf8('{"alg":"none","typ":"JWT"}'))}.${payload}.${sig}`;
    expect(verifyMeterJwt(none, pub, opts)).toMatchObject({ ok: false, reason: 'unsupported-alg' });
    expect(verifyMeterJwt('a.b', pub, opts)).toMatchObject({ ok: false, reason: 'malformed-token' });
    const hs = `${bytesToBase64url(utf8('{"alg":"HS256","typ":"JWT"}'))}.${payload}.${sig}`;
    expect(verifyMeterJwt(hs, pub, opts)).toMatchObject({ ok: false, reason: 'unsupported-alg' });
    const crit = `${bytesToBase64url(utf8('{"alg":"ES256K","crit":["b64"],"b64":false}'))}.${payload}.${sig}`;
    expect(verifyMeterJwt(crit, pub, opts)).toEqual({ ok: false, reason: 'malformed-token', detail: 'the JWT header has critical extensions (crit) we do not implement' });
    expect(verifyMeterJwt('x'.repeat(3000), pub, opts)).toMatchObject({ ok: false, reason: 'malformed-token' });
    expect(verifyMeterJwt(token, pub, { ...opts, nowSec: 1_799_999_000 })).toMatchObject({ ok: false, reason: 'not-yet-valid' });
    const backwards = signMeterJwt({ meterId: 'HCM-0001', issuedAtSec: 1_800_000_100, expiresAtSec: 1_800_000_100, jwtId: 'jti-0000000002' }, key);
    expect(verifyMeterJwt(backwards, pub, opts)).toEqual({ ok: false, reason: 'malformed-token', detail: 'exp 1800000100 is not after iat 1800000100' });
    const forged = token.split('.').map((p, i) => (i === 1 ? bytesToBase64url(utf8('{"sub":"HCM-0001","iat":1800000000,"exp":1900000000}')) : p)).join('.');
    expect(verifyMeterJwt(forged, pub, opts)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('requires a jti of 8-64 visible characters (the gateway accepts each token once)', () => {
    const b64 = (o: unknown) => bytesToBase64url(utf8(JSON.stringify(o)));
    const signed = (claims: unknown) => {
      const input = `${b64({ alg: 'ES256K', typ: 'JWT' })}.${b64(claims)}`;
      return `${input}.${bytesToBase64url(secp256k1.sign(sha256(utf8(input)), key, { prehash: false, format: 'compact' }))}`;
    };
    const claims = { sub: 'HCM-0001', iat: 1_800_000_000, exp: 1_800_000_600 };
    const required = { ok: false, reason: 'malformed-token', detail: 'jti is required: 8-64 visible ASCII characters, unique per token' };
    for (const jti of [undefined, 7, 'short', 'x'.repeat(65), 'has space'])
      expect(verifyMeterJwt(signed(jti === undefined ? claims : { ...claims, jti }), pub, opts)).toEqual(required);
    expect(() => signMeterJwt({ meterId: 'HCM-0001', issuedAtSec: 1, expiresAtSec: 2, jwtId: '' }, key)).toThrow(new TypeError('jwtId: 8-64 visible ASCII characters, got ""'));
  });

  it('rejects the high-s twin of a valid signature (malleability)', () => {
    const [header, payload, sig] = token.split('.') as [string, string, string];
    const rs = Uint8Array.from(atob(sig.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const n = secp256k1.Point.CURVE().n;
    const s = BigInt('0x' + Buffer.from(rs.subarray(32)).toString('hex'));
    const highS = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
    const twin = `${header}.${payload}.${bytesToBase64url(Uint8Array.from([...rs.subarray(0, 32), ...highS]))}`;
    expect(verifyMeterJwt(twin, pub, opts)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
});

describe('amounts carry their remainder', () => {
  it('Σ amounts over any split = floor(Σ energy × price / 1000)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10_000n }), { maxLength: 50 }), fc.bigInt({ min: 0n, max: 5000n }), (energies, price) => {
        let carry = 0n;
        let paid = 0n;
        for (const exportWh of energies) {
          const r = claimAmount({ exportWh, pricePerKWh: price, carryIn: carry });
          paid += r.amount;
          carry = r.carryOut;
        }
        const total = energies.reduce((a, b) => a + b, 0n) * price;
        return paid === total / 1000n && carry === total % 1000n;
      }),
    );
  });
});

describe('time', () => {
  it('intervals align to UTC and the boundary belongs to the closing interval', () => {
    const t = Date.UTC(2026, 10, 22, 3, 15);
    expect(intervalStartMs(t, 15)).toBe(t);
    expect(intervalStartMs(t - 1, 15)).toBe(t - 15 * 60_000);
    expect(intervalsBetween(t, t + 3600_000, 15)).toHaveLength(4);
  });

  it('OCMF TM round-trips and accepts the variants vendors write', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: -720, max: 840 }), (ms, off) => {
      const parsed = parseOcmfTime(formatOcmfTime(ms, off));
      return parsed.ok && parsed.value.timestampMs === ms && parsed.value.utcOffsetMinutes === off;
    }));
    expect(parseOcmfTime('2019-06-26T08:57:44.337+02:00 U')).toMatchObject({ ok: true, value: { timestampMs: Date.UTC(2019, 5, 26, 6, 57, 44, 337), clockStatus: 'U' } });
    expect(parseOcmfTime('2019-02-30T08:57:44,337+0000 S')).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('golden vectors (the worked examples in docs/protocol.md)', () => {
  const leaf: ClaimLeaf = {
    meterId: 'HCM-0001',
    intervalStartSec: 1_795_362_300n,
    intervalEndSec: 1_795_363_200n,
    exportWh: 1234n,
    amount: 3085n,
    payee: '0x52908400098527886E0F7030069857D2E4169EE7',
    openingDigest: '0xbafb37f7c41c91bf945beb01570494dce40c9390b1ad8f0271980a771a7674c5',
    closingDigest: `0x${'ab'.repeat(32)}`,
  };

  it('claim and payout leaf hashes, equal to OpenZeppelin', () => {
    expect(claimLeafHash(leaf)).toBe('0xb2e28bfb4f4df8075dbad0cbdb3b494e1fdbe444a8842dfde5d318ff2d3bac95');
    expect(StandardMerkleTree.of([claimLeafValues(leaf)], [...CLAIM_LEAF_TYPES]).root).toBe(claimLeafHash(leaf));
    const payout = { payee: leaf.payee, cumulativeAmount: 3085n };
    expect(payoutLeafHash(payout)).toBe('0xf82244926fab7c1861a8f9d06a500090818f50ebf43b4e384398b97e2f9e3a2e');
    expect(StandardMerkleTree.of([[payout.payee, '3085']], [...PAYOUT_LEAF_TYPES]).root).toBe(payoutLeafHash(payout));
  });

  it('the documented ES256K token', () => {
    expect(signMeterJwt({ meterId: 'HCM-0001', issuedAtSec: 1_795_000_000, expiresAtSec: 1_795_000_300, jwtId: 'Zm9yIGZlZWRpbiBkb2Nz' }, new Uint8Array(32).fill(0x11))).toBe(
      'eyJhbGciOiJFUzI1NksiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiJIQ00tMDAwMSIsImlhdCI6MTc5NTAwMDAwMCwiZXhwIjoxNzk1MDAwMzAwLCJqdGkiOiJabTl5SUdabFpXUnBiaUJrYjJOeiJ9.pSFMaLQURAHQmrkOvrLEcHrn9N8hnJ2mozQKi0f9YUtzYPX6lEqdKolBIk8YM2ogldIHn7kAxOkApSoQRQ6ckg',
    );
  });
});
