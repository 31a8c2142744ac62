// Read calls of the chain client: contract views and logs, returned as domain types.
import { Contract, getAddress, type JsonRpcProvider } from 'ethers';
import { hexToBytes, type Hex } from '@feedin/protocol/hex';
import { contractInterface } from './contract-interfaces.js';
import { decodeEvents, type ChainEvent } from './chain-events.js';
import type { Deployment, OnChainBatch, OnChainBatchStatus, RegisteredMeter, RegisteredMeterKey, RegistryClock, SettlementLimits, SubmitBatchParameters } from './chain-types.js';

/** A BatchSubmitted event: the submission's fields and the transaction that carried them. */
export interface BatchSubmission extends SubmitBatchParameters {
  txHash: Hex;
  blockNumber: number;
}

export interface BatchRejection {
  batchId: bigint;
  /** batches batchId..discardedThrough were discarded */
  discardedThrough: bigint;
  reasonHash: Hex;
  txHash: Hex;
  blockNumber: number;
}

export interface ChainReads {
  blockNumber(): Promise<number>;
  meter(meterId: string): Promise<RegisteredMeter | undefined>;
  meters(): Promise<RegisteredMeter[]>;
  /** every key the meter had, oldest first; undefined for an unknown meter */
  meterKeys(meterId: string): Promise<RegisteredMeterKey[] | undefined>;
  /** the registry's sandbox clock (rotation times are judged by it) and its sandbox now at the latest block */
  registryClock(): Promise<RegistryClock>;
  nextBatchId(): Promise<bigint>;
  batch(batchId: bigint): Promise<OnChainBatch | undefined>;
  isFinal(batchId: bigint): Promise<boolean>;
  withdrawn(payee: Hex): Promise<bigint>;
  /** withdrawn by all payees together (the contract's running total) */
  totalWithdrawn(): Promise<bigint>;
  totalCommitted(): Promise<bigint>;
  escrowBalance(): Promise<bigint>;
  tokenBalance(account: Hex): Promise<bigint>;
  paused(): Promise<boolean>;
  /** seconds the settlement has been paused in total, the current pause included: the challenge
   * clock stands still while paused, so each batch's window ends this much later (issue #10) */
  pausedSeconds(): Promise<bigint>;
  /** unix seconds (sandbox time) the regulator ended the sandbox at; null while it runs */
  sandboxEnd(): Promise<number | null>;
  limits(): Promise<SettlementLimits>;
  challengeWindowSeconds(): Promise<bigint>;
  /** every event of the deployment's contracts in [fromBlock, toBlock] (default: latest) */
  events(fromBlock: number, toBlock?: number): Promise<ChainEvent[]>;
  batchSubmissions(fromBlock: number, toBlock?: number): Promise<BatchSubmission[]>;
  batchRejections(fromBlock: number, toBlock?: number): Promise<BatchRejection[]>;
}

const STATUS: readonly (OnChainBatchStatus | undefined)[] = [undefined, 'pending', 'frozen', 'approved', 'final', 'rejected'];
const PAGE = 200;
/** Log queries are split so that nodes with a block-range limit still answer. */
const LOG_RANGE = 5_000;

interface MeterStruct {
  meterId: string;
  publicKey: string;
  keyValidFrom: bigint;
  payee: string;
  capacityW: bigint;
  registeredAt: bigint;
  suspended: boolean;
  suspendedFrom: bigint;
}

function toMeter(m: MeterStruct): RegisteredMeter {
  return {
    meterId: m.meterId,
    publicKey: hexToBytes(m.publicKey),
    keyValidFromSec: Number(m.keyValidFrom),
    payee: getAddress(m.payee) as Hex,
    capacityW: Number(m.capacityW),
    registeredAtSec: Number(m.registeredAt),
    active: true,
    suspendedFromSec: m.suspended ? Number(m.suspendedFrom) : null,
  };
}

export function createChainReads(provider: JsonRpcProvider, deployment: Deployment): ChainReads {
  const registry = new Contract(deployment.registry, contractInterface('MeterRegistry'), provider);
  const settlement = new Contract(deployment.settlement, contractInterface('Settlement'), provider);
  const token = new Contract(deployment.token, contractInterface('SettlementToken'), provider);

  async function logs(address: Hex[], topic: string | null, fromBlock: number, toBlock?: number): Promise<ChainEvent[]> {
    const last = toBlock ?? (await provider.getBlockNumber());
    const out: ChainEvent[] = [];
    for (let from = fromBlock; from <= last; from += LOG_RANGE) {
      const to = Math.min(last, from + LOG_RANGE - 1);
      const found = await provider.getLogs({ address, topics: topic ? [topic] : [], fromBlock: from, toBlock: to });
      out.push(...decodeEvents(deployment, found));
    }
    return out;
  }
  const topic = (name: string) => contractInterface('Settlement').getEvent(name)!.topicHash;

  return {
    blockNumber: () => provider.getBlockNumber(),
    async meter(meterId) {
      // Ask first rather than catch the revert: an unknown meter is an answer, not an error.
      if (!(await registry.getFunction('isRegistered')(meterId))) return undefined;
      return toMeter(await registry.getFunction('meter')(meterId));
    },
    async meterKeys(meterId) {
      if (!(await registry.getFunction('isRegistered')(meterId))) return undefined;
      const keys = (await registry.getFunction('meterKeys')(meterId)) as { publicKey: string; validFrom: bigint; revokedFrom: bigint }[];
      return keys.map((k) => ({ publicKey: hexToBytes(k.publicKey), validFromSec: Number(k.validFrom), revokedFromSec: k.revokedFrom === 0n ? null : Number(k.revokedFrom) }));
    },
    async meters() {
      const count = Number(await registry.getFunction('meterCount')());
      const pages: Promise<MeterStruct[]>[] = [];
      for (let start = 0; start < count; start += PAGE) pages.push(registry.getFunction('metersPage')(start, PAGE));
      return (await Promise.all(pages)).flat().map(toMeter);
    },
    nextBatchId: async () => BigInt(await settlement.getFunction('nextBatchId')()),
    async batch(batchId) {
      const [status, stored, final] = await Promise.all([
        settlement.getFunction('status')(batchId),
        settlement.getFunction('batch')(batchId),
        settlement.getFunction('isFinal')(batchId),
      ]);
      const name = STATUS[Number(status)];
      if (!name) return undefined;
      return {
        batchId,
        intervalStartSec: stored.intervalStart,
        intervalEndSec: stored.intervalEnd,
        claimsRoot: stored.claimsRoot,
        payoutsRoot: stored.payoutsRoot,
        claimCount: stored.claimCount,
        totalExportWh: stored.totalExportWh,
        totalAmount: stored.totalAmount,
        committedThrough: stored.committedThrough,
        submittedAtSec: stored.submittedAt,
        challengeEndsAtSec: stored.challengeEndsAt,
        status: name,
        final,
      };
    },
    isFinal: (batchId) => settlement.getFunction('isFinal')(batchId),
    withdrawn: (payee) => settlement.getFunction('withdrawn')(payee),
    totalWithdrawn: () => settlement.getFunction('totalWithdrawn')(),
    totalCommitted: () => settlement.getFunction('totalCommitted')(),
    escrowBalance: () => settlement.getFunction('escrowBalance')(),
    tokenBalance: (account) => token.getFunction('balanceOf')(account),
    paused: () => settlement.getFunction('paused')(),
    pausedSeconds: async () => BigInt(await settlement.getFunction('pausedSeconds')()),
    async registryClock() {
      const [[wallAnchorMs, sandboxAnchorMs, speed], nowSec, horizon] = await Promise.all([
        registry.getFunction('sandboxClock')() as Promise<[bigint, bigint, bigint]>,
        registry.getFunction('sandboxNow')() as Promise<bigint>,
        registry.getFunction('keyRotationHorizonSeconds')() as Promise<bigint>,
      ]);
      return { wallAnchorMs: Number(wallAnchorMs), sandboxAnchorMs: Number(sandboxAnchorMs), speed: Number(speed), nowSec: Number(nowSec), keyRotationHorizonSeconds: Number(horizon) };
    },
    async sandboxEnd() {
      const end = Number(await settlement.getFunction('sandboxEnd')());
      return end === 0 ? null : end;
    },
    async limits() {
      const [batchCap, budget] = await Promise.all([settlement.getFunction('batchCap')(), settlement.getFunction('budget')()]);
      return { batchCap, budget };
    },
    challengeWindowSeconds: async () => BigInt(await settlement.getFunction('challengeWindowSeconds')()),
    events: (fromBlock, toBlock) => logs([deployment.token, deployment.registry, deployment.settlement], null, fromBlock, toBlock),
    async batchSubmissions(fromBlock, toBlock) {
      const found = await logs([deployment.settlement], topic('BatchSubmitted'), fromBlock, toBlock);
      return found.flatMap((e) =>
        e.name === 'BatchSubmitted'
          ? [
              {
                batchId: e.args.batchId,
                intervalStartSec: e.args.intervalStart,
                intervalEndSec: e.args.intervalEnd,
                claimsRoot: e.args.claimsRoot,
                payoutsRoot: e.args.payoutsRoot,
                claimCount: e.args.claimCount,
                totalExportWh: e.args.totalExportWh,
                totalAmount: e.args.totalAmount,
                txHash: e.txHash,
                blockNumber: e.blockNumber,
              },
            ]
          : [],
      );
    },
    async batchRejections(fromBlock, toBlock) {
      const found = await logs([deployment.settlement], topic('BatchRejected'), fromBlock, toBlock);
      return found.flatMap((e) =>
        e.name === 'BatchRejected'
          ? [{ batchId: e.args.batchId, discardedThrough: e.args.discardedThrough, reasonHash: e.args.reasonHash, txHash: e.txHash, blockNumber: e.blockNumber }]
          : [],
      );
    },
  };
}
