// Claim and payout leaves in OpenZeppelin StandardMerkleTree encoding, so any standard library
// (OZ merkle-tree in JS, MerkleProof in Solidity) checks our proofs:
//   leaf = keccak256(keccak256(abi.encode(values))), pairs hashed in sorted order, leaves sorted
//   by hash and laid out exactly like @openzeppelin/merkle-tree's makeMerkleTree.
// A batch hashes 100,000 claims and builds two trees of 100,000 leaves, so the hot path works on
// bytes: leaves are encoded a chunk at a time and hashed a chunk per call, leaf hashes go into
// one array of 32-byte slots, and hex is made only for what callers read (a root, a proof, the
// leaf hashes they store).
import { FeedinError } from './errors.js';
import { bytesToHex, hexToBytes, writeHexInto, type Hex } from './hex.js';
import { keccak256LeafHashes, keccak256SortedPairs, portableKeccak256, type Keccak256Implementation } from './keccak.js';

export const CLAIM_LEAF_TYPES = ['string', 'uint64', 'uint64', 'uint256', 'uint256', 'address', 'bytes32', 'bytes32'] as const;
export const PAYOUT_LEAF_TYPES = ['address', 'uint256'] as const;
export const ZERO_ROOT = ('0x' + '00'.repeat(32)) as Hex;

export interface ClaimLeaf {
  meterId: string;
  intervalStartSec: bigint;
  intervalEndSec: bigint;
  exportWh: bigint;
  amount: bigint;
  payee: Hex;
  openingDigest: Hex;
  closingDigest: Hex;
}

export interface PayoutLeaf {
  payee: Hex;
  cumulativeAmount: bigint;
}

const WORD = 32;
const HASH_BYTES = 32;
const MAX_UINT = { 64: (1n << 64n) - 1n, 256: (1n << 256n) - 1n } as const;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** A non-negative safe integer as an ABI word ending at `end` of `out` (the word is already 0). */
function putSafeInteger(out: Uint8Array, end: number, value: number): void {
  for (let n = value, o = end - 1; n > 0; n = Math.floor(n / 256), o--) out[o] = n % 256;
}

/** A uint of `bits` as an ABI word ending at `end` of `out` (the word is already 0). */
function putUint(out: Uint8Array, end: number, value: bigint, bits: 64 | 256, what: string): void {
  if (value < 0n || value > MAX_UINT[bits]) throw new FeedinError(`${what}: ${value} does not fit uint${bits}`);
  // Seconds, Wh and base units fit a double exactly: bytes by arithmetic, no bigint → hex.
  if (value <= MAX_SAFE) return putSafeInteger(out, end, Number(value));
  const hex = value.toString(16);
  writeHexInto(out, end, hex.length % 2 === 0 ? hex : '0' + hex);
}

function putAddress(out: Uint8Array, end: number, address: Hex, what: string): void {
  if (address.length !== 42 || !address.startsWith('0x') || !writeHexInto(out, end, address)) throw new FeedinError(`${what}: expected an address, got ${JSON.stringify(address)}`);
}

function putBytes32(out: Uint8Array, end: number, value: Hex, what: string): void {
  if (value.length !== 66 || !value.startsWith('0x') || !writeHexInto(out, end, value)) throw new FeedinError(`${what}: expected bytes32, got ${JSON.stringify(value)}`);
}

const encoder = new TextEncoder();

/** The UTF-8 of `text` at `at` of `out` (which has room for 3 bytes per UTF-16 unit); returns
 * its length. ASCII, what meter ids are in practice, is copied without the encoder's call. */
function putUtf8(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(text, out.subarray(at)).written;
    out[at + i] = c;
  }
  return text.length;
}

/** abi.encode(string, uint64, uint64, uint256, uint256, address, bytes32, bytes32) at `at` of
 * `out`: eight head words (the string's is its offset, 8 × 32), then the string's length and its
 * padded bytes. Returns the encoding's length, at most `claimLeafRoom(l)`. */
function encodeClaimLeafInto(l: ClaimLeaf, out: Uint8Array, at: number): number {
  const idAt = at + 9 * WORD;
  const idBytes = putUtf8(out, idAt, l.meterId);
  const length = 9 * WORD + Math.ceil(idBytes / WORD) * WORD;
  out.fill(0, at, idAt);
  out.fill(0, idAt + idBytes, at + length);
  putSafeInteger(out, at + WORD, 8 * WORD);
  putUint(out, at + 2 * WORD, l.intervalStartSec, 64, 'intervalStartSec');
  putUint(out, at + 3 * WORD, l.intervalEndSec, 64, 'intervalEndSec');
  putUint(out, at + 4 * WORD, l.exportWh, 256, 'exportWh');
  putUint(out, at + 5 * WORD, l.amount, 256, 'amount');
  putAddress(out, at + 6 * WORD, l.payee, 'payee');
  putBytes32(out, at + 7 * WORD, l.openingDigest, 'openingDigest');
  putBytes32(out, at + 8 * WORD, l.closingDigest, 'closingDigest');
  putSafeInteger(out, at + 9 * WORD, idBytes);
  return length;
}

/** Room that encodeClaimLeafInto may need: UTF-8 takes at most 3 bytes per UTF-16 unit. */
const claimLeafRoom = (l: ClaimLeaf): number => 10 * WORD + 3 * l.meterId.length;

/** abi.encode(address, uint256) at `at` of `out`; returns 64. */
function encodePayoutLeafInto(l: PayoutLeaf, out: Uint8Array, at: number): number {
  out.fill(0, at, at + 2 * WORD);
  putAddress(out, at + WORD, l.payee, 'payee');
  putUint(out, at + 2 * WORD, l.cumulativeAmount, 256, 'cumulativeAmount');
  return 2 * WORD;
}

const payoutLeafRoom = (): number => 2 * WORD;

/** The claim's abi.encode bytes. */
export function encodeClaimLeaf(l: ClaimLeaf): Uint8Array {
  const out = new Uint8Array(claimLeafRoom(l));
  return out.subarray(0, encodeClaimLeafInto(l, out, 0));
}

/** Leaves are encoded into one chunk that is hashed with one call: a call per leaf would cost
 * more than the encoding (a chunk holds ~100 claims). */
const CHUNK_BYTES = 32 * 1024;
const SMALLEST_LEAF_BYTES = 2 * WORD;

/** keccak256(keccak256(encoding)) of each leaf, 32 bytes each in the leaves' order. */
function leafHashes<L>(leaves: readonly L[], room: (l: L) => number, encodeInto: (l: L, out: Uint8Array, at: number) => number, keccak: Keccak256Implementation): Uint8Array {
  const hashes = new Uint8Array(leaves.length * HASH_BYTES);
  let chunk = new Uint8Array(CHUNK_BYTES);
  let ends = new Uint32Array(CHUNK_BYTES / SMALLEST_LEAF_BYTES);
  let first = 0; // the chunk's first leaf
  let used = 0;
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    const need = room(leaf);
    if (used + need > chunk.length) {
      keccak256LeafHashes(chunk, ends, i - first, hashes, first * HASH_BYTES, keccak);
      [first, used] = [i, 0];
      if (need > chunk.length) {
        chunk = new Uint8Array(need); // a leaf larger than a chunk (a very long meter id)
        ends = new Uint32Array(Math.ceil(need / SMALLEST_LEAF_BYTES));
      }
    }
    used += encodeInto(leaf, chunk, used);
    ends[i - first] = used;
  }
  keccak256LeafHashes(chunk, ends, leaves.length - first, hashes, first * HASH_BYTES, keccak);
  return hashes;
}

/** Claim leaf hashes as bytes, 32 each in the claims' order (what `buildMerkleTreeFromBytes` takes).
 * `keccak`: a faster implementation the caller holds (keccak-wasm.ts), else the portable one. */
export function claimLeafHashes(leaves: readonly ClaimLeaf[], keccak: Keccak256Implementation = portableKeccak256): Uint8Array {
  return leafHashes(leaves, claimLeafRoom, encodeClaimLeafInto, keccak);
}

/** Payout leaf hashes as bytes, 32 each in the payouts' order. */
export function payoutLeafHashes(leaves: readonly PayoutLeaf[], keccak: Keccak256Implementation = portableKeccak256): Uint8Array {
  return leafHashes(leaves, payoutLeafRoom, encodePayoutLeafInto, keccak);
}

const decoder = new TextDecoder();
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** 32-byte hashes (e.g. `claimLeafHashes`) as hex strings, in order: one text decoded for all of
 * them and sliced, several times faster than a conversion per hash. (Each slice keeps the whole
 * text alive while it lives: 66 bytes per hash.) */
export function hashesToHex(hashes: Uint8Array): Hex[] {
  if (hashes.length % HASH_BYTES !== 0) throw new FeedinError(`hashes: expected 32-byte hashes, got ${hashes.length} bytes`);
  const n = hashes.length / HASH_BYTES;
  const HEX_CHARS = 2 + 2 * HASH_BYTES;
  const chars = new Uint8Array(n * HEX_CHARS);
  for (let i = 0; i < n; i++) {
    const o = i * HEX_CHARS;
    chars[o] = 0x30; // '0'
    chars[o + 1] = 0x78; // 'x'
    for (let k = 0; k < HASH_BYTES; k++) {
      const b = hashes[i * HASH_BYTES + k]!;
      chars[o + 2 + 2 * k] = HEX_DIGITS[b >>> 4]!;
      chars[o + 3 + 2 * k] = HEX_DIGITS[b & 15]!;
    }
  }
  const text = decoder.decode(chars);
  return Array.from({ length: n }, (_, i) => text.slice(i * HEX_CHARS, (i + 1) * HEX_CHARS) as Hex);
}

/** The values as an OpenZeppelin tree dump shows them: decimal uints, lower-case hex. */
export function claimLeafValues(l: ClaimLeaf): string[] {
  return [l.meterId, String(l.intervalStartSec), String(l.intervalEndSec), String(l.exportWh), String(l.amount), l.payee.toLowerCase(), l.openingDigest.toLowerCase(), l.closingDigest.toLowerCase()];
}

export function claimLeafHash(l: ClaimLeaf): Hex {
  return bytesToHex(claimLeafHashes([l]));
}

export function payoutLeafHash(l: PayoutLeaf): Hex {
  return bytesToHex(payoutLeafHashes([l]));
}

export interface MerkleTree {
  readonly root: Hex;
  /** leaf hashes in tree order (sorted, lower-case) */
  readonly leaves: Hex[];
  /** position of the leaf in `leaves`, or -1 */
  leafIndex(hash: Hex): number;
  /** sibling hashes from the leaf up to the root; throws when `hash` is not a leaf (misuse) */
  proof(hash: Hex): Hex[];
}

/**
 * The tree of @openzeppelin/merkle-tree's `makeMerkleTree` over leaves sorted by hash (what
 * `StandardMerkleTree.of` builds, `sortLeaves: true`): a complete binary tree stored as an array,
 * root at 0, children of i at 2i+1 and 2i+2, leaf i of the sorted list at index length-1-i. So
 * roots and proofs equal the library's. An empty list gives ZERO_ROOT (OZ refuses to build an
 * empty tree): a batch without claims commits a zero claims root.
 */
export function buildMerkleTree(leafHashes: readonly Hex[], keccak: Keccak256Implementation = portableKeccak256): MerkleTree {
  const bytes = new Uint8Array(leafHashes.length * HASH_BYTES);
  leafHashes.forEach((h, i) => {
    if (typeof h !== 'string' || h.length !== 66 || !h.startsWith('0x') || !writeHexInto(bytes, (i + 1) * HASH_BYTES, h)) throw new FeedinError(`leafHashes: expected 32-byte hex hashes, got ${JSON.stringify(h)}`);
  });
  return buildMerkleTreeFromBytes(bytes, keccak);
}

/** `buildMerkleTree` from leaf hashes as bytes (32 each, any order, e.g. `claimLeafHashes`):
 * no hex on the way to the root; the leaves' hex and the index for proofs are made when first
 * asked for. */
export function buildMerkleTreeFromBytes(leafHashes: Uint8Array, keccak: Keccak256Implementation = portableKeccak256): MerkleTree {
  if (leafHashes.length % HASH_BYTES !== 0) throw new FeedinError(`leafHashes: expected 32-byte hashes, got ${leafHashes.length} bytes`);
  const n = leafHashes.length / HASH_BYTES;
  const count = n === 0 ? 0 : 2 * n - 1;
  const nodes = new Uint8Array(count * HASH_BYTES);
  const order = sortByHash(leafHashes, n);
  // leaf i of the sorted list to node count − 1 − i, four bytes at a time (a fifth of a byte loop's
  // time; a Uint32Array view needs a 4-byte-aligned offset, so an unaligned input is copied first)
  const words = HASH_BYTES / 4;
  const from = leafHashes.byteOffset % 4 === 0 ? new Uint32Array(leafHashes.buffer, leafHashes.byteOffset, n * words) : new Uint32Array(leafHashes.slice().buffer);
  const to = new Uint32Array(nodes.buffer);
  for (let i = 0; i < n; i++) {
    const source = order[i]! * words;
    const target = (count - 1 - i) * words;
    for (let k = 0; k < words; k++) to[target + k] = from[source + k]!;
  }
  keccak256SortedPairs(nodes, Math.max(0, n - 1), keccak);
  const node = (i: number) => bytesToHex(nodes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
  let leaves: Hex[] | undefined;
  let position: Map<string, number> | undefined;
  const indexOf = (hash: Hex): number | undefined => {
    position ??= new Map(tree.leaves.map((h, i) => [h, i]));
    return position.get(hash.toLowerCase());
  };
  const tree: MerkleTree = {
    root: n === 0 ? ZERO_ROOT : node(0),
    get leaves() {
      return (leaves ??= hashesToHex(nodes.subarray((count - n) * HASH_BYTES)).reverse());
    },
    leafIndex: (hash) => indexOf(hash) ?? -1,
    proof(hash) {
      const index = indexOf(hash);
      if (index === undefined) throw new FeedinError(`hash: ${hash} is not a leaf of this tree`);
      const proof: Hex[] = [];
      for (let i = count - 1 - index; i > 0; i = Math.floor((i - 1) / 2)) proof.push(node(i % 2 === 1 ? i + 1 : i - 1));
      return proof;
    },
  };
  return tree;
}

/** Positions 0…n−1 of the 32-byte `hashes`, ordered by hash bytes: a stable radix sort on the
 * first four bytes (two 16-bit passes, linear), then any run sharing those four bytes — rare
 * for hashes — ordered on all 32. A comparator sort of 100,000 would cost several times more. */
function sortByHash(hashes: Uint8Array, n: number): Uint32Array {
  const prefix = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * HASH_BYTES;
    prefix[i] = ((hashes[o]! << 24) | (hashes[o + 1]! << 16) | (hashes[o + 2]! << 8) | hashes[o + 3]!) >>> 0;
  }
  let order = new Uint32Array(n);
  let spare = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (const shift of [0, 16]) {
    // at[d + 1] counts digit d; summed, at[d] is where digit d goes next
    const at = new Uint32Array(0x10001);
    for (let i = 0; i < n; i++) {
      const d = (prefix[i]! >>> shift) & 0xffff;
      at[d + 1] = at[d + 1]! + 1;
    }
    for (let d = 1; d <= 0xffff; d++) at[d] = at[d]! + at[d - 1]!;
    for (let i = 0; i < n; i++) {
      const p = order[i]!;
      const d = (prefix[p]! >>> shift) & 0xffff;
      spare[at[d]!] = p;
      at[d] = at[d]! + 1;
    }
    [order, spare] = [spare, order];
  }
  const compare = (a: number, b: number): number => {
    for (let k = 0; k < HASH_BYTES; k++) {
      const d = hashes[a * HASH_BYTES + k]! - hashes[b * HASH_BYTES + k]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  for (let from = 0; from < n; ) {
    let to = from + 1;
    while (to < n && prefix[order[to]!] === prefix[order[from]!]) to++;
    if (to - from > 1) order.subarray(from, to).sort(compare);
    from = to;
  }
  return order;
}

/** Recomputes the root from a leaf and its proof (OZ `MerkleProof.processProof`); false on any
 * malformed hash instead of throwing, since proofs come from untrusted bundles. */
export function verifyMerkleProof(root: Hex, leafHash: Hex, proof: Hex[]): boolean {
  if (typeof root !== 'string' || !BYTES32.test(root) || typeof leafHash !== 'string' || !BYTES32.test(leafHash) || !Array.isArray(proof)) return false;
  if (!proof.every((p) => typeof p === 'string' && BYTES32.test(p))) return false;
  // nodes 1 and 2 of a three-node tree are the pair; node 0 gets its hash
  const nodes = new Uint8Array(3 * HASH_BYTES);
  nodes.set(hexToBytes(leafHash), 0);
  for (const sibling of proof) {
    nodes.copyWithin(HASH_BYTES, 0, HASH_BYTES);
    nodes.set(hexToBytes(sibling), 2 * HASH_BYTES);
    keccak256SortedPairs(nodes, 1);
  }
  return bytesToHex(nodes.subarray(0, HASH_BYTES)) === root.toLowerCase();
}
