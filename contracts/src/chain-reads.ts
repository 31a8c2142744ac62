// Read calls of the chain client: contract views and logs, returned as domain types.
import { Contract, getAddress, toBeHex, zeroPadValue, type JsonRpcProvider } from 'ethers';
import { hexToBytes, type Hex } from '@feedin/protocol/hex';
import { contractInterface } from './contract-interfaces.js';
import { decodeEvents, type ChainEvent } from './chain-events.js';
import type { Deployment, OnChainBatch, OnChainBatchStatus, RegisteredMeter, RegisteredMeterKey, RegistryClock, SettlementLimits, ShardAssignment, SubmitBatchParameters } from './chain-types.js';

/** A BatchSubmitted event: the submission's fields, its shard and the transaction that carried them. */
export interface BatchSubmission extends SubmitBatchParameters {
  shard: number;
  txHash: Hex;
  blockNumber: number;
}

export interface BatchRejection {
  shard: number;
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
  /** the shard the meter's readings with TM = `timeSec` (unix s, sandbox time) belong to; undefined for an unknown meter */
  meterShardAt(meterId: string, timeSec: number): Promise<number | undefined>;
  /** the shard history of the meter's household, oldest first; undefined for an unknown meter */
  meterShards(meterId: string): Promise<ShardAssignment[] | undefined>;
  /** the registry's sandbox clock (rotation times are judged by it) and its sandbox now at the latest block */
  registryClock(): Promise<RegistryClock>;
  /** per shard (issue #13); `shard` default 0 here and below */
  nextBatchId(shard?: number): Promise<bigint>;
  batch(batchId: bigint, shard?: number): Promise<OnChainBatch | undefined>;
  isFinal(batchId: bigint, shard?: number): Promise<boolean>;
  /** withdrawn by the payee from `shard`; without a shard, from every shard together */
  withdrawn(payee: Hex, shard?: number): Promise<bigint>;
  /** every shard that ever submitted a batch, in order of its first batch */
  shards(): Promise<number[]>;
  /** committed by the shard's live batches, and withdrawn from it by all payees */
  shardTotals(shard: number): Promise<{ committed: bigint; withdrawn: bigint }>;
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
  /** BatchSubmitted logs, of one shard when `shard` is given */
  batchSubmissions(fromBlock: number, toBlock?: number, shard?: number): Promise<BatchSubmission[]>;
  batchRejections(fromBlock: number, toBlock?: number, shard?: number): Promise<BatchRejection[]>;
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
  shard: bigint;
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
    shard: Number(m.shard),
  };
}

export function createChainReads(provider: JsonRpcProvider, deployment: Deployment): ChainReads {
  const registry = new Contract(deployment.registry, contractInterface('MeterRegistry'), provider);
  const settlement = new Contract(deployment.settlement, contractInterface('Settlement'), provider);
  const token = new Contract(deployment.token, contractInterface('SettlementToken'), provider);

  async function logs(address: Hex[], topic: string | null, fromBlock: number, toBlock?: number, shard?: number): Promise<ChainEvent[]> {
    // The shard is the first indexed argument of every per-shard Settlement event.
    const topics = topic ? [topic, ...(shard === undefined ? [] : [zeroPadValue(toBeHex(shard), 32)])] : [];
    const last = toBlock ?? (await provider.getBlockNumber());
    const out: ChainEvent[] = [];
    for (let from = fromBlock; from <= last; from += LOG_RANGE) {
      const to = Math.min(last, from + LOG_RANGE - 1);
      const found = await provider.getLogs({ address, topics, fromBlock: from, toBlock: to });
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
    async meterShardAt(meterId, timeSec) {
      if (!(await registry.getFunction('isRegistered')(meterId))) return undefined;
      return Number(await registry.getFunction('meterShardAt')(meterId, timeSec));
    },
    async meterShards(meterId) {
      if (!(await registry.getFunction('isRegistered')(meterId))) return undefined;
      const list = (await registry.getFunction('meterShards')(meterId)) as { shard: bigint; validFrom: bigint }[];
      return list.map((a) => ({ shard: Number(a.shard), validFromSec: Number(a.validFrom) }));
    },
    nextBatchId: async (shard = 0) => BigInt(await settlement.getFunction('nextBatchId')(shard)),
    async batch(batchId, shard = 0) {
      const [status, stored, final] = await Promise.all([
        settlement.getFunction('status')(shard, batchId),
        settlement.getFunction('batch')(shard, batchId),
        settlement.getFunction('isFinal')(shard, batchId),
      ]);
      const name = STATUS[Number(status)];
      if (!name) return undefined;
      return {
        shard,
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
    isFinal: (batchId, shard = 0) => settlement.getFunction('isFinal')(shard, batchId),
    async withdrawn(payee, shard) {
      if (shard !== undefined) return settlement.getFunction('withdrawn')(shard, payee);
      const all = ((await settlement.getFunction('shards')()) as bigint[]).map(Number);
      const each = await Promise.all(all.map((s) => settlement.getFunction('withdrawn')(s, payee) as Promise<bigint>));
      return each.reduce((a, b) => a + b, 0n);
    },
    shards: async () => ((await settlement.getFunction('shards')()) as bigint[]).map(Number),
    async shardTotals(shard) {
      const [committed, withdrawn] = await Promise.all([settlement.getFunction('shardCommitted')(shard), settlement.getFunction('shardWithdrawn')(shard)]);
      return { committed, withdrawn };
    },
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
    async batchSubmissions(fromBlock, toBlock, shard) {
      const found = await logs([deployment.settlement], topic('BatchSubmitted'), fromBlock, toBlock, shard);
      return found.flatMap((e) =>
        e.name === 'BatchSubmitted'
          ? [
              {
                shard: Number(e.args.shard),
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
    async batchRejections(fromBlock, toBlock, shard) {
      const found = await logs([deployment.settlement], topic('BatchRejected'), fromBlock, toBlock, shard);
      return found.flatMap((e) =>
        e.name === 'BatchRejected'
          ? [{ shard: Number(e.args.shard), batchId: e.args.batchId, discardedThrough: e.args.discardedThrough, reasonHash: e.args.reasonHash, txHash: e.txHash, blockNumber: e.blockNumber }]
          : [],
      );
    },
  };
}
