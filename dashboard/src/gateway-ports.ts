// Adapts the running gateway (store, settlement, directory, broker, chain) to the dashboard's
// port. The batch, claim and payout views are the gateway's read model, served as they are;
// nothing here decides anything. The routes have checked every parameter before they call.
import type { ChainRecoveryView, DashboardPorts, EarningsView, HealthView, MeterView, OperatorActions, PayoutView } from './ports.js';
import { checksumAddress } from '@feedin/protocol/address';
import { explainCaps } from '@feedin/gateway/settlement/cap-explanation';
import { localDayOf } from '@feedin/gateway/settlement/batch-input';
import type { SuspensionRecord } from '@feedin/gateway/governance/suspension-log';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { NO_CAP } from '@feedin/contracts/chain-types';
import type { ChainClient } from '@feedin/contracts/chain-client';
import type { GatewayEvents } from '@feedin/gateway/events';
import type { GatewayMetrics } from '@feedin/gateway/metrics';
import type { MeterDirectory } from '@feedin/gateway/registry/meter-directory';
import type { ChainInfo } from '@feedin/gateway/settlement/ports';
import type { SettlementQueries } from '@feedin/gateway/settlement/queries';
import type { SettlementService } from '@feedin/gateway/settlement/settlement-service';
import type { SettlementStore } from '@feedin/gateway/settlement/settlement-store';
import { withdrawPayout } from '@feedin/gateway/audit/withdraw-payout';
import { buildDailyReport } from '@feedin/gateway/reports/daily-report';
import { summarizeSandbox } from '@feedin/gateway/reports/sandbox-summary';
import type { StoredReading } from '@feedin/gateway/store/reading-store';
import type { MonitoredReadingStore } from '@feedin/gateway/store/open-store';
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { Hex } from '@feedin/protocol/hex';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';

export interface DashboardPortsDeps {
  config: SandboxConfig;
  clock: Clock;
  store: MonitoredReadingStore;
  queries: SettlementQueries;
  settlement: SettlementService;
  directory: MeterDirectory;
  chain: ChainClient;
  /** for the daily report; without it GET /api/reports/daily answers 503 */
  settlementStore?: SettlementStore;
  /** signs meter registration and suspension from the operator page; without it those routes answer 503 */
  operatorChain?: ChainClient;
  chainInfo: ChainInfo;
  connectedMeters: () => ReadonlySet<string>;
  brokerListening: () => boolean;
  events: GatewayEvents;
  metrics: GatewayMetrics;
  /** what the start found the chain had lost in a crash (chain-recovery.ts); shown in the chain component */
  chainRecovery?: { degraded: boolean; detail: string };
  /** every loss any start found (the recovery log), for the regulator page's status */
  chainRecoveryLog?: () => Promise<ChainRecoveryView[]>;
  /** the newest recorded reason per suspended meter (suspension log + regulator audit log) */
  suspensionReasons?: () => Promise<ReadonlyMap<string, SuspensionRecord>>;
  /** records the operator's reason in words when it suspends a meter (the chain keeps its hash) */
  recordSuspension?: (record: SuspensionRecord) => Promise<void>;
}

const readingView = (r: StoredReading) => ({
  seq: r.seq,
  meterId: r.meterId,
  pagination: r.pagination,
  timestampMs: r.timestampMs,
  importWh: r.importWh.toString(),
  exportWh: r.exportWh.toString(),
  payloadDigest: r.payloadDigest,
  ocmf: r.ocmf,
});

export function createDashboardPorts(d: DashboardPortsDeps): DashboardPorts {
  const configuredHousehold = new Map(d.config.meters.map((m) => [m.id, m.household]));
  const householdOfPayee = new Map(d.config.participants.households.map((h) => [h.payee.toLowerCase(), h.id]));
  // A meter of the sandbox file belongs to its household; one registered later (the operator
  // page) to the household its payee is (issue #11 item 15) — the payee is on chain, so this
  // survives a restart.
  const householdOf = (meterId: string, payee: string) => configuredHousehold.get(meterId) ?? householdOfPayee.get(payee.toLowerCase()) ?? '';
  const isKnownPayee = (payee: string) => d.directory.all().some((m) => m.payee.toLowerCase() === payee.toLowerCase());
  const dailyReport = d.settlementStore
    ? (date: string) =>
        buildDailyReport({
          date,
          utcOffsetMinutes: d.config.sandbox.utcOffsetMinutes,
          households: d.config.participants.households,
          settlementStore: d.settlementStore!,
          store: d.store,
          chain: d.chain,
        })
    : undefined;
  const ports: DashboardPorts = {
    clock: d.clock,
    async health(): Promise<HealthView> {
      const storeHealth = await d.store.health().catch((error: unknown) => ({ status: 'down' as const, detail: `store health check failed: ${(error as Error).message}` }));
      const settlement = d.settlement.status();
      const broker = d.brokerListening();
      const components = {
        broker: broker ? { status: 'ok' as const, detail: `MQTT broker, ${d.connectedMeters().size} meters connected` } : { status: 'down' as const, detail: 'broker not listening' },
        store: { status: storeHealth.status, detail: storeHealth.detail },
        chain:
          settlement.chain === 'ok'
            ? { status: 'ok' as const, detail: `chain ${d.chainInfo.chainId}, last submitted batch ${settlement.lastSubmittedBatchId ?? 'none'}, backlog ${settlement.backlog}` }
            : { status: 'degraded' as const, detail: settlement.detail ?? 'chain unreachable' },
      };
      if (d.chainRecovery?.degraded) components.chain = { status: 'degraded', detail: `${d.chainRecovery.detail}; ${components.chain.detail}` };
      const ok = Object.values(components).every((c) => c.status === 'ok');
      const log = 'log' in storeHealth ? storeHealth.log : undefined;
      if (!log) return { status: ok ? 'ok' : 'degraded', components };
      const r = log.replication;
      return {
        status: ok ? 'ok' : 'degraded',
        components,
        log: {
          role: log.acknowledging ? 'active' : 'fenced',
          fencedReason: log.fencedReason,
          stream: r?.stream ?? null,
          replicas: r?.replicas ?? null,
          replicasCurrent: r ? r.currentPeers + (r.leader ? 1 : 0) : null,
          leader: r?.leader ?? null,
          maxReplicaLag: r?.maxPeerLag ?? null,
          lastSeq: r?.lastSeq ?? null,
          viewAppliedSeq: log.appliedLogSeq,
          lastAppendError: log.lastAppendError,
        },
      };
    },
    async meters(): Promise<MeterView[]> {
      const [latest, reasons] = await Promise.all([d.store.latestPerMeter(), d.suspensionReasons?.() ?? new Map<string, SuspensionRecord>()]);
      const connected = d.connectedMeters();
      const nowMs = d.clock.nowMs();
      return d.directory.all().map((m) => {
        const last = latest.get(m.meterId);
        // Only the words recorded for this suspension (same start), not an older, lifted one's.
        const found = reasons.get(m.meterId);
        const recorded = found && Date.parse(found.from) === m.suspendedFromMs ? found : undefined;
        return {
          meterId: m.meterId,
          householdId: householdOf(m.meterId, m.payee),
          payee: m.payee,
          capacityW: m.capacityW,
          active: m.active && (m.suspendedFromMs === null || m.suspendedFromMs > nowMs),
          connected: connected.has(m.meterId),
          lastReading: last ? { pagination: last.pagination, timestampMs: last.timestampMs, importWh: last.importWh.toString(), exportWh: last.exportWh.toString() } : null,
          suspension: m.suspendedFromMs === null ? null : { fromMs: m.suspendedFromMs, reason: recorded?.reason ?? null, by: recorded?.by ?? null },
        };
      });
    },
    async readings(meterId, query) {
      return (await d.store.readings(meterId, query)).map(readingView);
    },
    async rejections(query) {
      return d.store.rejections(query);
    },
    async batches(query) {
      return d.queries.listBatches({ limit: query.limit, before: query.beforeId === undefined ? undefined : BigInt(query.beforeId), includeRejected: true });
    },
    async batch(batchId) {
      return d.queries.getBatch(BigInt(batchId));
    },
    async claimsOfMeter(meterId, query) {
      return d.queries.claimsOf(meterId, { limit: query.limit, before: query.beforeBatchId === undefined ? undefined : BigInt(query.beforeBatchId) });
    },
    async claimsOfPayee(payee, query) {
      const claims = d.queries.claimsOfPayee(payee as Hex, {
        limit: query.limit,
        before: query.beforeBatchId === undefined ? undefined : BigInt(query.beforeBatchId),
        after: query.after && { batchId: BigInt(query.after.batchId), meterId: query.after.meterId },
      });
      return claims.map((c) => ({
        ...c,
        capDetails: explainCaps({
          flags: c.flags,
          exportWh: c.exportWh,
          paidWh: c.paidWh,
          openingMs: c.opening.timestampMs,
          closingMs: c.closing.timestampMs,
          capacityW: d.directory.get(c.meterId)?.capacityW ?? 0,
          intervalMinutes: d.config.interval.minutes,
          limits: d.config.limits,
        }),
      }));
    },
    earnings: d.settlementStore ? (payee) => earningsOf(d, d.settlementStore!, payee) : undefined,
    async auditBundle(batchId, meterId) {
      return d.queries.buildAuditBundle(BigInt(batchId), meterId, d.chainInfo);
    },
    async payout(payee) {
      if (!isKnownPayee(payee)) return undefined;
      return d.queries.payoutOf(payee as Hex, d.chain);
    },
    events: d.events,
    metricsText: () => d.metrics.renderPrometheus(),
    chainRpcUrl: d.chainInfo.rpcUrl,
    async sandboxStatus() {
      const [paused, limits, totalCommitted, totalWithdrawn, escrowBalance, challengeWindowSeconds] = await Promise.all([
        d.chain.paused(),
        d.chain.limits(),
        d.chain.totalCommitted(),
        d.chain.totalWithdrawn(),
        d.chain.escrowBalance(),
        d.chain.challengeWindowSeconds(),
      ]);
      const capOrNull = (v: bigint) => (v === NO_CAP ? null : v.toString());
      const chainRecovery = d.chainRecoveryLog ? await d.chainRecoveryLog() : undefined;
      return {
        ...(chainRecovery ? { chainRecovery } : {}),
        paused,
        batchCap: capOrNull(limits.batchCap),
        budget: capOrNull(limits.budget),
        totalCommitted: totalCommitted.toString(),
        totalWithdrawn: totalWithdrawn.toString(),
        escrowBalance: escrowBalance.toString(),
        challengeWindowSeconds: Number(challengeWindowSeconds),
        caps: {
          exportCapPercentOfCapacity: d.config.limits.exportCapPercentOfCapacity ?? null,
          householdDailyCap: d.config.limits.householdDailyCap?.toString() ?? null,
        },
      };
    },
    operatorActions: d.operatorChain ? operatorActions(d.operatorChain, d.recordSuspension) : undefined,
    async withdraw(payee, shard) {
      if (!isKnownPayee(payee)) return undefined;
      // The gateway's key pays the gas; its sender orders nonces with batch submissions.
      const result = await withdrawPayout({ payee: payee as Hex, queries: d.queries, chain: d.chain, ...(shard === undefined ? {} : { shard }) });
      return result.ok ? result : { ok: false, payee: result.payee, reason: result.reason, detail: result.detail, ...(result.refusal ? { refusal: result.refusal } : {}) };
    },
    dailyReport,
    summary: dailyReport
      ? async () => {
          const nowMs = d.clock.nowMs();
          const [report, meters] = await Promise.all([dailyReport(localDayOf(nowMs, d.config.sandbox.utcOffsetMinutes)), ports.meters()]);
          return summarizeSandbox({
            report,
            meters: meters.map((m) => ({ meterId: m.meterId, householdId: m.householdId, active: m.active, connected: m.connected, lastReadingMs: m.lastReading?.timestampMs ?? null })),
            householdIds: d.config.participants.households.map((h) => h.id),
            nowMs,
            intervalMinutes: d.config.interval.minutes,
          });
        }
      : undefined,
    households: d.config.participants.households.map((h) => ({ householdId: h.id, payee: h.payee })),
    meterIdsOfHousehold(householdId) {
      const ids = new Set(d.config.meters.filter((m) => m.household === householdId).map((m) => m.id));
      for (const m of d.directory.all()) if (householdOf(m.meterId, m.payee) === householdId) ids.add(m.meterId);
      return ids;
    },
  };
  return ports;
}

/** Today's and this month's totals (sandbox-local) and the pending part with when it becomes final. */
async function earningsOf(d: DashboardPortsDeps, settlementStore: SettlementStore, payee: string): Promise<EarningsView> {
  const who = checksumAddress(payee as Hex);
  const day = localDayOf(d.clock.nowMs(), d.config.sandbox.utcOffsetMinutes);
  const month = day.slice(0, 7);
  const totals = (t: ReturnType<SettlementStore['payeeDayTotals']>) => ({ amount: t.amount.toString(), exportWh: t.exportWh.toString(), paidWh: t.paidWh.toString(), claims: t.claims });
  const [payout, challengeWindow, paused]: [PayoutView, bigint, boolean] = await Promise.all([d.queries.payoutOf(who, d.chain), d.chain.challengeWindowSeconds(), d.chain.paused()]);
  // The payee's batches that are not final yet, newest first (finality is in order, so the newest
  // decides when all of it is final).
  const open = new Map<string, string>();
  for (const c of d.queries.claimsOfPayee(who, { limit: 1000 })) {
    if (c.batchStatus === 'final') break;
    open.set(c.batchId, c.batchStatus);
  }
  const newest = open.keys().next().value;
  const onChain = newest === undefined ? undefined : await d.chain.batch(BigInt(newest)).catch(() => undefined);
  const held = paused || [...open.values()].includes('frozen') || onChain?.status === 'frozen';
  const finalInSeconds = onChain && !held ? Math.max(0, Number(onChain.challengeEndsAtSec) - Math.floor(Date.now() / 1000)) : null;
  return {
    today: { day, ...totals(settlementStore.payeeDayTotals(who, day, day)) },
    thisMonth: { month, ...totals(settlementStore.payeeDayTotals(who, `${month}-01`, `${month}-31`)) },
    pending: {
      amount: (BigInt(payout.latestCumulativeAmount) - BigInt(payout.cumulativeAmount)).toString(),
      batches: open.size,
      // The window runs on chain (wall-clock) time; the page shows sandbox time, which runs `speed` times faster.
      finalAtMs: finalInSeconds === null ? null : Math.round(d.clock.nowMs() + finalInSeconds * 1000 * d.clock.speed),
      finalInSeconds,
      held,
    },
    challengeWindowSeconds: Number(challengeWindow),
  };
}

function operatorActions(chain: ChainClient, recordSuspension?: DashboardPortsDeps['recordSuspension']): OperatorActions {
  return {
    async registerMeter({ meterId, publicKey, payee, capacityW }) {
      // The registry stores compressed secp256k1 keys (as `feedin meter register` sends them).
      const compressed = secp256k1.Point.fromHex(publicKey.replace(/^0x/, '')).toBytes(true);
      const sent = await chain.registerMeter({ meterId, publicKey: compressed, payee: payee as Hex, capacityW });
      return { txHash: sent.txHash, blockNumber: sent.blockNumber };
    },
    async suspendMeter({ meterId, fromMs, reason }) {
      const fromSec = Math.floor(fromMs / 1000);
      const sent = await chain.suspendMeter({ meterId, fromSec, reason });
      // After the chain took it: the words the household will read beside its suspended meter.
      await recordSuspension?.({ meterId, from: new Date(fromSec * 1000).toISOString(), reason, by: 'operator', recordedAt: new Date().toISOString() });
      return { txHash: sent.txHash, blockNumber: sent.blockNumber };
    },
  };
}
