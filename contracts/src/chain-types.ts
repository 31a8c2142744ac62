// Domain types of the chain client: plain objects, bigint for chain integers (uint64/uint256),
// Hex strings for addresses, hashes and roots. Nothing here comes from ethers.
import type { Hex } from '@feedin/protocol/hex';

export interface Deployment {
  chainId: number;
  token: Hex;
  registry: Hex;
  settlement: Hex;
  /** block of the first deployment transaction: log scans start here */
  deployedAtBlock: number;
  /** the pinned EVM version the contracts were compiled for */
  evmVersion: string;
  /** keccak256 of the runtime code at each address when deployed */
  codeHashes?: { token: Hex; registry: Hex; settlement: Hex };
}

/** One of a meter's keys (unix seconds, sandbox time); it signs readings from `validFromSec` until
 * the next key's, and none from `revokedFromSec` on. */
export interface RegisteredMeterKey {
  /** SEC1 compressed secp256k1 key, 33 bytes */
  publicKey: Uint8Array;
  validFromSec: number;
  revokedFromSec: number | null;
}

export interface RegisteredMeter {
  meterId: string;
  /** SEC1 compressed secp256k1 key, 33 bytes */
  publicKey: Uint8Array;
  /** unix seconds (sandbox time) from which the key signs; 0 = since registration */
  keyValidFromSec: number;
  payee: Hex;
  capacityW: number;
  registeredAtSec: number;
  /** true for every registered meter: the registry has no deregistration yet; suspension is
   * expressed by `suspendedFromSec` so that readings taken before it still count */
  active: boolean;
  /** unix seconds (sandbox time) from which readings are refused; null when not suspended */
  suspendedFromSec: number | null;
  /** the shard the meter's household is on at the registry's sandbox now (issue #13) */
  shard: number;
}

/** One entry of a household's shard history: readings with TM in [validFromSec, next entry's)
 * belong to `shard`. The first entry has validFromSec 0. */
export interface ShardAssignment {
  shard: number;
  validFromSec: number;
}

export type OnChainBatchStatus = 'pending' | 'frozen' | 'approved' | 'final' | 'rejected';

/** A batch on chain: what was submitted, and what the contract keeps about it. */
export interface OnChainBatch extends SubmitBatchParameters {
  shard: number;
  /** everything committed by the shard's batches 1..batchId */
  committedThrough: bigint;
  submittedAtSec: bigint;
  challengeEndsAtSec: bigint;
  /** for 'rejected' the fields above are those of the discarded batch */
  status: OnChainBatchStatus;
  /** withdrawals allowed: window passed (or approved) and no earlier batch frozen */
  final: boolean;
}

export interface SubmitBatchParameters {
  /** the gateway's shard; default 0 */
  shard?: number;
  batchId: bigint;
  intervalStartSec: bigint;
  intervalEndSec: bigint;
  claimsRoot: Hex;
  payoutsRoot: Hex;
  claimCount: bigint;
  totalExportWh: bigint;
  totalAmount: bigint;
}

export interface RegisterMeterParameters {
  meterId: string;
  publicKey: Uint8Array | Hex;
  payee: Hex;
  capacityW: number;
  /** registerMeters only: the shard (must be the household's if it has meters); default 0 */
  shard?: number;
}

export interface WithdrawParameters {
  /** the shard whose batch pays; default 0 */
  shard?: number;
  batchId: bigint;
  payee: Hex;
  cumulativeAmount: bigint;
  proof: readonly Hex[];
}

export interface SettlementLimits {
  /** type(uint256).max = no cap */
  batchCap: bigint;
  budget: bigint;
}

export const NO_CAP = (1n << 256n) - 1n;

/** MeterRegistry's sandbox clock: sandbox ms = sandboxAnchorMs + (block ms − wallAnchorMs) × speed. */
export interface RegistryClock {
  wallAnchorMs: number;
  sandboxAnchorMs: number;
  speed: number;
  /** sandbox now (unix s) at the latest block */
  nowSec: number;
  keyRotationHorizonSeconds: number;
}
