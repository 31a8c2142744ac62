// Keccak-256 (the Ethereum hash: original Keccak padding 0x01, not SHA3's 0x06) with the
// Keccak-f[1600] permutation unrolled on 32-bit lane halves. Why not @noble/hashes' keccak_256:
// the roots of a 100,000-claim batch take ~800,000 permutations and noble's loop-based one is
// several times slower. This file is checked byte for byte against noble on random inputs of every
// length around the block boundaries (keccak.test.ts); nothing else in feedin hashes with it for
// security beyond what noble would give. It is also the reference a faster implementation
// (keccak-wasm.ts) must match before `checkKeccak256` accepts it.
import { FeedinError } from './errors.js';

const RATE_BYTES = 136; // 1088-bit rate for a 256-bit capacity (FIPS 202 §5.2 with Keccak padding)

// Round constants ι as [lo, hi] 32-bit halves (Keccak reference, 24 rounds).
const RC = Uint32Array.from([
  0x00000001, 0x00000000, 0x00008082, 0x00000000, 0x0000808a, 0x80000000, 0x80008000, 0x80000000,
  0x0000808b, 0x00000000, 0x80000001, 0x00000000, 0x80008081, 0x80000000, 0x00008009, 0x80000000,
  0x0000008a, 0x00000000, 0x00000088, 0x00000000, 0x80008009, 0x00000000, 0x8000000a, 0x00000000,
  0x8000808b, 0x00000000, 0x0000008b, 0x80000000, 0x00008089, 0x80000000, 0x00008003, 0x80000000,
  0x00008002, 0x80000000, 0x00000080, 0x80000000, 0x0000800a, 0x00000000, 0x8000000a, 0x80000000,
  0x80008081, 0x80000000, 0x00008080, 0x80000000, 0x80000001, 0x00000000, 0x80008008, 0x80000000,
]);

/** Keccak-f[1600] in place. Lane (x, y) is s[2(x+5y)] (low half) and s[2(x+5y)+1] (high half).
 * Unrolled: θ, then ρ and π into b-locals, then χ and ι (the round structure of FIPS 202 §3.2). */
function keccakF1600(s: Uint32Array): void {
  let l0 = s[0]!, h0 = s[1]!, l1 = s[2]!, h1 = s[3]!, l2 = s[4]!, h2 = s[5]!, l3 = s[6]!, h3 = s[7]!, l4 = s[8]!, h4 = s[9]!, l5 = s[10]!, h5 = s[11]!, l6 = s[12]!, h6 = s[13]!, l7 = s[14]!, h7 = s[15]!, l8 = s[16]!, h8 = s[17]!, l9 = s[18]!, h9 = s[19]!, l10 = s[20]!, h10 = s[21]!, l11 = s[22]!, h11 = s[23]!, l12 = s[24]!, h12 = s[25]!, l13 = s[26]!, h13 = s[27]!, l14 = s[28]!, h14 = s[29]!, l15 = s[30]!, h15 = s[31]!, l16 = s[32]!, h16 = s[33]!, l17 = s[34]!, h17 = s[35]!, l18 = s[36]!, h18 = s[37]!, l19 = s[38]!, h19 = s[39]!, l20 = s[40]!, h20 = s[41]!, l21 = s[42]!, h21 = s[43]!, l22 = s[44]!, h22 = s[45]!, l23 = s[46]!, h23 = s[47]!, l24 = s[48]!, h24 = s[49]!;
  for (let round = 0; round < 48; round += 2) {
    const cl0 = l0 ^ l5 ^ l10 ^ l15 ^ l20, ch0 = h0 ^ h5 ^ h10 ^ h15 ^ h20;
    const cl1 = l1 ^ l6 ^ l11 ^ l16 ^ l21, ch1 = h1 ^ h6 ^ h11 ^ h16 ^ h21;
    const cl2 = l2 ^ l7 ^ l12 ^ l17 ^ l22, ch2 = h2 ^ h7 ^ h12 ^ h17 ^ h22;
    const cl3 = l3 ^ l8 ^ l13 ^ l18 ^ l23, ch3 = h3 ^ h8 ^ h13 ^ h18 ^ h23;
    const cl4 = l4 ^ l9 ^ l14 ^ l19 ^ l24, ch4 = h4 ^ h9 ^ h14 ^ h19 ^ h24;
    const dl0 = cl4 ^ ((cl1 << 1) | (ch1 >>> 31)), dh0 = ch4 ^ ((ch1 << 1) | (cl1 >>> 31));
    l0 ^= dl0; h0 ^= dh0; l5 ^= dl0; h5 ^= dh0; l10 ^= dl0; h10 ^= dh0; l15 ^= dl0; h15 ^= dh0; l20 ^= dl0; h20 ^= dh0;
    const dl1 = cl0 ^ ((cl2 << 1) | (ch2 >>> 31)), dh1 = ch0 ^ ((ch2 << 1) | (cl2 >>> 31));
    l1 ^= dl1; h1 ^= dh1; l6 ^= dl1; h6 ^= dh1; l11 ^= dl1; h11 ^= dh1; l16 ^= dl1; h16 ^= dh1; l21 ^= dl1; h21 ^= dh1;
    const dl2 = cl1 ^ ((cl3 << 1) | (ch3 >>> 31)), dh2 = ch1 ^ ((ch3 << 1) | (cl3 >>> 31));
    l2 ^= dl2; h2 ^= dh2; l7 ^= dl2; h7 ^= dh2; l12 ^= dl2; h12 ^= dh2; l17 ^= dl2; h17 ^= dh2; l22 ^= dl2; h22 ^= dh2;
    const dl3 = cl2 ^ ((cl4 << 1) | (ch4 >>> 31)), dh3 = ch2 ^ ((ch4 << 1) | (cl4 >>> 31));
    l3 ^= dl3; h3 ^= dh3; l8 ^= dl3; h8 ^= dh3; l13 ^= dl3; h13 ^= dh3; l18 ^= dl3; h18 ^= dh3; l23 ^= dl3; h23 ^= dh3;
    const dl4 = cl3 ^ ((cl0 << 1) | (ch0 >>> 31)), dh4 = ch3 ^ ((ch0 << 1) | (cl0 >>> 31));
    l4 ^= dl4; h4 ^= dh4; l9 ^= dl4; h9 ^= dh4; l14 ^= dl4; h14 ^= dh4; l19 ^= dl4; h19 ^= dh4; l24 ^= dl4; h24 ^= dh4;
    const bl0 = l0, bh0 = h0;
    const bl16 = (h5 << 4) | (l5 >>> 28), bh16 = (l5 << 4) | (h5 >>> 28);
    const bl7 = (l10 << 3) | (h10 >>> 29), bh7 = (h10 << 3) | (l10 >>> 29);
    const bl23 = (h15 << 9) | (l15 >>> 23), bh23 = (l15 << 9) | (h15 >>> 23);
    const bl14 = (l20 << 18) | (h20 >>> 14), bh14 = (h20 << 18) | (l20 >>> 14);
    const bl10 = (l1 << 1) | (h1 >>> 31), bh10 = (h1 << 1) | (l1 >>> 31);
    const bl1 = (h6 << 12) | (l6 >>> 20), bh1 = (l6 << 12) | (h6 >>> 20);
    const bl17 = (l11 << 10) | (h11 >>> 22), bh17 = (h11 << 10) | (l11 >>> 22);
    const bl8 = (h16 << 13) | (l16 >>> 19), bh8 = (l16 << 13) | (h16 >>> 19);
    const bl24 = (l21 << 2) | (h21 >>> 30), bh24 = (h21 << 2) | (l21 >>> 30);
    const bl20 = (h2 << 30) | (l2 >>> 2), bh20 = (l2 << 30) | (h2 >>> 2);
    const bl11 = (l7 << 6) | (h7 >>> 26), bh11 = (h7 << 6) | (l7 >>> 26);
    const bl2 = (h12 << 11) | (l12 >>> 21), bh2 = (l12 << 11) | (h12 >>> 21);
    const bl18 = (l17 << 15) | (h17 >>> 17), bh18 = (h17 << 15) | (l17 >>> 17);
    const bl9 = (h22 << 29) | (l22 >>> 3), bh9 = (l22 << 29) | (h22 >>> 3);
    const bl5 = (l3 << 28) | (h3 >>> 4), bh5 = (h3 << 28) | (l3 >>> 4);
    const bl21 = (h8 << 23) | (l8 >>> 9), bh21 = (l8 << 23) | (h8 >>> 9);
    const bl12 = (l13 << 25) | (h13 >>> 7), bh12 = (h13 << 25) | (l13 >>> 7);
    const bl3 = (l18 << 21) | (h18 >>> 11), bh3 = (h18 << 21) | (l18 >>> 11);
    const bl19 = (h23 << 24) | (l23 >>> 8), bh19 = (l23 << 24) | (h23 >>> 8);
    const bl15 = (l4 << 27) | (h4 >>> 5), bh15 = (h4 << 27) | (l4 >>> 5);
    const bl6 = (l9 << 20) | (h9 >>> 12), bh6 = (h9 << 20) | (l9 >>> 12);
    const bl22 = (h14 << 7) | (l14 >>> 25), bh22 = (l14 << 7) | (h14 >>> 25);
    const bl13 = (l19 << 8) | (h19 >>> 24), bh13 = (h19 << 8) | (l19 >>> 24);
    const bl4 = (l24 << 14) | (h24 >>> 18), bh4 = (h24 << 14) | (l24 >>> 18);
    l0 = bl0 ^ (~bl1 & bl2); h0 = bh0 ^ (~bh1 & bh2);
    l1 = bl1 ^ (~bl2 & bl3); h1 = bh1 ^ (~bh2 & bh3);
    l2 = bl2 ^ (~bl3 & bl4); h2 = bh2 ^ (~bh3 & bh4);
    l3 = bl3 ^ (~bl4 & bl0); h3 = bh3 ^ (~bh4 & bh0);
    l4 = bl4 ^ (~bl0 & bl1); h4 = bh4 ^ (~bh0 & bh1);
    l5 = bl5 ^ (~bl6 & bl7); h5 = bh5 ^ (~bh6 & bh7);
    l6 = bl6 ^ (~bl7 & bl8); h6 = bh6 ^ (~bh7 & bh8);
    l7 = bl7 ^ (~bl8 & bl9); h7 = bh7 ^ (~bh8 & bh9);
    l8 = bl8 ^ (~bl9 & bl5); h8 = bh8 ^ (~bh9 & bh5);
    l9 = bl9 ^ (~bl5 & bl6); h9 = bh9 ^ (~bh5 & bh6);
    l10 = bl10 ^ (~bl11 & bl12); h10 = bh10 ^ (~bh11 & bh12);
    l11 = bl11 ^ (~bl12 & bl13); h11 = bh11 ^ (~bh12 & bh13);
    l12 = bl12 ^ (~bl13 & bl14); h12 = bh12 ^ (~bh13 & bh14);
    l13 = bl13 ^ (~bl14 & bl10); h13 = bh13 ^ (~bh14 & bh10);
    l14 = bl14 ^ (~bl10 & bl11); h14 = bh14 ^ (~bh10 & bh11);
    l15 = bl15 ^ (~bl16 & bl17); h15 = bh15 ^ (~bh16 & bh17);
    l16 = bl16 ^ (~bl17 & bl18); h16 = bh16 ^ (~bh17 & bh18);
    l17 = bl17 ^ (~bl18 & bl19); h17 = bh17 ^ (~bh18 & bh19);
    l18 = bl18 ^ (~bl19 & bl15); h18 = bh18 ^ (~bh19 & bh15);
    l19 = bl19 ^ (~bl15 & bl16); h19 = bh19 ^ (~bh15 & bh16);
    l20 = bl20 ^ (~bl21 & bl22); h20 = bh20 ^ (~bh21 & bh22);
    l21 = bl21 ^ (~bl22 & bl23); h21 = bh21 ^ (~bh22 & bh23);
    l22 = bl22 ^ (~bl23 & bl24); h22 = bh22 ^ (~bh23 & bh24);
    l23 = bl23 ^ (~bl24 & bl20); h23 = bh23 ^ (~bh24 & bh20);
    l24 = bl24 ^ (~bl20 & bl21); h24 = bh24 ^ (~bh20 & bh21);
    l0 ^= RC[round]!; h0 ^= RC[round + 1]!;
  }
  s[0] = l0; s[1] = h0; s[2] = l1; s[3] = h1; s[4] = l2; s[5] = h2; s[6] = l3; s[7] = h3; s[8] = l4; s[9] = h4; s[10] = l5; s[11] = h5; s[12] = l6; s[13] = h6; s[14] = l7; s[15] = h7; s[16] = l8; s[17] = h8; s[18] = l9; s[19] = h9; s[20] = l10; s[21] = h10; s[22] = l11; s[23] = h11; s[24] = l12; s[25] = h12; s[26] = l13; s[27] = h13; s[28] = l14; s[29] = h14; s[30] = l15; s[31] = h15; s[32] = l16; s[33] = h16; s[34] = l17; s[35] = h17; s[36] = l18; s[37] = h18; s[38] = l19; s[39] = h19; s[40] = l20; s[41] = h20; s[42] = l21; s[43] = h21; s[44] = l22; s[45] = h22; s[46] = l23; s[47] = h23; s[48] = l24; s[49] = h24;
}

function absorbBlock(s: Uint32Array, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < RATE_BYTES / 4; i++) {
    const o = at + i * 4;
    s[i] = s[i]! ^ (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24));
  }
  keccakF1600(s);
}

/** What a Keccak-256 implementation gives: one hash into the caller's buffer, and the two bulk
 * jobs of a Merkle tree — the leaf hashes of many records, the inner nodes of a whole tree — as
 * one call each: in WebAssembly, a call per hash costs about as much as the permutation. */
export interface Keccak256Implementation {
  /** Keccak-256 of `data`, written to `out` at `at`. */
  hashInto(data: Uint8Array, out: Uint8Array, at: number): void;
  /** For each record i of `records` (bytes ends[i − 1] … ends[i], from 0), keccak256(keccak256(
   * record)) — OpenZeppelin's leaf hash — written to `out` at at + 32i. */
  hashLeaves(records: Uint8Array, ends: Uint32Array, count: number, out: Uint8Array, at: number): void;
  /** For i = parents − 1 down to 0: node i of `nodes` (32 bytes each) = Keccak-256 of nodes 2i + 1
   * and 2i + 2, the smaller first (OpenZeppelin `_hashPair`). */
  hashSortedPairs(nodes: Uint8Array, parents: number): void;
}

const HASH_BYTES = 32;

/** Keccak-256 of `data` (32 bytes), with the portable implementation below unless the caller
 * passes a faster one (checked against it: `checkKeccak256`, keccak-wasm.ts). */
export function keccak256(data: Uint8Array, keccak: Keccak256Implementation = portableKeccak256): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  keccak.hashInto(data, out, 0);
  return out;
}

/** keccak256(keccak256(record)) of `count` records (OpenZeppelin's leaf hash), 32 bytes each to
 * `out` from `at`; record i is bytes ends[i − 1] … ends[i] of `records` (the first starts at 0). */
export function keccak256LeafHashes(records: Uint8Array, ends: Uint32Array, count: number, out: Uint8Array, at: number, keccak: Keccak256Implementation = portableKeccak256): void {
  if (!Number.isInteger(count) || count < 0 || count > ends.length) throw new FeedinError(`count: expected 0 to ends.length (${ends.length}), got ${count}`);
  for (let i = 0, start = 0; i < count; start = ends[i++]!) if (ends[i]! < start || ends[i]! > records.length) throw new FeedinError(`ends: record ${i} ends at ${ends[i]}, outside ${start} … ${records.length}`);
  if (!Number.isInteger(at) || at < 0 || at + count * HASH_BYTES > out.length) throw new FeedinError(`at: ${at} leaves no room for ${count} hashes in out (${out.length} bytes)`);
  keccak.hashLeaves(records, ends, count, out, at);
}

/** The inner nodes of a Merkle tree laid out like OpenZeppelin's `makeMerkleTree` (children of
 * node i at 2i + 1 and 2i + 2, 32 bytes each): for i = parents − 1 down to 0, node i = Keccak-256
 * of its two children, the smaller first. The leaves must already be in place. */
export function keccak256SortedPairs(nodes: Uint8Array, parents: number, keccak: Keccak256Implementation = portableKeccak256): void {
  if (!Number.isInteger(parents) || parents < 0) throw new FeedinError(`parents: expected a count, got ${parents}`);
  if (parents > 0 && nodes.length < (2 * parents + 1) * HASH_BYTES) throw new FeedinError(`nodes: ${parents} parents need ${2 * parents + 1} nodes of 32 bytes, got ${nodes.length} bytes`);
  keccak.hashSortedPairs(nodes, parents);
}

/** The implementation in this file: pure JS, the reference every other one is checked against. */
export const portableKeccak256: Keccak256Implementation = {
  hashInto: keccak256PortableInto,
  hashLeaves(records, ends, count, out, at) {
    const inner = new Uint8Array(HASH_BYTES);
    for (let i = 0, start = 0; i < count; start = ends[i++]!) {
      keccak256PortableInto(records.subarray(start, ends[i]), inner, 0);
      keccak256PortableInto(inner, out, at + i * HASH_BYTES);
    }
  },
  hashSortedPairs(nodes, parents) {
    const pair = new Uint8Array(2 * HASH_BYTES);
    for (let i = parents - 1; i >= 0; i--) {
      const left = (2 * i + 1) * HASH_BYTES;
      const right = left + HASH_BYTES;
      let order = 0;
      for (let k = 0; k < HASH_BYTES && order === 0; k++) order = nodes[left + k]! - nodes[right + k]!;
      const [first, second] = order <= 0 ? [left, right] : [right, left];
      pair.set(nodes.subarray(first, first + HASH_BYTES), 0);
      pair.set(nodes.subarray(second, second + HASH_BYTES), HASH_BYTES);
      keccak256PortableInto(pair, nodes, i * HASH_BYTES);
    }
  },
};

/** A faster Keccak-256 (e.g. WebAssembly), returned for the caller to pass on — only if it gives
 * this file's bytes on inputs around every block boundary, on leaf hashes of records of those
 * lengths and on a small tree with equal and swapped pairs; otherwise throws. Nothing is installed
 * globally: whoever composes the program holds the implementation and hands it to what hashes. */
export function checkKeccak256(candidate: Keccak256Implementation): Keccak256Implementation {
  const portable = portableKeccak256;
  for (let length = 0; length <= 3 * RATE_BYTES + 1; length++) {
    const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length * 7) & 0xff);
    const want = new Uint8Array(HASH_BYTES + 3);
    const got = new Uint8Array(HASH_BYTES + 3);
    portable.hashInto(data, want, 3);
    candidate.hashInto(data, got, 3);
    if (got.some((b, i) => b !== want[i])) throw new Error(`checkKeccak256: the candidate differs from the portable Keccak-256 on ${length} bytes`);
  }
  // neighbours with as many whole blocks (0 and 1, 136 and 137, 272 and 320) and without
  const lengths = [0, 1, 32, 64, 135, 136, 137, 271, 272, 320, 3 * RATE_BYTES + 1];
  const ends = Uint32Array.from(lengths, (_, i) => lengths.slice(0, i + 1).reduce((a, b) => a + b));
  const records = Uint8Array.from({ length: ends[ends.length - 1]! }, (_, i) => (i * 29 + 5) & 0xff);
  const wantLeaves = new Uint8Array(3 + lengths.length * HASH_BYTES);
  const gotLeaves = new Uint8Array(3 + lengths.length * HASH_BYTES);
  portable.hashLeaves(records, ends, lengths.length, wantLeaves, 3);
  candidate.hashLeaves(records, ends, lengths.length, gotLeaves, 3);
  if (gotLeaves.some((b, i) => b !== wantLeaves[i])) throw new Error('checkKeccak256: the candidate differs from the portable Keccak-256 on leaf hashes');
  // 9 leaves (nodes 8-16) under 8 parents: leaves 15 and 16 are equal, and the sort swaps some
  // pairs (9 and 10, 7 and 8, 1 and 2) and keeps others
  const leaves = Uint8Array.from({ length: 17 * HASH_BYTES }, (_, i) => (i * 113 + (i >> 5) * 71) & 0xff);
  leaves.copyWithin(16 * HASH_BYTES, 15 * HASH_BYTES, 16 * HASH_BYTES);
  const want = leaves.slice();
  const got = leaves.slice();
  portable.hashSortedPairs(want, 8);
  candidate.hashSortedPairs(got, 8);
  if (got.some((b, i) => b !== want[i])) throw new Error('checkKeccak256: the candidate differs from the portable Keccak-256 on sorted pairs');
  return candidate;
}

function keccak256PortableInto(data: Uint8Array, out: Uint8Array, at: number): void {
  const s = new Uint32Array(50);
  let from = 0;
  for (; from + RATE_BYTES <= data.length; from += RATE_BYTES) absorbBlock(s, data, from);
  const last = new Uint8Array(RATE_BYTES);
  last.set(data.subarray(from));
  last[data.length - from] = last[data.length - from]! ^ 0x01;
  last[RATE_BYTES - 1] = last[RATE_BYTES - 1]! ^ 0x80;
  absorbBlock(s, last, 0);
  for (let i = 0; i < 8; i++) {
    const w = s[i]!;
    const o = at + i * 4;
    out[o] = w & 0xff;
    out[o + 1] = (w >>> 8) & 0xff;
    out[o + 2] = (w >>> 16) & 0xff;
    out[o + 3] = w >>> 24;
  }
}
