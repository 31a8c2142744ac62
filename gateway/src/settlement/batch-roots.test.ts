import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { portableKeccak256, type Keccak256Implementation } from '@feedin/protocol/keccak';
import { createWasmKeccak256 } from '@feedin/protocol/keccak-wasm';
import { CLAIM_LEAF_TYPES, PAYOUT_LEAF_TYPES, ZERO_ROOT, claimLeafValues, type ClaimLeaf, type PayoutLeaf } from '@feedin/protocol/merkle';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBatchRoots } from './batch-roots.js';

const payee = (n: number): Hex => checksumAddress('0x' + (n + 1).toString(16).padStart(40, '0'));
const digest = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const claims: ClaimLeaf[] = Array.from({ length: 250 }, (_, i) => ({
  meterId: `m-${i}`,
  intervalStartSec: 1_795_000_500n,
  intervalEndSec: 1_795_001_400n,
  exportWh: BigInt(100 + i),
  amount: BigInt(i % 7 === 0 ? 0 : 200 + i),
  payee: payee(i % 60),
  openingDigest: digest(2 * i),
  closingDigest: digest(2 * i + 1),
}));
const payouts: PayoutLeaf[] = Array.from({ length: 60 }, (_, i) => ({ payee: payee(i), cumulativeAmount: 10n ** 20n + BigInt(i) }));

describe.each(['portable', 'wasm'] as const)('buildBatchRoots, %s Keccak', (which) => {
  let keccak: Keccak256Implementation = portableKeccak256;
  beforeAll(async () => {
    if (which === 'wasm') keccak = (await createWasmKeccak256())!;
    expect(keccak).not.toBeNull();
  });

  it('gives the roots of @openzeppelin/merkle-tree StandardMerkleTree and each claim’s leaf hash in order', () => {
    const claimsTree = StandardMerkleTree.of(claims.map(claimLeafValues), [...CLAIM_LEAF_TYPES]);
    const payoutsTree = StandardMerkleTree.of(payouts.map((p) => [p.payee, p.cumulativeAmount.toString()]), [...PAYOUT_LEAF_TYPES]);
    expect(buildBatchRoots({ claims, payouts, keccak })).toEqual({
      claimLeafHashes: claims.map((c) => claimsTree.leafHash(claimLeafValues(c))),
      claimsRoot: claimsTree.root,
      payoutsRoot: payoutsTree.root,
    });
  });

  it('commits zero roots for a batch without claims or payouts', () => {
    expect(buildBatchRoots({ claims: [], payouts: [], keccak })).toEqual({ claimLeafHashes: [], claimsRoot: ZERO_ROOT, payoutsRoot: ZERO_ROOT });
  });
});
