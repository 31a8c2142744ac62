// The two roots a batch commits, and each claim's leaf hash (stored with the claim): the one
// function buildBatch calls for them, so the settlement benchmark times exactly this
// ("both roots of 100,000 claims < 2 s", docs/bench.md). All on bytes until the end: the leaf
// hashes go into one buffer, both trees are built from it, and hex is made once for the roots
// and once, in bulk, for the leaf hashes.
import type { Hex } from '@feedin/protocol/hex';
import { portableKeccak256, type Keccak256Implementation } from '@feedin/protocol/keccak';
import { buildMerkleTreeFromBytes, claimLeafHashes, hashesToHex, payoutLeafHashes, type ClaimLeaf, type PayoutLeaf } from '@feedin/protocol/merkle';

export interface BuildBatchRootsParameters {
  claims: readonly ClaimLeaf[];
  /** cumulative per payee through the batch */
  payouts: readonly PayoutLeaf[];
  /** the composition root's Keccak (WASM when it loaded); portable by default: the same bytes */
  keccak?: Keccak256Implementation | undefined;
}

export interface BuildBatchRootsReturnType {
  /** per claim, in the order of `claims` */
  claimLeafHashes: Hex[];
  claimsRoot: Hex;
  payoutsRoot: Hex;
}

export function buildBatchRoots(p: BuildBatchRootsParameters): BuildBatchRootsReturnType {
  const keccak = p.keccak ?? portableKeccak256;
  const claimHashes = claimLeafHashes(p.claims, keccak);
  return {
    claimLeafHashes: hashesToHex(claimHashes),
    claimsRoot: buildMerkleTreeFromBytes(claimHashes, keccak).root,
    payoutsRoot: buildMerkleTreeFromBytes(payoutLeafHashes(p.payouts, keccak), keccak).root,
  };
}
