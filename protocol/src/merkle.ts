// Claim and payout leaves in OpenZeppelin StandardMerkleTree encoding, so any standard library
// (OZ merkle-tree in JS, MerkleProof in Solidity) checks our proofs:
//   leaf = keccak256(keccak256(abi.encode(values))), pairs hashed in sorted order, leaves sorted
//   by hash and laid out exactly like @openzeppelin/merkle-tree's makeMerkleTree.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { FeedinError } from './errors.js';
import { bytesToHex, concatBytes, hexToBytes, utf8, type Hex } from './hex.js';

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

function word(value: bigint, bits: number, what: string): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(bits)) throw new FeedinError(`${what}: ${value} does not fit uint${bits}`);
  return hexToBytes(value.toString(16).padStart(64, '0'));
}

function addressWord(address: Hex, what: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new FeedinError(`${what}: expected an address, got ${JSON.stringify(address)}`);
  return hexToBytes('0x' + address.slice(2).padStart(64, '0'));
}

function bytes32(value: Hex, what: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new FeedinError(`${what}: expected bytes32, got ${JSON.stringify(value)}`);
  return hexToBytes(value);
}

/** abi.encode(string, uint64, uint64, uint256, uint256, address, bytes32, bytes32) */
export function encodeClaimLeaf(l: ClaimLeaf): Uint8Array {
  const id = utf8(l.meterId);
  const padded = new Uint8Array(Math.ceil(id.length / 32) * 32);
  padded.set(id);
  return concatBytes(
    word(BigInt(8 * 32), 256, 'offset'),
    word(l.intervalStartSec, 64, 'intervalStartSec'),
    word(l.intervalEndSec, 64, 'intervalEndSec'),
    word(l.exportWh, 256, 'exportWh'),
    word(l.amount, 256, 'amount'),
    addressWord(l.payee, 'payee'),
    bytes32(l.openingDigest, 'openingDigest'),
    bytes32(l.closingDigest, 'closingDigest'),
    word(BigInt(id.length), 256, 'meterId length'),
    padded,
  );
}

function doubleHash(encoded: Uint8Array): Hex {
  return bytesToHex(keccak_256(keccak_256(encoded)));
}

/** The values as an OpenZeppelin tree dump shows them: decimal uints, lower-case hex. */
export function claimLeafValues(l: ClaimLeaf): string[] {
  return [l.meterId, String(l.intervalStartSec), String(l.intervalEndSec), String(l.exportWh), String(l.amount), l.payee.toLowerCase(), l.openingDigest.toLowerCase(), l.closingDigest.toLowerCase()];
}

export function claimLeafHash(l: ClaimLeaf): Hex {
  return doubleHash(encodeClaimLeaf(l));
}

export function payoutLeafHash(l: PayoutLeaf): Hex {
  return doubleHash(concatBytes(addressWord(l.payee, 'payee'), word(l.cumulativeAmount, 256, 'cumulativeAmount')));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  return compareBytes(a, b) <= 0 ? keccak_256(concatBytes(a, b)) : keccak_256(concatBytes(b, a));
}

export interface MerkleTree {
  root: Hex;
  /** leaf hashes in tree order (sorted) */
  leaves: Hex[];
  leafIndex(hash: Hex): number;
  proof(hash: Hex): Hex[];
}

export function buildMerkleTree(leafHashes: Hex[]): MerkleTree {
  const sorted = leafHashes.map((h) => hexToBytes(h)).sort(compareBytes);
  const n = sorted.length;
  const tree: Uint8Array[] = new Array(n === 0 ? 0 : 2 * n - 1);
  for (let i = 0; i < n; i++) tree[tree.length - 1 - i] = sorted[i]!;
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1]!, tree[2 * i + 2]!);
  const leaves = sorted.map(bytesToHex);
  const position = new Map<string, number>();
  leaves.forEach((h, i) => position.set(h, i));
  return {
    root: n === 0 ? ZERO_ROOT : bytesToHex(tree[0]!),
    leaves,
    leafIndex: (hash) => position.get(hash.toLowerCase()) ?? -1,
    proof(hash) {
      const index = position.get(hash.toLowerCase());
      if (index === undefined) throw new FeedinError(`hash: ${hash} is not a leaf of this tree`);
      const proof: Hex[] = [];
      for (let i = tree.length - 1 - index; i > 0; i = Math.floor((i - 1) / 2)) proof.push(bytesToHex(tree[i % 2 === 1 ? i + 1 : i - 1]!));
      return proof;
    },
  };
}

export function verifyMerkleProof(root: Hex, leafHash: Hex, proof: Hex[]): boolean {
  try {
    let node = hexToBytes(leafHash);
    for (const sibling of proof) node = hashPair(node, hexToBytes(sibling));
    return bytesToHex(node) === root.toLowerCase();
  } catch {
    return false;
  }
}
