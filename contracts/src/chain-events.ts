// Contract events as domain objects: args keyed by their Solidity parameter names, integers as
// bigint, addresses checksummed, bytes as Hex. Decoding is generic (from the ABI); the types below
// name what each event carries, and a test checks them against the ABI.
import { getAddress, type Log } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import type { Deployment } from './chain-types.js';
import { contractInterface } from './contract-interfaces.js';

export interface ChainEventArgs {
  BatchSubmitted: {
    shard: bigint;
    batchId: bigint;
    intervalStart: bigint;
    intervalEnd: bigint;
    claimsRoot: Hex;
    payoutsRoot: Hex;
    claimCount: bigint;
    totalExportWh: bigint;
    totalAmount: bigint;
  };
  BatchFrozen: { shard: bigint; batchId: bigint; reasonHash: Hex };
  BatchApproved: { shard: bigint; batchId: bigint; reasonHash: Hex };
  BatchRejected: { shard: bigint; batchId: bigint; discardedThrough: bigint; reasonHash: Hex };
  Withdrawn: { payee: Hex; shard: bigint; batchId: bigint; amount: bigint; cumulativeAmount: bigint };
  EscrowFunded: { from: Hex; amount: bigint; escrowBalance: bigint };
  LimitsChanged: { batchCap: bigint; budget: bigint };
  ChallengeWindowChanged: { challengeWindowSeconds: bigint };
  Paused: { account: Hex; reasonHash: Hex };
  Unpaused: { account: Hex; reasonHash: Hex };
  SandboxEnded: { sandboxEnd: bigint; reasonHash: Hex; endedBy: Hex };
  MeterRegistered: { meterIdHash: Hex; meterId: string; publicKey: Hex; payee: Hex; capacityW: bigint };
  MeterSuspended: { meterIdHash: Hex; meterId: string; fromTime: bigint; reasonHash: Hex; suspendedBy: Hex };
  MeterReactivated: { meterIdHash: Hex; meterId: string; reasonHash: Hex; reactivatedBy: Hex };
  MeterKeyRotated: { meterIdHash: Hex; meterId: string; publicKey: Hex; validFrom: bigint; reasonHash: Hex; rotatedBy: Hex };
  MeterKeyRevoked: { meterIdHash: Hex; meterId: string; publicKey: Hex; fromTime: bigint; reasonHash: Hex; revokedBy: Hex };
  MeterKeyRotationCancelled: { meterIdHash: Hex; meterId: string; publicKey: Hex; validFrom: bigint; reasonHash: Hex; cancelledBy: Hex };
  ShardAssigned: { payee: Hex; meterId: string; shard: bigint; validFrom: bigint; reasonHash: Hex; assignedBy: Hex };
  ShardAssignmentCancelled: { payee: Hex; shard: bigint; validFrom: bigint; reasonHash: Hex; cancelledBy: Hex };
  SandboxClockChanged: { wallAnchorMs: bigint; sandboxAnchorMs: bigint; speed: bigint };
  KeyRotationHorizonChanged: { horizonSeconds: bigint };
  RoleGranted: { role: Hex; account: Hex; sender: Hex };
  RoleRevoked: { role: Hex; account: Hex; sender: Hex };
  RoleAdminChanged: { role: Hex; previousAdminRole: Hex; newAdminRole: Hex };
  Transfer: { from: Hex; to: Hex; value: bigint };
  Approval: { owner: Hex; spender: Hex; value: bigint };
}

export type ChainEventName = keyof ChainEventArgs;
export type ContractRole = 'token' | 'registry' | 'settlement';

export type ChainEvent = {
  [K in ChainEventName]: {
    name: K;
    args: ChainEventArgs[K];
    contract: ContractRole;
    address: Hex;
    blockNumber: number;
    txHash: Hex;
    logIndex: number;
  };
}[ChainEventName];

const ARTIFACT = { token: 'SettlementToken', registry: 'MeterRegistry', settlement: 'Settlement' } as const;

/** Decodes the logs emitted by the deployment's contracts; other logs are skipped. */
export function decodeEvents(deployment: Deployment, logs: readonly Log[]): ChainEvent[] {
  const byAddress = new Map<string, ContractRole>([
    [deployment.token.toLowerCase(), 'token'],
    [deployment.registry.toLowerCase(), 'registry'],
    [deployment.settlement.toLowerCase(), 'settlement'],
  ]);
  const events: ChainEvent[] = [];
  for (const log of logs) {
    const contract = byAddress.get(log.address.toLowerCase());
    if (!contract) continue;
    const parsed = contractInterface(ARTIFACT[contract]).parseLog(log);
    if (!parsed) continue;
    const args: Record<string, unknown> = {};
    parsed.fragment.inputs.forEach((input, i) => {
      args[input.name] = plainValue(input.type, parsed.args[i]);
    });
    events.push({
      name: parsed.name,
      args,
      contract,
      address: getAddress(log.address) as Hex,
      blockNumber: log.blockNumber,
      txHash: log.transactionHash as Hex,
      logIndex: log.index,
    } as ChainEvent);
  }
  return events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

function plainValue(type: string, value: unknown): unknown {
  // An indexed string arrives as its keccak256 topic (ethers `Indexed`).
  if (value && typeof value === 'object' && 'hash' in value) return (value as { hash: string }).hash;
  if (type === 'address') return getAddress(value as string);
  return value;
}
