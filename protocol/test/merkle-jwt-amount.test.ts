import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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

  it('builds a 10,000-claim tree (the 100,000 figure is in npm run bench)', () => {
    const base: ClaimLeaf = { meterId: '', intervalStartSec: 1n, intervalEndSec: 901n, exportWh: 1234n, amount: 828n, payee: `0x${'ab'.repeat(20)}`, openingDigest: `0x${'11'.repeat(32)}`, closingDigest: `0x${'22'.repeat(32)}` };
    const started = performance.now();
    const tree = buildMerkleTree(Array.from({ length: 10_000 }, (_, i) => claimLeafHash({ ...base, meterId: `HCM-${i}` })));
    console.log(`10,000-claim tree built in ${Math.round(performance.now() - started)} ms`);
    expect(tree.leaves.length).toBe(10_000);
  }, 60_000);
});

describe('ES256K meter JWT', () => {
  const key = generatePrivateKey();
  const pub = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(key) };
  const opts = { nowSec: 1_800_000_100, expectedSub: 'HCM-0001', maxLifetimeSec: 3600 };
  const token = signMeterJwt({ meterId: 'HCM-0001', issuedAtSec: 1_800_000_000, expiresAtSec: 1_800_000_600 }, key);

  it('verifies, and names each failure', () => {
    expect(verifyMeterJwt(token, pub, opts)).toEqual({ ok: true, value: { sub: 'HCM-0001', iat: 1_800_000_000, exp: 1_800_000_600 } });
    expect(verifyMeterJwt(token, pub, { ...opts, expectedSub: 'HCM-0002' })).toMatchObject({ ok: false, reason: 'wrong-subject' });
    expect(verifyMeterJwt(token, pub, { ...opts, nowSec: 1_800_001_000 })).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyMeterJwt(token, pub, { ...opts, maxLifetimeSec: 60 })).toMatchObject({ ok: false, reason: 'lifetime-too-long' });
    const other = { curve: 'secp256k1' as const, point: publicKeyFromPrivate(generatePrivateKey()) };
    expect(verifyMeterJwt(token, other, opts)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const [, payload, sig] = token.split('.');
    const none = `${bytesToBase64url(utf8('{"alg":"none","typ":"JWT"}'))}.${payload}.${sig}`;
    expect(verifyMeterJwt(none, pub, opts)).toMatchObject({ ok: false, reason: 'unsupported-alg' });
    expect(verifyMeterJwt('a.b', pub, opts)).toMatchObject({ ok: false, reason: 'malformed-token' });
    const forged = token.split('.').map((p, i) => (i === 1 ? bytesToBase64url(utf8('{"sub":"HCM-0001","iat":1800000000,"exp":1900000000}')) : p)).join('.');
    expect(verifyMeterJwt(forged, pub, opts)).toMatchObject({ ok: false, reason: 'bad-signature' });
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
