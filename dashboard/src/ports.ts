// What the dashboard needs from the rest of the sandbox (ports & adapters): the composition root
// adapts the gateway, its stores and the chain client to this interface; the tests pass an
// in-memory fake. Every view is plain JSON (energy, money and registers as decimal strings of
// integers, times as epoch milliseconds), so handlers forward views to the client unchanged.
import type { GatewayEvents } from '@feedin/gateway/events';
import type { DailyReport } from '@feedin/gateway/reports/daily-report';
import type { BatchDetailView, BatchView, ClaimReadingView, ClaimView, PayoutView } from '@feedin/gateway/settlement/queries';
import type { LocalBatchStatus } from '@feedin/gateway/settlement/settlement-store';
import type { StoredRejection } from '@feedin/gateway/store/reading-store';
import type { ChainRefusal } from '@feedin/gateway/settlement/chain-errors';
import type { CapExplanation } from '@feedin/gateway/settlement/cap-explanation';
import type { SandboxSummary } from '@feedin/gateway/reports/sandbox-summary';

export interface ComponentHealth {
  status: 'ok' | 'degraded' | 'down';
  /** one human-readable line: why it is degraded, or what it is (e.g. "anvil chain 31337, block 812") */
  detail: string;
}

export interface HealthView {
  status: 'ok' | 'degraded';
  components: { broker: ComponentHealth; store: ComponentHealth; chain: ComponentHealth };
  /** durability jetstream only (docs/durability.md): the shard's log and this gateway's role */
  log?: LogHealthView;
}

export interface LogHealthView {
  /** active: holds the shard lease and acknowledges; fenced: lost it and no longer acknowledges */
  role: 'active' | 'fenced';
  fencedReason: string | null;
  stream: string | null;
  replicas: number | null;
  /** replicas of the stream that are current, leader included */
  replicasCurrent: number | null;
  leader: string | null;
  /** the largest lag of a replica behind the leader, in operations */
  maxReplicaLag: number | null;
  lastSeq: number | null;
  /** the stream sequence the local view has applied */
  viewAppliedSeq: number;
  lastAppendError: string | null;
}

export interface LastReadingView {
  pagination: number;
  timestampMs: number;
  importWh: string;
  exportWh: string;
}

export interface MeterView {
  meterId: string;
  householdId: string;
  payee: string;
  capacityW: number;
  /** registered and not suspended */
  active: boolean;
  /** currently connected to the broker */
  connected: boolean;
  lastReading: LastReadingView | null;
  /** set while a suspension is recorded on chain (from `fromMs`, sandbox time); null otherwise */
  suspension: SuspensionView | null;
}

export interface SuspensionView {
  fromMs: number;
  /** the words given when it was suspended (the chain holds only their hash); null if none were recorded here */
  reason: string | null;
  by: 'operator' | 'regulator' | null;
}

export interface ReadingView {
  seq: number;
  meterId: string;
  pagination: number;
  timestampMs: number;
  importWh: string;
  exportWh: string;
  /** SHA-256 of the signed payload bytes, 0x-hex */
  payloadDigest: string;
  /** the OCMF string exactly as the meter signed and sent it */
  ocmf: string;
}

/** A durably refused frame, as the reading store keeps it (one shape, gateway/src/store). */
export type RejectionView = StoredRejection;

/** The gateway's local view of a batch's life: built → submitted → pending → final (or frozen →
 * approved/rejected). */
export type BatchStatusView = LocalBatchStatus;

// The read model is the gateway's (gateway/src/settlement/queries.ts): the API serves its batch,
// claim and payout views unchanged.
export type { BatchDetailView, BatchView, ClaimReadingView, ClaimView, PayoutView };

export interface ReadingsQuery {
  fromMs?: number;
  toMs?: number;
  limit: number;
}

export interface RejectionsQuery {
  limit: number;
  meterId?: string;
  reason?: string;
}

export interface ClaimsQuery {
  limit: number;
  /** newest first, only claims of batches older than this batch id */
  beforeBatchId?: string;
  /** (payee claims) the page after this claim: older batches, or later meters of its batch */
  after?: { batchId: string; meterId: string };
}

/** A claim paid to a payee, with why caps cut it in the rule's own numbers. */
export type PayeeClaimView = ClaimView & { capDetails: CapExplanation[] };

/** What a household earned and what is not final yet (GET /api/payouts/:payee `earnings`). */
export interface EarningsView {
  /** the sandbox-local day and month of the sandbox clock's now */
  today: PeriodEarnings & { day: string };
  thisMonth: PeriodEarnings & { month: string };
  /** built but not final: latest cumulative − cumulative through the newest final batch */
  pending: {
    amount: string;
    /** live batches not final yet that pay this payee */
    batches: number;
    /** when the newest of them becomes final if nobody freezes it (sandbox time, estimated from the chain's challenge end); null when none or not yet on chain */
    finalAtMs: number | null;
    /** wall-clock seconds until then (the challenge window runs on chain time) */
    finalInSeconds: number | null;
    /** the regulator froze one of them, or paused the sandbox: final only after the regulator acts */
    held: boolean;
  };
  /** chain (wall-clock) seconds a batch waits before it is final */
  challengeWindowSeconds: number;
}

export interface PeriodEarnings {
  amount: string;
  exportWh: string;
  paidWh: string;
  claims: number;
}

export interface BatchesQuery {
  limit: number;
  /** newest first, strictly older than this batch id */
  beforeId?: string;
}

/** What the regulator and operator see of the sandbox as a whole (chain figures read live). */
/** One transaction a crash took from the embedded chain, found when the sandbox started again
 * (cli/src/sandbox/chain-recovery.ts), with what was done about it (#17). */
export interface ChainRecoveryView {
  recoveredAt: string;
  txHash: string;
  label: string;
  signedAt: string;
  outcome: 're-applied' | 'refused-on-re-apply' | 'not-re-applied';
  lostBlockNumber: number | null;
  blockNumber: number | null;
  detail: string;
}

export interface SandboxStatusView {
  paused: boolean;
  /** per-batch cap and total budget on chain, base units; null = no cap */
  batchCap: string | null;
  budget: string | null;
  /** committed to payouts so far (budget used), base units */
  totalCommitted: string;
  /** withdrawn by all payees; committed − withdrawn is what the escrow still owes */
  totalWithdrawn: string;
  escrowBalance: string;
  challengeWindowSeconds: number;
  /** the config's caps (docs/design.md §Sandbox caps) */
  caps: { exportCapPercentOfCapacity: number | null; householdDailyCap: string | null };
  /** every transaction the embedded chain lost in a crash, oldest first; absent for an RPC chain */
  chainRecovery?: ChainRecoveryView[];
}

/** GET /api/summary: the regulator's "at a glance" (gateway/src/reports/sandbox-summary.ts). */
export type SummaryView = SandboxSummary;

export interface RegisterMeterRequest {
  meterId: string;
  /** hex (0x optional) compressed or uncompressed secp256k1 public key */
  publicKey: string;
  payee: string;
  capacityW: number;
}

/** Meter registration and suspension by the operator, through the chain client's operator key. */
export interface OperatorActions {
  registerMeter(request: RegisterMeterRequest): Promise<{ txHash: string; blockNumber: number }>;
  suspendMeter(request: { meterId: string; fromMs: number; reason: string }): Promise<{ txHash: string; blockNumber: number }>;
}

export interface DashboardPorts {
  /** the sandbox clock (docs/design.md §Clocks: `now` in /api/health is sandbox time) */
  clock: { nowMs(): number; readonly speed: number };
  health(): Promise<HealthView>;
  /** every registered meter */
  meters(): Promise<MeterView[]>;
  /** accepted readings of one meter, oldest first */
  readings(meterId: string, query: ReadingsQuery): Promise<ReadingView[]>;
  /** rejections, newest first */
  rejections(query: RejectionsQuery): Promise<RejectionView[]>;
  /** batches, newest first (rejected ones included, with status "rejected") */
  batches(query: BatchesQuery): Promise<BatchView[]>;
  /** the live (not rejected) batch with this id and all its claims */
  batch(batchId: string): Promise<BatchDetailView | undefined>;
  /** claims of one meter, newest batch first (rejected batches left out) */
  claimsOfMeter(meterId: string, query: ClaimsQuery): Promise<ClaimView[]>;
  /** claims paid to one payee, newest batch first then by meter (rejected batches left out) */
  claimsOfPayee(payee: string, query: ClaimsQuery): Promise<PayeeClaimView[]>;
  /** today's and this month's earnings and what is pending; absent = not wired (the field is left out) */
  earnings?(payee: string): Promise<EarningsView | undefined>;
  /** an AuditBundle (@feedin/protocol/audit-bundle) for one claim, or undefined if no such claim */
  auditBundle(batchId: string, meterId: string): Promise<unknown | undefined>;
  /** undefined when the payee is unknown to the sandbox */
  payout(payee: string): Promise<PayoutView | undefined>;
  events: Pick<GatewayEvents, 'onAny'>;
  /** Prometheus text exposition of the gateway's metrics */
  metricsText(): string;
  /** the chain RPC the audit bundles name; the pages may call it (CSP connect-src) for the in-browser audit */
  chainRpcUrl?: string;
  /** paused, limits, budget used, escrow; undefined where no chain is wired */
  sandboxStatus?(): Promise<SandboxStatusView>;
  /** undefined where the operator's chain key is not wired: the routes answer 503 */
  operatorActions?: OperatorActions;
  /** withdraws what `payee` is due (the sandbox's key pays the gas, the payee gets the tokens);
   * undefined when the payee is unknown; absent where no signing key is wired (503) */
  /** `shard`: only that shard; else every shard with a balance (issue #13) */
  withdraw?(payee: string, shard?: number): Promise<WithdrawView | undefined>;
  /** the regulator's daily report for a sandbox-local day YYYY-MM-DD; absent = not wired (503) */
  dailyReport?(date: string): Promise<DailyReport>;
  /** today's money verdict, energy, activity and anomalies (GET /api/summary); absent = not wired (503) */
  summary?(): Promise<SummaryView>;
  /** the sandbox file's households; registration by household id resolves its payee here */
  households?: ReadonlyArray<{ householdId: string; payee: string }>;
  /** a household's meters now: the sandbox file's and every registered meter paid to its payee
   * (one registered from the operator page included); absent = the sandbox file's only */
  meterIdsOfHousehold?(householdId: string): ReadonlySet<string>;
}

/** The outcome of POST /api/payouts/:payee/withdraw (gateway/src/audit/withdraw-payout.ts). */
export type WithdrawView =
  | {
      ok: true;
      payee: string;
      shard: number;
      batchId: string;
      cumulativeAmount: string;
      withdrawnBefore: string;
      paid: string;
      txHash: string;
      blockNumber: number;
      gasUsed: string;
      /** each shard paid, when one transaction paid several */
      shards?: { shard: number; batchId: string; cumulativeAmount: string; withdrawnBefore: string; paid: string }[];
    }
  | { ok: false; payee: string; reason: string; detail: string; /** the contract's refusal, when it refused */ refusal?: ChainRefusal };
