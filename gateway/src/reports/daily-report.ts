// The regulator's daily report: energy, amounts, households, rejections by reason, gaps, caps hit
// and batches with their status for one sandbox-local day, plus the ledger that must add up:
// Σ claims of the day = Σ batch totals on chain, and Σ claims through the newest batch on chain =
// the chain's committed total = Σ withdrawn + Σ outstanding over all payees. Totals on chain are
// read from the chain, never copied from the gateway's records, so a disagreement shows.
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { outagesBetween, type SandboxOutage } from '../settlement/outages.js';
import type { SettlementStore, StoredClaim } from '../settlement/settlement-store.js';
import type { ReadingStore } from '../store/reading-store.js';

/** The chain reads the report needs; the contracts package's ChainClient satisfies it. */
export interface ReportChain {
  nextBatchId(): Promise<bigint>;
  batch(batchId: bigint): Promise<{ status: string; final: boolean; totalAmount: bigint; totalExportWh: bigint; committedThrough: bigint } | undefined>;
  /** the chain client's: without a shard, withdrawn from every shard together */
  withdrawn(payee: Hex, shard?: number): Promise<bigint>;
}

export interface ReportCheck {
  name: 'day-claims-equal-chain' | 'claims-equal-committed' | 'committed-equals-withdrawn-plus-outstanding';
  ok: boolean;
  detail: string;
}

export interface DailyReport {
  date: string;
  utcOffsetMinutes: number;
  /** sandbox time range of the local day, [fromMs, toMs) */
  fromMs: number;
  toMs: number;
  totals: { exportWh: string; paidWh: string; amount: string; claims: number; households: number; meters: number };
  batches: Array<{
    batchId: string;
    intervalStartMs: number;
    intervalEndMs: number;
    status: string;
    chainStatus: string;
    claimCount: number;
    totalExportWh: string;
    totalAmount: string;
    chainTotalAmount: string | null;
    txHash: string | null;
  }>;
  households: Array<{ householdId: string; payee: string; meters: number; claims: number; exportWh: string; paidWh: string; amount: string; cappedClaims: number }>;
  rejectionsByReason: Array<{ reason: string; count: number }>;
  gaps: { count: number; missingReadings: number; byMeter: Array<{ meterId: string; gaps: number; missingReadings: number }> };
  /** times the sandbox itself was down during the day (a wall-clock sandbox cannot pause) */
  outages: SandboxOutage[];
  capsHit: Array<{ flag: string; claims: number; energyCutWh: string }>;
  ledger: {
    /** newest batch on chain when the report was made; the ledger covers batches 1..this */
    throughBatchId: string;
    sumOfClaims: string;
    committedOnChain: string;
    withdrawn: string;
    outstanding: string;
    payees: Array<{ payee: string; cumulativeAmount: string; withdrawn: string; outstanding: string }>;
  };
  checks: ReportCheck[];
  ok: boolean;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** [fromMs, toMs) of a sandbox-local calendar day; throws RangeError for a malformed date. */
export function localDayRange(date: string, utcOffsetMinutes: number): { fromMs: number; toMs: number } {
  const m = DAY.exec(date);
  const startUtc = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(startUtc) || new Date(startUtc).toISOString().slice(0, 10) !== date) throw new RangeError(`date must be a calendar day YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const fromMs = startUtc - utcOffsetMinutes * 60_000;
  return { fromMs, toMs: fromMs + 86_400_000 };
}

export async function buildDailyReport(p: {
  date: string;
  utcOffsetMinutes: number;
  households: ReadonlyArray<{ id: string; payee: string }>;
  settlementStore: SettlementStore;
  store: ReadingStore;
  chain: ReportChain;
}): Promise<DailyReport> {
  const { fromMs, toMs } = localDayRange(p.date, p.utcOffsetMinutes);
  const local = p.settlementStore;
  // Read the chain's newest batch first: the ledger then covers exactly batches 1..throughId,
  // whatever the gateway submits while the report is being made.
  const throughId = (await p.chain.nextBatchId()) - 1n;

  const allBatches = local.listBatches({ includeRejected: true, limit: Number.MAX_SAFE_INTEGER });
  const dayBatches = allBatches.filter((b) => b.localDay === p.date).sort((a, b) => (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : a.rowId - b.rowId));
  const batches: DailyReport['batches'] = [];
  const dayClaims: StoredClaim[] = [];
  let dayChainAmount = 0n;
  let dayRecordedAmount = 0n;
  let unsubmitted = 0;
  for (const b of dayBatches) {
    const live = b.status !== 'rejected';
    const onChain = live && b.batchId <= throughId ? await p.chain.batch(b.batchId) : undefined;
    if (live) {
      dayClaims.push(...local.claims(b.rowId));
      dayRecordedAmount += b.totalAmount;
      if (onChain) dayChainAmount += onChain.totalAmount;
      else unsubmitted++;
    }
    batches.push({
      batchId: b.batchId.toString(),
      intervalStartMs: b.intervalStartMs,
      intervalEndMs: b.intervalEndMs,
      status: b.status,
      chainStatus: !live ? 'rejected' : onChain ? (onChain.final ? 'final' : onChain.status) : 'not on chain',
      claimCount: b.claimCount,
      totalExportWh: b.totalExportWh.toString(),
      totalAmount: b.totalAmount.toString(),
      chainTotalAmount: onChain ? onChain.totalAmount.toString() : null,
      txHash: b.txHash,
    });
  }

  const payeeOfHousehold = new Map(p.households.map((h) => [h.id, h.payee]));
  const perHousehold = new Map<string, { meters: Set<string>; claims: number; exportWh: bigint; paidWh: bigint; amount: bigint; capped: number; payee: string }>();
  const caps = new Map<string, { claims: number; cutWh: bigint }>();
  let exportWh = 0n;
  let paidWh = 0n;
  let amount = 0n;
  for (const c of dayClaims) {
    exportWh += c.exportWh;
    paidWh += c.pricing.paidWh;
    amount += c.amount;
    const h = perHousehold.get(c.householdId) ?? { meters: new Set(), claims: 0, exportWh: 0n, paidWh: 0n, amount: 0n, capped: 0, payee: payeeOfHousehold.get(c.householdId) ?? c.payee };
    h.meters.add(c.meterId);
    h.claims++;
    h.exportWh += c.exportWh;
    h.paidWh += c.pricing.paidWh;
    h.amount += c.amount;
    if (c.pricing.flags.length > 0) h.capped++;
    perHousehold.set(c.householdId, h);
    for (const flag of c.pricing.flags) {
      const cap = caps.get(flag) ?? { claims: 0, cutWh: 0n };
      cap.claims++;
      // only the interval export cap cuts energy; the other caps cut money (amount) only
      if (flag === 'interval-export-cap') cap.cutWh += c.exportWh - c.pricing.paidWh;
      caps.set(flag, cap);
    }
  }

  const inDay = (ms: number) => ms >= fromMs && ms < toMs;
  const reasons = new Map<string, number>();
  for (const r of await p.store.rejections()) if (inDay(r.receivedAtMs)) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  const gapsByMeter = new Map<string, { gaps: number; missing: number }>();
  for (const g of await p.store.gaps()) {
    if (!inDay(g.receivedAtMs)) continue;
    const m = gapsByMeter.get(g.meterId) ?? { gaps: 0, missing: 0 };
    m.gaps++;
    m.missing += g.receivedPagination - g.expectedPagination;
    gapsByMeter.set(g.meterId, m);
  }

  // Ledger through the newest batch on chain.
  const throughBatch = throughId > 0n ? await p.chain.batch(throughId) : undefined;
  const committedOnChain = throughBatch?.committedThrough ?? 0n;
  const sumOfClaims = allBatches.filter((b) => b.status !== 'rejected' && b.batchId <= throughId).reduce((s, b) => s + b.totalAmount, 0n);
  const cumulative = throughId > 0n ? local.payeeCumulative(throughId) : new Map<Hex, bigint>();
  const payeeSet = new Map<string, Hex>();
  for (const payee of [...cumulative.keys(), ...p.households.map((h) => h.payee as Hex)]) payeeSet.set(payee.toLowerCase(), checksumAddress(payee));
  const cumulativeOf = new Map([...cumulative].map(([k, v]) => [k.toLowerCase(), v]));
  const payees = await Promise.all(
    [...payeeSet.values()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)).map(async (payee) => {
      const c = cumulativeOf.get(payee.toLowerCase()) ?? 0n;
      const w = await p.chain.withdrawn(payee);
      return { payee, cumulative: c, withdrawn: w };
    }),
  );
  const withdrawn = payees.reduce((s, x) => s + x.withdrawn, 0n);
  const outstanding = payees.reduce((s, x) => s + (x.cumulative - x.withdrawn), 0n);

  const checks: ReportCheck[] = [
    {
      name: 'day-claims-equal-chain',
      ok: amount === dayRecordedAmount && (unsubmitted > 0 || amount === dayChainAmount),
      detail:
        `Σ claims ${amount} = Σ batch totals recorded ${dayRecordedAmount}` +
        (unsubmitted > 0 ? `; ${unsubmitted} batch(es) of the day not on chain yet, chain total so far ${dayChainAmount}` : ` = Σ batch totals on chain ${dayChainAmount}`),
    },
    { name: 'claims-equal-committed', ok: sumOfClaims === committedOnChain, detail: `Σ claims of batches 1..${throughId} ${sumOfClaims}; committed on chain ${committedOnChain}` },
    {
      name: 'committed-equals-withdrawn-plus-outstanding',
      ok: committedOnChain === withdrawn + outstanding && payees.every((x) => x.withdrawn <= x.cumulative),
      detail: `committed ${committedOnChain} = withdrawn ${withdrawn} + outstanding ${outstanding}`,
    },
  ];

  return {
    date: p.date,
    utcOffsetMinutes: p.utcOffsetMinutes,
    fromMs,
    toMs,
    totals: {
      exportWh: exportWh.toString(),
      paidWh: paidWh.toString(),
      amount: amount.toString(),
      claims: dayClaims.length,
      households: perHousehold.size,
      meters: new Set(dayClaims.map((c) => c.meterId)).size,
    },
    batches,
    households: [...perHousehold]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([householdId, h]) => ({ householdId, payee: h.payee, meters: h.meters.size, claims: h.claims, exportWh: h.exportWh.toString(), paidWh: h.paidWh.toString(), amount: h.amount.toString(), cappedClaims: h.capped })),
    rejectionsByReason: [...reasons].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, count]) => ({ reason, count })),
    gaps: {
      count: [...gapsByMeter.values()].reduce((s, g) => s + g.gaps, 0),
      missingReadings: [...gapsByMeter.values()].reduce((s, g) => s + g.missing, 0),
      byMeter: [...gapsByMeter].sort(([a], [b]) => (a < b ? -1 : 1)).map(([meterId, g]) => ({ meterId, gaps: g.gaps, missingReadings: g.missing })),
    },
    outages: outagesBetween(local, fromMs, toMs),
    capsHit: [...caps].sort(([a], [b]) => (a < b ? -1 : 1)).map(([flag, c]) => ({ flag, claims: c.claims, energyCutWh: c.cutWh.toString() })),
    ledger: {
      throughBatchId: throughId.toString(),
      sumOfClaims: sumOfClaims.toString(),
      committedOnChain: committedOnChain.toString(),
      withdrawn: withdrawn.toString(),
      outstanding: outstanding.toString(),
      payees: payees.map((x) => ({ payee: x.payee, cumulativeAmount: x.cumulative.toString(), withdrawn: x.withdrawn.toString(), outstanding: (x.cumulative - x.withdrawn).toString() })),
    },
    checks,
    ok: checks.every((c) => c.ok),
  };
}
