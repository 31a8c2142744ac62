// A DashboardPorts for the first-render benchmark: a sandbox of `meterCount` meters with a day
// of batches (one claim per meter each), rejections and an idle event bus. Claims are made on
// demand, so only what the page asks for is built.
import { GatewayEvents } from '@feedin/gateway/events';

const T0 = Date.parse('2026-11-22T03:00:00Z');
const INTERVAL_MS = 15 * 60_000;
const hex = (n, bytes = 32) => '0x' + n.toString(16).padStart(bytes * 2, '0');

export function createFleetPorts({ meterCount = 10_000, batchCount = 96 } = {}) {
  const meterId = (i) => `HCM-${String(i + 1).padStart(5, '0')}`;
  const payee = (i) => hex(0x1000 + i, 20);
  const nowMs = T0 + batchCount * INTERVAL_MS + 5 * 60_000;
  const meters = Array.from({ length: meterCount }, (_, i) => ({
    meterId: meterId(i),
    householdId: `hh-${String(i + 1).padStart(5, '0')}`,
    payee: payee(i),
    capacityW: 3000 + (i % 8) * 1000,
    active: true,
    connected: i % 50 !== 0,
    lastReading: { pagination: 400 + i, timestampMs: nowMs - 60_000, importWh: String(1_000 + i), exportWh: String(5_000 + i * 3) },
  }));
  const batch = (n) => {
    const start = T0 + (n - 1) * INTERVAL_MS;
    return {
      batchId: String(n),
      intervalStartMs: start,
      intervalEndMs: start + INTERVAL_MS,
      claimCount: meterCount,
      totalExportWh: String(meterCount * 250),
      totalAmount: String(meterCount * 167),
      claimsRoot: hex(n),
      payoutsRoot: hex(n + 1_000),
      status: n > batchCount - 2 ? 'pending' : 'final',
      txHash: hex(n + 2_000),
      blockNumber: 10 + n,
      gasUsed: '91234',
    };
  };
  const claims = (n) =>
    meters.map((m, i) => ({
      meterId: m.meterId,
      householdId: m.householdId,
      payee: m.payee,
      exportWh: '250',
      paidWh: i % 7 === 0 ? '200' : '250',
      amount: i % 7 === 0 ? '134' : '167',
      pricePerKWh: '671',
      flags: i % 7 === 0 ? ['interval-export-cap'] : [],
      leafHash: hex(n * meterCount + i),
      opening: { pagination: 1, timestampMs: T0, exportWh: '0', payloadDigest: hex(1) },
      closing: { pagination: 16, timestampMs: T0 + INTERVAL_MS, exportWh: '250', payloadDigest: hex(2) },
    }));
  const rejections = Array.from({ length: 500 }, (_, i) => ({
    seq: 500 - i,
    meterId: meterId((i * 37) % meterCount),
    pagination: 7,
    reason: ['bad-signature', 'replay', 'clock-skew', 'implausible-export'][i % 4],
    detail: 'benchmark rejection',
    frame: 'OCMF|…',
    receivedAtMs: nowMs - i * 1000,
    source: 'mqtt',
  }));
  const ok = { status: 'ok', detail: 'fine' };
  return {
    clock: { nowMs: () => nowMs, speed: 60 },
    health: async () => ({ status: 'ok', components: { broker: ok, store: ok, chain: ok } }),
    meters: async () => meters,
    readings: async () => [],
    rejections: async (q) => rejections.filter((r) => (!q.meterId || r.meterId === q.meterId) && (!q.reason || r.reason === q.reason)).slice(0, q.limit),
    batches: async (q) => {
      const newest = q.beforeId ? Number(q.beforeId) - 1 : batchCount;
      const out = [];
      for (let n = newest; n >= 1 && out.length < q.limit; n--) out.push(batch(n));
      return out;
    },
    batch: async (id) => (Number(id) >= 1 && Number(id) <= batchCount ? { ...batch(Number(id)), claims: claims(Number(id)) } : undefined),
    auditBundle: async () => undefined,
    payout: async () => undefined,
    events: new GatewayEvents(),
    metricsText: () => '',
    sandboxStatus: async () => ({
      paused: false,
      batchCap: null,
      budget: '100000000000',
      totalCommitted: String(batchCount * meterCount * 167),
      totalWithdrawn: '0',
      escrowBalance: '100000000000',
      challengeWindowSeconds: 20,
      caps: { exportCapPercentOfCapacity: 20, householdDailyCap: '20000' },
    }),
  };
}
