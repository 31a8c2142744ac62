// Write calls of the chain client: ABI-encode, then hand to the transaction sender.
import { id } from 'ethers';
import { bytesToHex, type Hex } from '@feedin/protocol/hex';
import { contractInterface } from './contract-interfaces.js';
import type { SentTransaction, TransactionSender } from './transaction-sender.js';
import type { Deployment, RegisterMeterParameters, SettlementLimits, SubmitBatchParameters, WithdrawParameters } from './chain-types.js';

export interface ChainWrites {
  registerMeter(parameters: RegisterMeterParameters): Promise<SentTransaction>;
  /** many meters in one transaction, each on its `shard` (default 0); a meter on another shard than
   * its household's is refused (MeterRegistryHouseholdSplit) and the whole call reverts */
  registerMeters(meters: readonly RegisterMeterParameters[]): Promise<SentTransaction>;
  /** moves the meter's household (every meter with its payee) to `shard` for readings with TM ≥
   * `validFromSec` (unix s, sandbox time; 0 = now), within [now, now + horizon]; replaces a
   * still-scheduled move */
  assignShard(parameters: { meterId: string; shard: number; validFromSec: number; reason: string }): Promise<SentTransaction>;
  /** `fromSec`: unix seconds (sandbox time) from which the meter's readings are refused */
  suspendMeter(parameters: { meterId: string; fromSec: number; reason: string }): Promise<SentTransaction>;
  reactivateMeter(parameters: { meterId: string; reason: string }): Promise<SentTransaction>;
  /** the new key signs readings with TM ≥ `validFromSec` (unix s, sandbox time; 0 = the registry's
   * sandbox now); it must lie within [now, now + horizon]; replaces a still-scheduled rotation */
  rotateKey(parameters: { meterId: string; publicKey: Uint8Array | Hex; validFromSec: number; reason: string }): Promise<SentTransaction>;
  /** withdraws a scheduled (not yet in force) rotation */
  cancelRotation(parameters: { meterId: string; reason: string }): Promise<SentTransaction>;
  /** readings signed with the key in force at `fromSec` with TM ≥ `fromSec` are refused and not paid */
  revokeKey(parameters: { meterId: string; fromSec: number; reason: string }): Promise<SentTransaction>;
  /** DEFAULT_ADMIN_ROLE: the sandbox clock the registry judges rotation times by */
  setSandboxClock(clock: { wallAnchorMs: number; sandboxAnchorMs: number; speed: number }): Promise<SentTransaction>;
  /** DEFAULT_ADMIN_ROLE: how far ahead (sandbox seconds) a rotation may be scheduled */
  setKeyRotationHorizon(seconds: number): Promise<SentTransaction>;
  submitBatch(parameters: SubmitBatchParameters): Promise<SentTransaction>;
  /** `shard` default 0 (as for approve and reject) */
  freezeBatch(batchId: bigint, reason: string, shard?: number): Promise<SentTransaction>;
  approveBatch(batchId: bigint, reason: string, shard?: number): Promise<SentTransaction>;
  rejectBatch(batchId: bigint, reason: string, shard?: number): Promise<SentTransaction>;
  pause(reason: string): Promise<SentTransaction>;
  unpause(reason: string): Promise<SentTransaction>;
  setLimits(limits: SettlementLimits): Promise<SentTransaction>;
  /** REGULATOR_ROLE, once: no batch may settle an interval ending after `endSec` (unix s, sandbox time) */
  endSandbox(endSec: number, reason: string): Promise<SentTransaction>;
  setChallengeWindow(seconds: bigint): Promise<SentTransaction>;
  withdraw(parameters: WithdrawParameters): Promise<SentTransaction>;
  /** many payouts in one transaction, across batches and shards: each payout's own `shard` and
   * `batchId`, else the call's (shard default 0); payees already paid are skipped on chain */
  withdrawMany(parameters: { batchId?: bigint; shard?: number; payouts: ReadonlyArray<Omit<WithdrawParameters, 'batchId'> & { batchId?: bigint }> }): Promise<SentTransaction>;
  /** approve + fundEscrow (OPERATOR_ROLE); the two transactions, in order */
  fundEscrow(amount: bigint): Promise<SentTransaction[]>;
  /** token admin only: the sandbox faucet */
  mint(to: Hex, amount: bigint): Promise<SentTransaction>;
  transferToken(to: Hex, amount: bigint): Promise<SentTransaction>;
}

/** What a reason string is stored as on chain: keccak256 of its UTF-8 bytes. */
export function reasonHash(reason: string): Hex {
  return id(reason) as Hex;
}

const U32 = 0xffff_ffffn;

export function createChainWrites(sender: TransactionSender, deployment: Deployment): ChainWrites {
  const registry = contractInterface('MeterRegistry');
  const settlement = contractInterface('Settlement');
  const token = contractInterface('SettlementToken');
  const call = (to: Hex, data: string, label: string) => sender.send({ to, data: data as Hex, label });
  const onSettlement = (fn: string, args: unknown[]) => call(deployment.settlement, settlement.encodeFunctionData(fn, args), fn);

  return {
    registerMeter({ meterId, publicKey, payee, capacityW }) {
      const key = typeof publicKey === 'string' ? publicKey : bytesToHex(publicKey);
      return call(deployment.registry, registry.encodeFunctionData('registerMeter', [meterId, key, payee, capacityW]), `registerMeter ${meterId}`);
    },
    registerMeters(meters) {
      const list = meters.map((m) => [m.meterId, typeof m.publicKey === 'string' ? m.publicKey : bytesToHex(m.publicKey), m.payee, m.capacityW, m.shard ?? 0]);
      return call(deployment.registry, registry.encodeFunctionData('registerMeters', [list]), `registerMeters ×${meters.length}`);
    },
    assignShard({ meterId, shard, validFromSec, reason }) {
      return call(deployment.registry, registry.encodeFunctionData('assignShard', [meterId, shard, validFromSec, reasonHash(reason)]), `assignShard ${meterId} → ${shard}`);
    },
    suspendMeter({ meterId, fromSec, reason }) {
      return call(deployment.registry, registry.encodeFunctionData('suspendMeter', [meterId, fromSec, reasonHash(reason)]), `suspendMeter ${meterId}`);
    },
    reactivateMeter({ meterId, reason }) {
      return call(deployment.registry, registry.encodeFunctionData('reactivateMeter', [meterId, reasonHash(reason)]), `reactivateMeter ${meterId}`);
    },
    rotateKey({ meterId, publicKey, validFromSec, reason }) {
      const key = typeof publicKey === 'string' ? publicKey : bytesToHex(publicKey);
      return call(deployment.registry, registry.encodeFunctionData('rotateKey', [meterId, key, validFromSec, reasonHash(reason)]), `rotateKey ${meterId}`);
    },
    cancelRotation({ meterId, reason }) {
      return call(deployment.registry, registry.encodeFunctionData('cancelRotation', [meterId, reasonHash(reason)]), `cancelRotation ${meterId}`);
    },
    setSandboxClock({ wallAnchorMs, sandboxAnchorMs, speed }) {
      return call(deployment.registry, registry.encodeFunctionData('setSandboxClock', [wallAnchorMs, sandboxAnchorMs, speed]), 'setSandboxClock');
    },
    setKeyRotationHorizon(seconds) {
      return call(deployment.registry, registry.encodeFunctionData('setKeyRotationHorizon', [seconds]), 'setKeyRotationHorizon');
    },
    revokeKey({ meterId, fromSec, reason }) {
      return call(deployment.registry, registry.encodeFunctionData('revokeKey', [meterId, fromSec, reasonHash(reason)]), `revokeKey ${meterId}`);
    },
    submitBatch(p) {
      // uint32 on chain: a larger count is the caller's bug, not something to wrap silently.
      if (p.claimCount < 0n || p.claimCount > U32) throw new RangeError(`submitBatch: claimCount must fit uint32, got ${p.claimCount}`);
      const args = [p.shard ?? 0, p.batchId, p.intervalStartSec, p.intervalEndSec, p.claimsRoot, p.payoutsRoot, p.claimCount, p.totalExportWh, p.totalAmount];
      return call(deployment.settlement, settlement.encodeFunctionData('submitBatch', args), p.shard ? `submitBatch ${p.shard}/${p.batchId}` : `submitBatch ${p.batchId}`);
    },
    freezeBatch: (batchId, reason, shard = 0) => onSettlement('freezeBatch', [shard, batchId, reasonHash(reason)]),
    approveBatch: (batchId, reason, shard = 0) => onSettlement('approveBatch', [shard, batchId, reasonHash(reason)]),
    rejectBatch: (batchId, reason, shard = 0) => onSettlement('rejectBatch', [shard, batchId, reasonHash(reason)]),
    pause: (reason) => onSettlement('pause', [reasonHash(reason)]),
    unpause: (reason) => onSettlement('unpause', [reasonHash(reason)]),
    endSandbox: (endSec, reason) => onSettlement('endSandbox', [endSec, reasonHash(reason)]),
    setLimits: ({ batchCap, budget }) => onSettlement('setLimits', [batchCap, budget]),
    setChallengeWindow: (seconds) => onSettlement('setChallengeWindow', [seconds]),
    withdraw: ({ shard, batchId, payee, cumulativeAmount, proof }) => onSettlement('withdraw', [shard ?? 0, batchId, payee, cumulativeAmount, proof]),
    withdrawMany({ batchId, shard, payouts }) {
      const list = payouts.map((p) => {
        const id = p.batchId ?? batchId;
        if (id === undefined) throw new TypeError(`withdrawMany: payout for ${p.payee} names no batchId`);
        return [p.shard ?? shard ?? 0, id, p.payee, p.cumulativeAmount, p.proof];
      });
      return onSettlement('withdrawMany', [list]);
    },
    async fundEscrow(amount) {
      const approved = await call(deployment.token, token.encodeFunctionData('approve', [deployment.settlement, amount]), 'approve escrow');
      const funded = await onSettlement('fundEscrow', [amount]);
      return [approved, funded];
    },
    mint: (to, amount) => call(deployment.token, token.encodeFunctionData('mint', [to, amount]), 'mint'),
    transferToken: (to, amount) => call(deployment.token, token.encodeFunctionData('transfer', [to, amount]), 'transfer'),
  };
}
