// The settlement loop (docs/design.md §Claims, batches and settlement): build every closed
// interval's batch (after the grace period), persist it as 'built', then submit in order; apply
// rejections and read statuses back. Chain trouble never stops local building: the service reports
// degraded health, backs off and catches up in order. A pass is steps — build, then the chain steps
// (chainSteps), whose outcome is one result that `settle` turns into the loop's state.
import { intervalStartMs } from '@feedin/protocol/interval';
import type { Keccak256Implementation } from '@feedin/protocol/keccak';
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import type { GatewayEvents } from '../events.js';
import type { MetricsRegistry } from '../metrics.js';
import type { MeterDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { loadBatchInput } from './batch-input.js';
import { buildBatch, type BuiltBatch } from './build-batch.js';
import { DEFAULT_BACKOFF } from '@feedin/protocol/backoff';
import { describeChainError, outcomeUnknown } from './chain-errors.js';
import { MIN_NEXT_BATCH_ID, SettlementConflictError, applyRejections, reconcileWithChain, refreshStatuses, submitBuilt } from './chain-sync.js';
import type { SettlementChain } from './ports.js';
import type { SettlementStore } from './settlement-store.js';
import { settlementMetrics, type SettlementMetrics } from './settlement-metrics.js';
import { pauseChangeLine, readGovernanceSwitches, SWITCHES_BEFORE_FIRST_READ, type GovernanceSwitches } from './governance-switches.js';
import { createRetryGate, createThrottle } from './throttle.js';
import { REJECTABLE_ON_CHAIN, followRevocations, revocationsFingerprint, type RevokedKeyBatch } from './revoked-key-claims.js';

export interface SettlementDeps {
  config: SandboxConfig;
  clock: Clock;
  store: ReadingStore;
  settlementStore: SettlementStore;
  directory: MeterDirectory;
  chain: SettlementChain;
  /** sandbox time of the sandbox's first clock reading; persisted on the first run */
  firstIntervalStartMs: number;
  events: GatewayEvents;
  /** the composition root's Keccak for the batch trees (gateway-crypto.ts); portable when absent */
  keccak?: Keccak256Implementation | undefined;
  metrics?: MetricsRegistry;
  log: (msg: string) => void;
  /** wall ms between ticks; 0 = no timer (tests drive tick()). Default 200. */
  tickIntervalMs?: number;
  /** log mode (docs/durability.md): makes a built batch durable in the shard's replicated log
   * before it is recorded locally and can be submitted, so a standby rebuilds the same batch */
  batchLog?: { recordBuilt(batch: BuiltBatch, builtAtMs: number): Promise<void> };
}

export interface SettlementStatus {
  chain: 'ok' | 'degraded';
  /** why the chain is degraded, null when ok */
  detail: string | null;
  lastBuiltBatchId: string | null;
  lastSubmittedBatchId: string | null;
  lastFinalBatchId: string | null;
  /** built batches not yet on chain */
  backlog: number;
  /** start of the next interval to build (sandbox ms) */
  nextIntervalStartMs: number;
  /** the regulator paused settlement on chain: batches are built and kept, not submitted */
  paused: boolean;
  /** sandbox ms after which no interval is settled (config end, or the regulator's end-sandbox) */
  sandboxEndMs: number;
  /** true once the regulator ended the sandbox on chain */
  ended: boolean;
  /** batches on chain, still rejectable, that pay readings of a key revoked at their TM */
  revokedKeyBatches: RevokedKeyBatch[];
}

export interface SettlementService {
  stop(): Promise<void>;
  status(): SettlementStatus;
  /** one pass of the loop (tests drive it; the timer calls it too) */
  tick(): Promise<void>;
}

const FIRST_INTERVAL = 'firstIntervalStartMs';
const INTERVAL_MINUTES = 'intervalMinutes';
const BUILDS_PER_TICK = 50;
const SUBMITS_PER_TICK = 20;
const STATUS_POLL_WALL_MS = 1_000;
/** after a chain failure: 250 ms, doubling to 10 s (protocol's default back-off steps) */
const CHAIN_RETRY = DEFAULT_BACKOFF;
const OUT_OF_ORDER = 'reverted: the settlement contract refused a batch as out of order; re-reading the chain';

/** What one pass of the chain steps came to; the loop's state changes in one place (settle). */
type ChainPass =
  /** every step ran: the chain is reachable */
  | { kind: 'synced' }
  /** a rejection rolled batches back: rebuild and resubmit them at once */
  | { kind: 'rolled-back' }
  /** the chain holds another batch under one of our ids: stop submitting (an operator decides) */
  | { kind: 'conflict'; detail: string }
  /** a step failed or was refused: back off; `reconcile` when what was sent must be re-read */
  | { kind: 'failed'; detail: string; reconcile: boolean };

export async function startSettlement(deps: SettlementDeps): Promise<SettlementService> {
  const { config, clock, settlementStore: local, events, log } = deps;
  const minutes = config.interval.minutes;
  const periodMs = minutes * 60_000;
  const firstIntervalMs = anchorFirstInterval(local, intervalStartMs(deps.firstIntervalStartMs, minutes), minutes, log);
  const metrics: SettlementMetrics | undefined = deps.metrics && settlementMetrics(deps.metrics);
  const sync = { chain: deps.chain, settlementStore: local, events, log };
  const wallNowMs = () => clock.wallNowMs();

  let chainDetail: string | null = null;
  let conflict: string | null = null;
  let needsReconcile = true;
  const retry = createRetryGate(CHAIN_RETRY, wallNowMs);
  // Each periodic chain read about once a second (rejections are a log scan).
  const rejectionPoll = createThrottle(STATUS_POLL_WALL_MS, wallNowMs);
  const statusPoll = createThrottle(STATUS_POLL_WALL_MS, wallNowMs);
  const governancePoll = createThrottle(STATUS_POLL_WALL_MS, wallNowMs);
  let switches: GovernanceSwitches = SWITCHES_BEFORE_FIRST_READ;
  const configEndMs = Date.parse(config.sandbox.end);
  const sandboxEndMs = (): number => (switches.endedAtMs === null ? configEndMs : Math.min(configEndMs, switches.endedAtMs));
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const nextIntervalStartMs = (): number => local.lastBatch()?.intervalEndMs ?? firstIntervalMs;

  async function buildDue(): Promise<void> {
    for (let i = 0; i < BUILDS_PER_TICK; i++) {
      const startMs = nextIntervalStartMs();
      // docs/design.md §Batches: one batch per closed interval, after a grace period for late
      // readings.
      if (clock.nowMs() < startMs + periodMs + config.interval.graceSeconds * 1000) return;
      // Nothing is settled past the sandbox's end (config, or the regulator's end-sandbox).
      if (startMs + periodMs > sandboxEndMs()) return;
      const last = local.lastBatch();
      const minNext = BigInt(local.meta(MIN_NEXT_BATCH_ID) ?? '1');
      const batchId = last && last.batchId + 1n > minNext ? last.batchId + 1n : minNext;
      const watermark = await deps.store.highWaterSeq();
      const started = performance.now();
      const input = await loadBatchInput({ batchId, intervalStartMs: startMs, watermark, config, directory: deps.directory, store: deps.store, settlementStore: local });
      const built = buildBatch(input, deps.keccak);
      const builtAtMs = clock.nowMs();
      await deps.batchLog?.recordBuilt(built, builtAtMs);
      local.recordBuilt(built, builtAtMs);
      metrics?.observeBuilt(built, (performance.now() - started) / 1000);
      events.emit('batch.built', {
        batchId: batchId.toString(),
        intervalStartMs: built.intervalStartMs,
        intervalEndMs: built.intervalEndMs,
        claimCount: built.claimCount,
        totalAmount: built.totalAmount.toString(),
      });
    }
  }

  /** The chain steps in order: rejections (always before a reconcile), reconcile, the regulator's
   * switches, submit, statuses. A chain client's error ends the pass (chainPass turns it into a
   * result); a refusal the steps understand is returned, not thrown. */
  async function chainSteps(): Promise<ChainPass> {
    if (rejectionPoll.due(needsReconcile) && (await applyRejections(sync)) > 0) return { kind: 'rolled-back' };
    if (needsReconcile) {
      await reconcileWithChain(sync);
      needsReconcile = false;
    }
    // Read the switches right before sending (a pause must stop the next batch), else about once a second.
    if (governancePoll.due(local.countWithStatus(['built']) > 0 && !switches.paused)) {
      const read = await readGovernanceSwitches(deps.chain);
      const change = pauseChangeLine(switches, read);
      if (change) log(change);
      switches = read;
    }
    if (!switches.paused) {
      const submitted = await submitBuilt(sync, SUBMITS_PER_TICK);
      // Paused between our read and the send: the batch stays built; no back-off.
      if (submitted.paused) switches = { ...switches, paused: true };
      // The contract's sequence refused the batch: re-read the chain next pass, and back off so
      // a refusal that reading the chain does not explain cannot spin.
      if (submitted.outOfOrder) return { kind: 'failed', detail: OUT_OF_ORDER, reconcile: true };
    }
    if (statusPoll.due()) await refreshStatuses(sync, 100);
    return { kind: 'synced' };
  }

  async function chainPass(): Promise<ChainPass> {
    try {
      return await chainSteps();
    } catch (error) {
      if (error instanceof SettlementConflictError) return { kind: 'conflict', detail: error.message };
      return { kind: 'failed', detail: describeChainError(error), reconcile: outcomeUnknown(error) };
    }
  }

  /** Returns true when a rejection rolled batches back (the caller rebuilds them at once). */
  async function syncChain(): Promise<boolean> {
    if (conflict || !retry.open()) return false;
    return settle(await chainPass());
  }

  function settle(pass: ChainPass): boolean {
    switch (pass.kind) {
      case 'rolled-back':
        needsReconcile = true;
        return true;
      case 'synced':
        if (chainDetail !== null) log('settlement: chain reachable again');
        chainDetail = null;
        retry.succeeded();
        return false;
      case 'conflict':
        conflict = pass.detail;
        chainDetail = pass.detail;
        report(null, pass.detail);
        return false;
      case 'failed':
        if (pass.reconcile) needsReconcile = true;
        chainDetail = pass.detail;
        retry.failed();
        report(local.batchesWithStatus(['built'], 1)[0]?.batchId ?? null, `chain: ${pass.detail}`);
        return false;
    }
  }

  function report(batchId: bigint | null, detail: string): void {
    metrics?.chainErrors.inc();
    log(`settlement: ${detail}`);
    events.emit('settlement.error', { batchId: batchId === null ? null : batchId.toString(), detail });
  }

  async function build(): Promise<void> {
    try {
      await buildDue();
    } catch (error) {
      // The reading store failed: nothing was recorded for this batch; the next pass retries it.
      report(null, `build failed: ${(error as Error).message}`);
    }
  }

  // Key revocations (docs/design.md §Key history): seen in the directory, followed once per change; not
  // while a built batch may be on chain unrecorded (the reconcile first says which are sent).
  let revocations = '';
  let revokedOnChain: RevokedKeyBatch[] = [];
  function followKeys(): void {
    const now = revocationsFingerprint(deps.directory);
    if (now === revocations || needsReconcile) return;
    revocations = now;
    revokedOnChain = followRevocations({ settlementStore: local, directory: deps.directory, events, log, minNextBatchIdKey: MIN_NEXT_BATCH_ID });
  }

  async function pass(): Promise<void> {
    followKeys();
    await build();
    // After a rejection the rolled-back batches are rebuilt and resubmitted in the same pass.
    if (await syncChain()) {
      revocations = ''; // the rebuilt batches are other ones: look at them again next pass
      await build();
      await syncChain();
    }
    metrics?.backlog.set(local.countWithStatus(['built']));
  }

  function tick(): Promise<void> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  const tickWallMs = deps.tickIntervalMs ?? 200;
  function schedule(): void {
    if (stopped || tickWallMs <= 0) return;
    timer = setTimeout(() => void tick().finally(schedule), tickWallMs);
  }
  schedule();

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    status() {
      const chainOk = chainDetail === null && conflict === null;
      return {
        chain: chainOk ? 'ok' : 'degraded',
        detail: conflict ?? chainDetail,
        lastBuiltBatchId: local.lastBatch()?.batchId.toString() ?? null,
        lastSubmittedBatchId: local.newestWithStatus(['submitted', 'pending', 'frozen', 'approved', 'final'])?.batchId.toString() ?? null,
        lastFinalBatchId: local.newestWithStatus(['final'])?.batchId.toString() ?? null,
        backlog: local.countWithStatus(['built']),
        nextIntervalStartMs: nextIntervalStartMs(),
        paused: switches.paused,
        sandboxEndMs: sandboxEndMs(),
        ended: switches.endedAtMs !== null,
        revokedKeyBatches: revokedOnChain.flatMap((b) => {
          const status = local.batch(BigInt(b.batchId))?.status;
          return status && REJECTABLE_ON_CHAIN.includes(status) ? [{ ...b, status }] : [];
        }),
      };
    },
  };
}

/** The first interval and the interval length are fixed by the first run: batches must form one
 * unbroken sequence of intervals, so a later start with different values fails fast. */
function anchorFirstInterval(local: SettlementStore, firstMs: number, minutes: number, log: (msg: string) => void): number {
  const savedMinutes = local.meta(INTERVAL_MINUTES);
  if (savedMinutes !== undefined && Number(savedMinutes) !== minutes && local.lastBatch())
    throw new Error(`settlement: this data dir settled ${savedMinutes}-minute intervals; the config now says ${minutes}. Use a fresh data dir or restore interval.minutes`);
  local.setMeta(INTERVAL_MINUTES, String(minutes));
  const saved = local.meta(FIRST_INTERVAL);
  if (saved !== undefined) {
    if (Number(saved) !== firstMs) log(`settlement: continuing from the first interval saved in the data dir (${new Date(Number(saved)).toISOString()})`);
    return Number(saved);
  }
  local.setMeta(FIRST_INTERVAL, String(firstMs));
  return firstMs;
}
