// An in-memory DashboardPorts for the dashboard's own tests: fixed meters, readings, batches
// and payouts of two households, a settable clock and the real GatewayEvents bus. It records
// the queries it was asked, so tests can check what reached the port.
import { ChainError } from '@feedin/contracts/chain-error';
import { GatewayEvents } from '@feedin/gateway/events';
import type { Hex } from '@feedin/protocol/hex';
import { explainCaps } from '@feedin/gateway/settlement/cap-explanation';
import type { DashboardTokens } from '../src/auth/role-tokens.js';
import type {
  BatchDetailView,
  BatchesQuery,
  ClaimView,
  ClaimsQuery,
  DashboardPorts,
  EarningsView,
  HealthView,
  MeterView,
  PayoutView,
  ReadingView,
  ReadingsQuery,
  RejectionView,
  RegisterMeterRequest,
  RejectionsQuery,
  SandboxStatusView,
  SummaryView,
} from '../src/ports.js';

export const PAYEE_A: Hex = '0x1111111111111111111111111111111111111111';
export const PAYEE_B: Hex = '0x2222222222222222222222222222222222222222';

export const TOKENS: DashboardTokens = {
  regulator: 'regulator-token-0123456789',
  operator: 'operator-token-0123456789',
  households: [
    { householdId: 'hh-a', token: 'household-a-token-0123456789', payee: PAYEE_A, meterIds: ['m-a1', 'm-a2'] },
    { householdId: 'hh-b', token: 'household-b-token-0123456789', payee: PAYEE_B, meterIds: ['m-b1'] },
  ],
};

export const T0 = Date.parse('2026-11-22T03:00:00Z'); // 10:00 in Ho Chi Minh City

const meter = (meterId: string, householdId: string, payee: string, exportWh: string): MeterView => ({
  meterId,
  householdId,
  payee,
  capacityW: 5000,
  active: true,
  connected: true,
  lastReading: { pagination: 16, timestampMs: T0 + 15 * 60_000, importWh: '1200', exportWh },
  suspension: null,
});

const reading = (meterId: string, pagination: number, minutes: number, exportWh: number): ReadingView => ({
  seq: pagination * 10 + (meterId === 'm-a1' ? 1 : 2),
  meterId,
  pagination,
  timestampMs: T0 + minutes * 60_000,
  importWh: '1200',
  exportWh: String(exportWh),
  payloadDigest: '0x' + String(pagination).padStart(2, '0').repeat(32),
  ocmf: `OCMF|{"PG":"F${pagination}","MS":"${meterId}"}|{"SA":"ECDSA-secp256k1-SHA256","SD":"3006"}`,
});

const rejection = (seq: number, meterId: string | null, reason: string): RejectionView => ({
  seq,
  meterId,
  pagination: meterId ? 7 : null,
  reason,
  detail: `${reason} detail`,
  frame: 'OCMF|…',
  receivedAtMs: T0 + seq * 1000,
  source: 'mqtt',
});

const hex = (byte: string): Hex => `0x${byte.repeat(32)}`;

/** A claim; batchOf() fills in its batch and interval. */
export function claimOf(meterId: string, householdId: string, payee: Hex, exportWh: string, amount: string): ClaimView {
  return {
    batchId: '0',
    meterId,
    householdId,
    payee,
    intervalStartMs: T0,
    intervalEndMs: T0 + 15 * 60_000,
    batchStatus: 'final',
    exportWh,
    paidWh: exportWh,
    amount,
    pricePerKWh: '2000',
    carryIn: '0',
    carryOut: '0',
    flags: [],
    leafHash: hex('ab'),
    opening: { pagination: 1, timestampMs: T0, exportWh: '0', payloadDigest: hex('01') },
    closing: { pagination: 16, timestampMs: T0 + 15 * 60_000, exportWh, payloadDigest: hex('16') },
  };
}

export function batchOf(batchId: number, claims: BatchDetailView['claims'], status: BatchDetailView['status'] = 'final'): BatchDetailView {
  const start = T0 + (batchId - 1) * 15 * 60_000;
  return {
    batchId: String(batchId),
    intervalStartMs: start,
    intervalEndMs: start + 15 * 60_000,
    claimCount: claims.length,
    totalExportWh: String(claims.reduce((s, c) => s + BigInt(c.exportWh), 0n)),
    totalAmount: String(claims.reduce((s, c) => s + BigInt(c.amount), 0n)),
    watermark: batchId * 10,
    claimsRoot: hex('c1'),
    payoutsRoot: hex('d1'),
    status,
    builtAtMs: start + 16 * 60_000,
    txHash: status === 'built' ? null : hex(String(batchId).padStart(2, '0')),
    blockNumber: status === 'built' ? null : 100 + batchId,
    gasUsed: status === 'built' ? null : '91234',
    claims: claims.map((c) => ({ ...c, batchId: String(batchId), batchStatus: status, intervalStartMs: start, intervalEndMs: start + 15 * 60_000 })),
  };
}

export interface FakePorts extends DashboardPorts {
  gatewayEvents: GatewayEvents;
  calls: {
    readings: { meterId: string; query: ReadingsQuery }[];
    rejections: RejectionsQuery[];
    batches: BatchesQuery[];
    claims: { of: string; query: ClaimsQuery }[];
    registered: RegisterMeterRequest[];
    suspended: { meterId: string; fromMs: number; reason: string }[];
  };
  state: {
    nowMs: number;
    health: HealthView | Error;
    meters: MeterView[];
    readings: ReadingView[];
    rejections: RejectionView[];
    batches: BatchDetailView[];
    payouts: PayoutView[];
    status: SandboxStatusView;
    /** GET /api/payouts/:payee `earnings` per payee; none = the field is left out */
    earnings: Map<string, EarningsView>;
    /** the caps the fake sandbox priced with (explainCaps) */
    limits: { exportCapPercentOfCapacity?: number; householdDailyCap?: bigint };
    summary: SummaryView;
  };
}

export function createFakePorts(): FakePorts {
  const gatewayEvents = new GatewayEvents();
  const calls: FakePorts['calls'] = { readings: [], rejections: [], batches: [], claims: [], registered: [], suspended: [] };
  const ok = { status: 'ok' as const, detail: 'fine' };
  const state: FakePorts['state'] = {
    nowMs: T0 + 20 * 60_000,
    health: { status: 'ok', components: { broker: ok, store: ok, chain: ok } },
    meters: [meter('m-a1', 'hh-a', PAYEE_A, '4321'), meter('m-a2', 'hh-a', PAYEE_A, '10'), meter('m-b1', 'hh-b', PAYEE_B, '987654')],
    readings: [reading('m-a1', 1, 0, 0), reading('m-a1', 2, 1, 50), reading('m-a1', 3, 2, 120), reading('m-b1', 1, 0, 7)],
    rejections: [rejection(5, 'm-a1', 'bad-signature'), rejection(4, 'm-b1', 'replay'), rejection(3, null, 'malformed'), rejection(2, 'm-a2', 'bad-signature')],
    batches: [
      batchOf(1, [claimOf('m-a1', 'hh-a', PAYEE_A, '1500', '3000'), claimOf('m-b1', 'hh-b', PAYEE_B, '250', '500')]),
      batchOf(2, [claimOf('m-a1', 'hh-a', PAYEE_A, '1234', '2468')], 'pending'),
    ],
    payouts: [
      { payee: PAYEE_A, shard: 0, cumulativeAmount: '5468', withdrawn: '3000', withdrawable: '2468', batchId: '2', payoutsRoot: hex('d1'), proof: [hex('ee')], latestCumulativeAmount: '5468' },
      { payee: PAYEE_B, shard: 0, cumulativeAmount: '500', withdrawn: '0', withdrawable: '500', batchId: '2', payoutsRoot: hex('d1'), proof: [], latestCumulativeAmount: '500' },
    ],
    status: {
      paused: false,
      batchCap: '50000',
      budget: '100000000',
      totalCommitted: '3500',
      totalWithdrawn: '3000',
      escrowBalance: '99997000',
      challengeWindowSeconds: 20,
      caps: { exportCapPercentOfCapacity: 20, householdDailyCap: '20000' },
    },
    earnings: new Map(),
    limits: { exportCapPercentOfCapacity: 20, householdDailyCap: 20000n },
    summary: {
      date: '2026-11-22',
      nowMs: T0 + 20 * 60_000,
      money: {
        ok: true,
        throughBatchId: '2',
        sumOfClaims: '5968',
        committedOnChain: '5968',
        withdrawn: '3000',
        outstanding: '2968',
        checks: [{ name: 'claims-equal-committed', ok: true, detail: 'Σ claims of batches 1..2 5968; committed on chain 5968' }],
      },
      today: { exportWh: '2984', paidWh: '2734', cappedWh: '250', amount: '5968', claims: 3, cappedClaims: 1 },
      households: { total: 2, active: 2, paidToday: 2 },
      meters: { total: 3, active: 3, connected: 3, suspended: 0 },
      anomalies: {
        gaps: 1,
        missingReadings: 2,
        rejections: 4,
        rejectionsByReason: [
          { reason: 'bad-signature', count: 2 },
          { reason: 'malformed', count: 1 },
          { reason: 'replay', count: 1 },
        ],
        plausibility: 0,
        silentMeters: 0,
        silentAfterIntervals: 2,
        gapsByMeter: [{ meterId: 'm-a2', gaps: 1, missingReadings: 2 }],
        silent: [],
      },
    },
  };
  const summary = ({ claims: _claims, ...batch }: BatchDetailView) => batch;
  const claimsNewestFirst = (query: ClaimsQuery) =>
    [...state.batches]
      .reverse()
      .sort((a, b) => Number(BigInt(b.batchId) - BigInt(a.batchId)))
      .filter((b) => b.status !== 'rejected' && (query.beforeBatchId === undefined || BigInt(b.batchId) < BigInt(query.beforeBatchId)))
      .flatMap((b) => [...b.claims].sort((x, y) => x.meterId.localeCompare(y.meterId)))
      .filter((c) => !query.after || BigInt(c.batchId) < BigInt(query.after.batchId) || (c.batchId === query.after.batchId && c.meterId > query.after.meterId));
  return {
    gatewayEvents,
    calls,
    state,
    clock: {
      nowMs: () => state.nowMs,
      speed: 60,
    },
    async health() {
      if (state.health instanceof Error) throw state.health;
      return state.health;
    },
    async meters() {
      return state.meters;
    },
    async readings(meterId, query) {
      calls.readings.push({ meterId, query });
      return state.readings
        .filter((r) => r.meterId === meterId && (query.fromMs === undefined || r.timestampMs >= query.fromMs) && (query.toMs === undefined || r.timestampMs <= query.toMs))
        .slice(0, query.limit);
    },
    async rejections(query) {
      calls.rejections.push(query);
      return state.rejections
        .filter((r) => (query.meterId === undefined || r.meterId === query.meterId) && (query.reason === undefined || r.reason === query.reason))
        .slice(0, query.limit);
    },
    async batches(query) {
      calls.batches.push(query);
      return [...state.batches]
        .reverse()
        .filter((b) => query.beforeId === undefined || BigInt(b.batchId) < BigInt(query.beforeId))
        .slice(0, query.limit)
        .map(summary);
    },
    async batch(batchId) {
      return state.batches.find((b) => b.batchId === batchId);
    },
    async claimsOfMeter(meterId, query) {
      calls.claims.push({ of: meterId, query });
      return claimsNewestFirst(query).filter((c) => c.meterId === meterId).slice(0, query.limit);
    },
    async claimsOfPayee(payee, query) {
      calls.claims.push({ of: payee, query });
      return claimsNewestFirst(query)
        .filter((c) => c.payee.toLowerCase() === payee.toLowerCase())
        .slice(0, query.limit)
        .map((c) => ({
          ...c,
          capDetails: explainCaps({
            flags: c.flags,
            exportWh: c.exportWh,
            paidWh: c.paidWh,
            openingMs: c.opening.timestampMs,
            closingMs: c.closing.timestampMs,
            capacityW: state.meters.find((m) => m.meterId === c.meterId)?.capacityW ?? 0,
            intervalMinutes: 15,
            limits: state.limits,
          }),
        }));
    },
    async earnings(payee) {
      return state.earnings.get(payee.toLowerCase());
    },
    async auditBundle(batchId, meterId) {
      const batch = state.batches.find((b) => b.batchId === batchId);
      const claim = batch?.claims.find((c) => c.meterId === meterId);
      return claim ? { version: 1, batch: { batchId }, claim: { meterId, amount: claim.amount } } : undefined;
    },
    async payout(payee) {
      return state.payouts.find((p) => p.payee.toLowerCase() === payee.toLowerCase());
    },
    events: gatewayEvents,
    async sandboxStatus() {
      return state.status;
    },
    async summary() {
      return state.summary;
    },
    households: [
      { householdId: 'hh-a', payee: PAYEE_A },
      { householdId: 'hh-b', payee: PAYEE_B },
    ],
    operatorActions: {
      async registerMeter(request) {
        // What the chain client throws when the registry refuses (contracts/src/chain-error.ts).
        if (state.meters.some((m) => m.meterId === request.meterId))
          throw new ChainError('reverted', 'registerMeter: refused', { revert: { name: 'MeterRegistryAlreadyRegistered', args: [request.meterId] } });
        calls.registered.push(request);
        return { txHash: '0x' + 'a1'.repeat(32), blockNumber: 200 };
      },
      async suspendMeter(request) {
        calls.suspended.push(request);
        return { txHash: '0x' + 'a2'.repeat(32), blockNumber: 201 };
      },
    },
    metricsText: () => '# HELP feedin_readings_accepted_total Readings accepted.\n# TYPE feedin_readings_accepted_total counter\nfeedin_readings_accepted_total 42\n',
  };
}
