// The bytes-level Merkle path (what a batch's roots are built with) against @openzeppelin/merkle-tree,
// with the portable Keccak and with WebAssembly: leaf hashes in bulk, across chunk boundaries and
// with non-ASCII or very long meter ids; trees over leaves that share long prefixes or repeat.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimpleMerkleTree, StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { bytesToHex, concatBytes, hexToBytes, utf8, type Hex } from '../src/hex.js';
import { portableKeccak256, type Keccak256Implementation } from '../src/keccak.js';
import { createWasmKeccak256 } from '../src/keccak-wasm.js';
import {
  buildMerkleTree,
  buildMerkleTreeFromBytes,
  claimLeafHash,
  claimLeafHashes,
  claimLeafValues,
  CLAIM_LEAF_TYPES,
  encodeClaimLeaf,
  hashesToHex,
  payoutLeafHash,
  payoutLeafHashes,
  PAYOUT_LEAF_TYPES,
  verifyMerkleProof,
  ZERO_ROOT,
  type ClaimLeaf,
} from '../src/merkle.js';

const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => bytesToHex(b));
// bigints around the fast path's edge (2^53) and the types' limits, besides random ones
const uintArb = (bits: bigint) =>
  fc.oneof(fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** bits - 1n), fc.bigInt({ min: 0n, max: 2n ** bits - 1n }), fc.bigInt({ min: 0n, max: 2n ** 60n }));
const claimArb: fc.Arbitrary<ClaimLeaf> = fc.record({
  meterId: fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
  intervalStartSec: uintArb(64n),
  intervalEndSec: uintArb(64n),
  exportWh: uintArb(256n),
  amount: uintArb(256n),
  payee: hex(20),
  openingDigest: hex(32),
  closingDigest: hex(32),
});
/** OpenZeppelin's leaf hash of a claim. */
const ozClaimLeaf = (l: ClaimLeaf): string => StandardMerkleTree.of([claimLeafValues(l)], [...CLAIM_LEAF_TYPES]).leafHash(claimLeafValues(l));
const slots = (hashes: Uint8Array): Hex[] => Array.from({ length: hashes.length / 32 }, (_, i) => bytesToHex(hashes.subarray(i * 32, (i + 1) * 32)));
// 32-byte leaves whose first four bytes come from a small set: runs the radix sort has to finish on all 32
const leafHashArb = fc.tuple(fc.constantFrom('00000000', 'abcdef01', 'abcdef02', 'ffffffff'), hex(28)).map(([prefix, rest]) => `0x${prefix}${rest.slice(2)}` as Hex);

describe.each(['portable', 'wasm'] as const)('bytes-level Merkle path, %s Keccak', (which) => {
  let keccak: Keccak256Implementation = portableKeccak256;
  beforeAll(async () => {
    if (which === 'wasm') keccak = (await createWasmKeccak256())!;
    expect(keccak).not.toBeNull();
  });

  it('claimLeafHashes: OpenZeppelin leaf hashes, in order, one 32-byte slot each', () => {
    fc.assert(
      fc.property(fc.array(claimArb, { maxLength: 8 }), (leaves) => {
        const hashes = slots(claimLeafHashes(leaves, keccak));
        return hashes.length === leaves.length && leaves.every((l, i) => hashes[i] === ozClaimLeaf(l) && hashes[i] === claimLeafHash(l));
      }),
      { numRuns: 60 },
    );
  });

  it('claimLeafHashes across chunk boundaries, with a meter id longer than a chunk', () => {
    const base: ClaimLeaf = { meterId: '', intervalStartSec: 1_795_000_500n, intervalEndSec: 1_795_001_400n, exportWh: 125n, amount: 2n ** 70n, payee: `0x${'ab'.repeat(20)}`, openingDigest: `0x${'11'.repeat(32)}`, closingDigest: `0x${'22'.repeat(32)}` };
    const leaves = Array.from({ length: 400 }, (_, i) => ({ ...base, meterId: i === 200 ? 'é'.repeat(12_000) : `HCM-${'x'.repeat(i % 97)}-${i}` }));
    expect(slots(claimLeafHashes(leaves, keccak))).toEqual(leaves.map(ozClaimLeaf));
  });

  it('payoutLeafHashes: OpenZeppelin leaf hashes, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ payee: hex(20), cumulativeAmount: uintArb(256n) }), { maxLength: 8 }), (payouts) => {
        const hashes = slots(payoutLeafHashes(payouts, keccak));
        return payouts.every((p, i) => {
          const values = [p.payee, String(p.cumulativeAmount)];
          return hashes[i] === StandardMerkleTree.of([values], [...PAYOUT_LEAF_TYPES]).leafHash(values) && hashes[i] === payoutLeafHash(p);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('buildMerkleTreeFromBytes = OpenZeppelin over leaves sharing long prefixes: root, leaf order, every proof', () => {
    fc.assert(
      fc.property(fc.uniqueArray(leafHashArb, { minLength: 1, maxLength: 40 }), (leaves) => {
        const oz = SimpleMerkleTree.of(leaves);
        const ours = buildMerkleTreeFromBytes(hexToBytes(leaves.map((l) => l.slice(2)).join('')), keccak);
        if (ours.root !== oz.root || JSON.stringify(ours.leaves) !== JSON.stringify([...leaves].sort())) return false;
        return leaves.every((l, i) => JSON.stringify(ours.proof(l)) === JSON.stringify(oz.getProof(i)) && ours.leafIndex(l) === ours.leaves.indexOf(l));
      }),
      { numRuns: 100 },
    );
  });

  it('repeated leaves: the same root as OpenZeppelin, and proofs that verify', () => {
    fc.assert(
      fc.property(fc.array(leafHashArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (distinct, picks) => {
        const leaves = picks.map((p) => distinct[p % distinct.length]!);
        const ours = buildMerkleTreeFromBytes(concatBytes(...leaves.map((l) => hexToBytes(l))), keccak);
        return ours.root === SimpleMerkleTree.of(leaves).root && leaves.every((l) => verifyMerkleProof(ours.root, l, ours.proof(l)));
      }),
      { numRuns: 100 },
    );
  });

  it('buildMerkleTree (hex) and buildMerkleTreeFromBytes give the same tree; empty is ZERO_ROOT', () => {
    const leaves = Array.from({ length: 37 }, (_, i) => claimLeafHash({ meterId: `m-${i}`, intervalStartSec: 1n, intervalEndSec: 901n, exportWh: BigInt(i), amount: 1n, payee: `0x${'01'.repeat(20)}`, openingDigest: `0x${'11'.repeat(32)}`, closingDigest: `0x${'22'.repeat(32)}` }));
    const fromHex = buildMerkleTree(leaves.map((l) => l.toUpperCase().replace('0X', '0x') as Hex), keccak);
    const fromBytes = buildMerkleTreeFromBytes(concatBytes(...leaves.map((l) => hexToBytes(l))), keccak);
    expect(fromHex.root).toBe(fromBytes.root);
    expect(fromHex.leaves).toEqual(fromBytes.leaves);
    expect(fromHex.proof(leaves[5]!)).toEqual(fromBytes.proof(leaves[5]!));
    const unaligned = new Uint8Array(1 + leaves.length * 32).subarray(1); // byteOffset 1: no Uint32Array view
    unaligned.set(concatBytes(...leaves.map((l) => hexToBytes(l))));
    expect(buildMerkleTreeFromBytes(unaligned, keccak).root).toBe(fromBytes.root);
    const empty = buildMerkleTreeFromBytes(new Uint8Array(0));
    expect(empty.root).toBe(ZERO_ROOT);
    expect(empty.leaves).toEqual([]);
    expect(empty.leafIndex(leaves[0]!)).toBe(-1);
    expect(() => empty.proof(leaves[0]!)).toThrow(`hash: ${leaves[0]} is not a leaf of this tree`);
  });
});

describe('bytes-level Merkle helpers', () => {
  it('hashesToHex: lower-case 0x hex of each 32-byte slot, in order', () => {
    fc.assert(fc.property(fc.array(hex(32), { maxLength: 20 }), (hashes) => JSON.stringify(hashesToHex(concatBytes(...hashes.map((h) => hexToBytes(h))))) === JSON.stringify(hashes)));
    expect(() => hashesToHex(new Uint8Array(33))).toThrow('hashes: expected 32-byte hashes, got 33 bytes');
  });

  it('names what does not fit the ABI types, and a malformed tree input', () => {
    const leaf: ClaimLeaf = { meterId: 'HCM-0001', intervalStartSec: 1n, intervalEndSec: 901n, exportWh: 1n, amount: 1n, payee: `0x${'01'.repeat(20)}`, openingDigest: `0x${'11'.repeat(32)}`, closingDigest: `0x${'22'.repeat(32)}` };
    expect(() => claimLeafHashes([{ ...leaf, intervalEndSec: 2n ** 64n }])).toThrow('intervalEndSec: 18446744073709551616 does not fit uint64');
    expect(() => claimLeafHashes([{ ...leaf, amount: -1n }])).toThrow('amount: -1 does not fit uint256');
    expect(() => claimLeafHashes([{ ...leaf, exportWh: 2n ** 256n }])).toThrow(`exportWh: ${2n ** 256n} does not fit uint256`);
    expect(() => claimLeafHashes([{ ...leaf, payee: '0x12' }])).toThrow('payee: expected an address, got "0x12"');
    expect(() => payoutLeafHashes([{ payee: `0x${'zz'.repeat(20)}`, cumulativeAmount: 1n }])).toThrow(`payee: expected an address, got "0x${'zz'.repeat(20)}"`);
    expect(() => claimLeafHashes([{ ...leaf, closingDigest: `0x${'11'.repeat(31)}` }])).toThrow(`closingDigest: expected bytes32, got "0x${'11'.repeat(31)}"`);
    expect(() => buildMerkleTreeFromBytes(new Uint8Array(31))).toThrow('leafHashes: expected 32-byte hashes, got 31 bytes');
    expect(() => buildMerkleTree(['0x1234'])).toThrow('leafHashes: expected 32-byte hex hashes, got "0x1234"');
  });

  it('encodeClaimLeaf: the bytes OpenZeppelin hashes (its leaf is their double keccak)', () => {
    const leaf: ClaimLeaf = { meterId: 'Zähler-€-😀', intervalStartSec: 2n ** 64n - 1n, intervalEndSec: 2n ** 53n, exportWh: 2n ** 255n, amount: 9_007_199_254_740_991n, payee: `0x${'ab'.repeat(20)}`, openingDigest: `0x${'11'.repeat(32)}`, closingDigest: `0x${'22'.repeat(32)}` };
    const encoded = encodeClaimLeaf(leaf);
    const id = utf8(leaf.meterId); // 16 bytes: ä 2, € 3, 😀 4
    expect(encoded.length).toBe(9 * 32 + 32);
    expect(bytesToHex(encoded.subarray(8 * 32, 9 * 32))).toBe(`0x${'00'.repeat(31)}10`);
    expect(encoded.subarray(9 * 32)).toEqual(concatBytes(id, new Uint8Array(32 - id.length)));
    expect(slots(claimLeafHashes([leaf]))[0]).toBe(ozClaimLeaf(leaf));
  });
});
