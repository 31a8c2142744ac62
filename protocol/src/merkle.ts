// Claim and payout leaves in OpenZeppelin StandardMerkleTree encoding, so any standard library
// (OZ merkle-tree in JS, MerkleProof in Solidity) checks our proofs:
//   leaf = keccak256(keccak256(abi.encode(values))), pairs hashed in sorted order, leaves sorted
//   by hash and laid out exactly like @openzeppelin/merkle-tree's makeMerkleTree.
import { FeedinError } from './errors.js';
import { bytesToHex, hexToBytes, utf8, writeHexInto, type Hex } from './hex.js';
import { keccak256 } from './keccak.js';

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

/** A uint of `bits` as an ABI word ending at `end` of `out` (the rest of the word stays 0). */
function putUint(out: Uint8Array, end: number, value: bigint, bits: number, what: string): void {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new FeedinError(`${what}: ${value} does not fit uint${bits}`);
  const hex = value.toString(16);
  writeHexInto(out, end, hex.length % 2 === 0 ? hex : '0' + hex);
}

function putAddress(out: Uint8Array, end: number, address: Hex, what: string): void {
  if (address.length !== 42 || !address.startsWith('0x') || !writeHexInto(out, end, address)) throw new FeedinError(`${what}: expected an address, got ${JSON.stringify(address)}`);
}

function putBytes32(out: Uint8Array, end: number, value: Hex, what: string): void {
  if (value.length !== 66 || !value.startsWith('0x') || !writeHexInto(out, end, value)) throw new FeedinError(`${what}: expected bytes32, got ${JSON.stringify(value)}`);
}

/** abi.encode(string, uint64, uint64, uint256, uint256, address, bytes32, bytes32): eight head
 * words (the string's is its offset, 8 × 32), then the string's length and its padded bytes.
 * Written straight into one buffer: a 100,000-claim batch encodes 100,000 of these. */
export function encodeClaimLeaf(l: ClaimLeaf): Uint8Array {
  const id = utf8(l.meterId);
  const out = new Uint8Array(9 * WORD + Math.ceil(id.length / WORD) * WORD);
  putUint(out, WORD, BigInt(8 * WORD), 256, 'offset');
  putUint(out, 2 * WORD, l.intervalStartSec, 64, 'intervalStartSec');
  putUint(out, 3 * WORD, l.intervalEndSec, 64, 'intervalEndSec');
  putUint(out, 4 * WORD, l.exportWh, 256, 'exportWh');
  putUint(out, 5 * WORD, l.amount, 256, 'amount');
  putAddress(out, 6 * WORD, l.payee, 'payee');
  putBytes32(out, 7 * WORD, l.openingDigest, 'openingDigest');
  putBytes32(out, 8 * WORD, l.closingDigest, 'closingDigest');
  putUint(out, 9 * WORD, BigInt(id.length), 256, 'meterId length');
  out.set(id, 9 * WORD);
  return out;
}

function doubleHash(encoded: Uint8Array): Hex {
  return bytesToHex(keccak256(keccak256(encoded)));
}

/** The values as an OpenZeppelin tree dump shows them: decimal uints, lower-case hex. */
export function claimLeafValues(l: ClaimLeaf): string[] {
  return [l.meterId, String(l.intervalStartSec), String(l.intervalEndSec), String(l.exportWh), String(l.amount), l.payee.toLowerCase(), l.openingDigest.toLowerCase(), l.closingDigest.toLowerCase()];
}

export function claimLeafHash(l: ClaimLeaf): Hex {
  return doubleHash(encodeClaimLeaf(l));
}

export function payoutLeafHash(l: PayoutLeaf): Hex {
  const out = new Uint8Array(2 * WORD);
  putAddress(out, WORD, l.payee, 'payee');
  putUint(out, 2 * WORD, l.cumulativeAmount, 256, 'cumulativeAmount');
  return doubleHash(out);
}

const HASH_BYTES = 32;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

export interface MerkleTree {
  root: Hex;
  /** leaf hashes in tree order (sorted, lower-case) */
  leaves: Hex[];
  /** position of the leaf in `leaves`, or -1 */
  leafIndex(hash: Hex): number;
  /** sibling hashes from the leaf up to the root; throws when `hash` is not a leaf (misuse) */
  proof(hash: Hex): Hex[];
}

/** keccak256 of the two 32-byte nodes at `a` and `b` of `nodes`, smaller first (OZ `_hashPair`),
 * written to `to`. */
function hashPairInto(nodes: Uint8Array, a: number, b: number, to: number, scratch: Uint8Array): void {
  let order = 0;
  for (let i = 0; i < HASH_BYTES && order === 0; i++) order = nodes[a + i]! - nodes[b + i]!;
  const [first, second] = order <= 0 ? [a, b] : [b, a];
  scratch.set(nodes.subarray(first, first + HASH_BYTES), 0);
  scratch.set(nodes.subarray(second, second + HASH_BYTES), HASH_BYTES);
  nodes.set(keccak256(scratch), to);
}

/**
 * The tree of @openzeppelin/merkle-tree's `makeMerkleTree` over leaves sorted by hash (what
 * `StandardMerkleTree.of` builds, `sortLeaves: true`): a complete binary tree stored as an array,
 * root at 0, children of i at 2i+1 and 2i+2, leaf i of the sorted list at index length-1-i. So
 * roots and proofs equal the library's. An empty list gives ZERO_ROOT (OZ refuses to build an
 * empty tree): a batch without claims commits a zero claims root.
 */
export function buildMerkleTree(leafHashes: Hex[]): MerkleTree {
  for (const h of leafHashes) if (!BYTES32.test(h)) throw new FeedinError(`leafHashes: expected 32-byte hex hashes, got ${JSON.stringify(h)}`);
  // Equal-length lower-case hex sorts exactly like the bytes it encodes.
  const leaves = leafHashes.map((h) => h.toLowerCase() as Hex).sort();
  const n = leaves.length;
  const count = n === 0 ? 0 : 2 * n - 1;
  const nodes = new Uint8Array(count * HASH_BYTES);
  leaves.forEach((h, i) => nodes.set(hexToBytes(h), (count - 1 - i) * HASH_BYTES));
  const scratch = new Uint8Array(2 * HASH_BYTES);
  for (let i = count - 1 - n; i >= 0; i--) hashPairInto(nodes, (2 * i + 1) * HASH_BYTES, (2 * i + 2) * HASH_BYTES, i * HASH_BYTES, scratch);
  const node = (i: number) => bytesToHex(nodes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
  const position = new Map<string, number>();
  leaves.forEach((h, i) => position.set(h, i));
  return {
    root: n === 0 ? ZERO_ROOT : node(0),
    leaves,
    leafIndex: (hash) => position.get(hash.toLowerCase()) ?? -1,
    proof(hash) {
      const index = position.get(hash.toLowerCase());
      if (index === undefined) throw new FeedinError(`hash: ${hash} is not a leaf of this tree`);
      const proof: Hex[] = [];
      for (let i = count - 1 - index; i > 0; i = Math.floor((i - 1) / 2)) proof.push(node(i % 2 === 1 ? i + 1 : i - 1));
      return proof;
    },
  };
}

/** Recomputes the root from a leaf and its proof (OZ `MerkleProof.processProof`); false on any
 * malformed hash instead of throwing, since proofs come from untrusted bundles. */
export function verifyMerkleProof(root: Hex, leafHash: Hex, proof: Hex[]): boolean {
  if (typeof root !== 'string' || !BYTES32.test(root) || typeof leafHash !== 'string' || !BYTES32.test(leafHash) || !Array.isArray(proof)) return false;
  if (!proof.every((p) => typeof p === 'string' && BYTES32.test(p))) return false;
  const nodes = new Uint8Array(2 * HASH_BYTES);
  const scratch = new Uint8Array(2 * HASH_BYTES);
  nodes.set(hexToBytes(leafHash), 0);
  for (const sibling of proof) {
    nodes.set(hexToBytes(sibling), HASH_BYTES);
    hashPairInto(nodes, 0, HASH_BYTES, 0, scratch);
  }
  return bytesToHex(nodes.subarray(0, HASH_BYTES)) === root.toLowerCase();
}
