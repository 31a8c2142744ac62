import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { CLAIM_LEAF_TYPES, PAYOUT_LEAF_TYPES, ZERO_ROOT, buildMerkleTree, claimLeafValues, payoutLeafHash } from '@feedin/protocol/merkle';
import { describe, expect, it } from 'vitest';
import { buildBatch, type BatchMeterInput, type BuildBatchInput, type BuiltBatch, type FrozenReading } from './build-batch.js';

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0); // 10:00 in Ho Chi Minh City
const MIN = 60_000;
const payee = (n: number): Hex => checksumAddress('0x' + n.toString(16).padStart(40, '0'));
const digest = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;

let nextSeq = 1;
function reading(exportWh: number | bigint, timestampMs: number): FrozenReading {
  const seq = nextSeq++;
  return { seq, pagination: seq, exportWh: BigInt(exportWh), timestampMs, payloadDigest: digest(seq) };
}

function meter(meterId: string, over: Partial<BatchMeterInput> = {}): BatchMeterInput {
  return { meterId, payee: payee(1), householdId: `h-${meterId}`, capacityW: 5_000, pricePerKWh: 2_000n, opening: undefined, carryIn: 0n, closing: undefined, ...over };
}

function input(meters: BatchMeterInput[], over: Partial<BuildBatchInput> = {}): BuildBatchInput {
  return {
    batchId: 1n,
    intervalStartMs: T0,
    intervalMinutes: 15,
    watermark: 1_000,
    meters,
    limits: {},
    localDay: '2026-11-22',
    householdDayTotals: new Map(),
    payeeCumulative: new Map(),
    paidBefore: 0n,
    ...over,
  };
}

/** The input of the next batch: openings, carries and totals as the previous batch left them. */
function following(prev: BuildBatchInput, built: BuiltBatch, closings: Record<string, FrozenReading | undefined>, over: Partial<BuildBatchInput> = {}): BuildBatchInput {
  const states = new Map(built.meterStates.map((s) => [s.meterId, s]));
  return {
    ...prev,
    batchId: prev.batchId + 1n,
    intervalStartMs: built.intervalEndMs,
    meters: prev.meters.map((m) => ({
      ...m,
      opening: states.get(m.meterId)?.frozen ?? m.opening,
      carryIn: states.get(m.meterId)?.carry ?? m.carryIn,
      closing: closings[m.meterId],
    })),
    householdDayTotals: new Map([...prev.householdDayTotals, ...built.householdDayTotals]),
    payeeCumulative: new Map([...prev.payeeCumulative, ...built.payeeCumulative]),
    paidBefore: built.paidThrough,
    ...over,
  };
}

describe('buildBatch', () => {
  it('telescopes: the exports over batches sum to last register − baseline, each claim bracketed by the previous closing', () => {
    const registers = [1_000, 1_250, 1_250, 1_700, 2_010];
    const readings = registers.map((wh, i) => reading(wh, T0 - 15 * MIN + i * 15 * MIN));
    let inp = input([meter('m1', { closing: readings[0] })], { intervalStartMs: T0 - 15 * MIN, batchId: 1n });
    const batches: BuiltBatch[] = [];
    for (let i = 0; i < registers.length; i++) {
      const built = buildBatch(inp);
      batches.push(built);
      inp = following(inp, built, { m1: readings[i + 1] });
    }
    expect(batches.map((b) => b.claims.map((c) => c.leaf.exportWh))).toEqual([[], [250n], [], [450n], [310n]]);
    expect(batches.reduce((s, b) => s + b.totalExportWh, 0n)).toBe(2_010n - 1_000n);
    const [b2, , b4, b5] = [batches[1]!, batches[2]!, batches[3]!, batches[4]!];
    expect(b2.claims[0]!.leaf.openingDigest).toBe(readings[0]!.payloadDigest);
    // batch 3 had nothing new: batch 4 opens at the reading batch 2 closed on
    expect(b4.claims[0]!.leaf.openingDigest).toBe(b2.claims[0]!.leaf.closingDigest);
    expect(b5.claims[0]!.leaf.openingDigest).toBe(b4.claims[0]!.leaf.closingDigest);
  });

  it('takes the first reading of a meter as its baseline only', () => {
    const baseline = reading(5_000, T0 + 14 * MIN);
    const built = buildBatch(input([meter('m1', { closing: baseline })]));
    expect(built.claims).toEqual([]);
    expect(built.claimsRoot).toBe(ZERO_ROOT);
    expect(built.payoutsRoot).toBe(ZERO_ROOT);
    expect(built.meterStates).toEqual([{ meterId: 'm1', frozen: baseline, carry: 0n }]);
  });

  it('builds an empty interval with the zero claims root and the cumulative payouts so far', () => {
    const cumulative = new Map<Hex, bigint>([[payee(7), 1_234n], [payee(8), 0n]]);
    const built = buildBatch(input([], { payeeCumulative: cumulative, paidBefore: 1_234n }));
    expect(built.claimCount).toBe(0);
    expect(built.claimsRoot).toBe(ZERO_ROOT);
    expect(built.payouts).toEqual([{ payee: payee(7), cumulativeAmount: 1_234n }]);
    expect(built.payoutsRoot).toBe(StandardMerkleTree.of([[payee(7), '1234']], [...PAYOUT_LEAF_TYPES]).root);
    expect(built.paidThrough).toBe(1_234n);
  });

  it('keeps the opening of a meter with nothing new', () => {
    const opening = reading(100, T0);
    const built = buildBatch(input([meter('m1', { opening, closing: reading(100, T0 + 10 * MIN) })]));
    expect(built.claims).toEqual([]);
    expect(built.meterStates).toEqual([]);
  });

  it('prices at the given tariff and carries the remainder: Σ amount = floor(Σ Wh × price / 1000)', () => {
    let registerWh = 10_000;
    let inp = input([meter('m1', { pricePerKWh: 7n, opening: reading(registerWh, T0), closing: reading((registerWh += 333), T0 + 15 * MIN) })]);
    let total = 0n;
    let energy = 0n;
    for (let i = 0; i < 12; i++) {
      const built = buildBatch(inp);
      total += built.totalAmount;
      energy += built.totalExportWh;
      const at = built.intervalEndMs + 15 * MIN;
      inp = following(inp, built, { m1: reading((registerWh += 333 + i), at) });
    }
    expect(energy).toBe(12n * 333n + 55n);
    expect(total).toBe((energy * 7n) / 1000n);
    expect(inp.meters[0]!.carryIn).toBe((energy * 7n) % 1000n);
  });

  it('records the pricing of a claim exactly', () => {
    const built = buildBatch(input([meter('m1', { pricePerKWh: 2_500n, carryIn: 900n, opening: reading(1_000, T0), closing: reading(1_123, T0 + 15 * MIN) })]));
    // 123 Wh × 2500 /kWh = 307.5 base units + 0.9 carried = 308.4
    expect(built.claims[0]!.pricing).toEqual({ pricePerKWh: 2_500n, carryIn: 900n, carryOut: 400n, paidWh: 123n, flags: [] });
    expect(built.claims[0]!.leaf.amount).toBe(308n);
  });

  it('interval-export-cap: pays at most capacity × share × interval, keeps the measured export in the leaf', () => {
    // 5000 W × 20 % × 15 min = 250 Wh
    const built = buildBatch(
      input([meter('m1', { opening: reading(0, T0), closing: reading(400, T0 + 15 * MIN) })], { limits: { exportCapPercentOfCapacity: 20 } }),
    );
    const claim = built.claims[0]!;
    expect(claim.leaf.exportWh).toBe(400n);
    expect(claim.pricing).toEqual({ pricePerKWh: 2_000n, carryIn: 0n, carryOut: 0n, paidWh: 250n, flags: ['interval-export-cap'] });
    expect(claim.leaf.amount).toBe(500n);
  });

  it('interval-export-cap: a claim whose readings span several intervals (catch-up) gets the cap of each', () => {
    const built = buildBatch(
      input([meter('m1', { opening: reading(0, T0 - 45 * MIN), closing: reading(900, T0 + 15 * MIN) })], { limits: { exportCapPercentOfCapacity: 20 } }),
    );
    expect(built.claims[0]!.pricing.paidWh).toBe(900n); // 4 intervals × 250 Wh ≥ 900 Wh
    expect(built.claims[0]!.pricing.flags).toEqual([]);
  });

  it('household-daily-cap: cuts the claim that crosses the household day total, in meterId order', () => {
    const meters = ['b', 'a', 'c'].map((id) => meter(id, { householdId: id === 'c' ? 'h2' : 'h1', opening: reading(0, T0), closing: reading(40, T0 + 15 * MIN) }));
    // 40 Wh × 2000 = 80 each; h1 already had 50 today; cap 150
    const built = buildBatch(input(meters, { limits: { householdDailyCap: 150n }, householdDayTotals: new Map([['h1', 50n]]) }));
    expect(built.claims.map((c) => [c.leaf.meterId, c.leaf.amount, c.pricing.flags])).toEqual([
      ['a', 80n, []],
      ['b', 20n, ['household-daily-cap']],
      ['c', 80n, []],
    ]);
    expect(built.householdDayTotals).toEqual(new Map([['h1', 150n], ['h2', 80n]]));
  });

  it('batch-cap and budget: cut in meterId order and flag, never drop the claim', () => {
    const meters = ['m3', 'm1', 'm2'].map((id) => meter(id, { opening: reading(0, T0), closing: reading(40, T0 + 15 * MIN) }));
    const capped = buildBatch(input(meters, { limits: { batchCap: 150n } }));
    expect(capped.claims.map((c) => [c.leaf.meterId, c.leaf.amount, c.pricing.flags])).toEqual([
      ['m1', 80n, []],
      ['m2', 70n, ['batch-cap']],
      ['m3', 0n, ['batch-cap']],
    ]);
    expect(capped.totalAmount).toBe(150n);
    const budget = buildBatch(input(meters, { limits: { budget: 1_000n }, paidBefore: 900n }));
    expect(budget.claims.map((c) => [c.leaf.meterId, c.leaf.amount, c.pricing.flags])).toEqual([
      ['m1', 80n, []],
      ['m2', 20n, ['budget']],
      ['m3', 0n, ['budget']],
    ]);
    expect(budget.paidThrough).toBe(1_000n);
    expect(budget.totalExportWh).toBe(120n);
  });

  it('flags a claim without a valid tariff and keeps it with amount 0 and the carry untouched', () => {
    const built = buildBatch(input([meter('m1', { pricePerKWh: undefined, carryIn: 5n, opening: reading(0, T0), closing: reading(40, T0 + 15 * MIN) })]));
    expect(built.claims[0]!.pricing).toEqual({ pricePerKWh: 0n, carryIn: 5n, carryOut: 5n, paidWh: 40n, flags: ['no-tariff'] });
    expect(built.claims[0]!.leaf.amount).toBe(0n);
  });

  it('keeps each interval at its own price when the tariff changes between intervals', () => {
    let inp = input([meter('m1', { pricePerKWh: 1_000n, opening: reading(0, T0), closing: reading(100, T0 + 15 * MIN) })]);
    const first = buildBatch(inp);
    inp = following(inp, first, { m1: reading(200, T0 + 30 * MIN) });
    const second = buildBatch({ ...inp, meters: inp.meters.map((m) => ({ ...m, pricePerKWh: 3_000n })) });
    expect([first.claims[0]!.leaf.amount, second.claims[0]!.leaf.amount]).toEqual([100n, 300n]);
    expect([first.claims[0]!.pricing.pricePerKWh, second.claims[0]!.pricing.pricePerKWh]).toEqual([1_000n, 3_000n]);
  });

  it('is deterministic: the same inputs in any order give identical batches', () => {
    const meters = Array.from({ length: 50 }, (_, i) =>
      meter(`m${i}`, { payee: payee(i % 7), householdId: `h${i % 5}`, opening: reading(i, T0), closing: reading(i * 37, T0 + 15 * MIN), carryIn: BigInt(i) }),
    );
    const limits = { exportCapPercentOfCapacity: 20, householdDailyCap: 300n, batchCap: 5_000n };
    const a = buildBatch(input(meters, { limits }));
    const b = buildBatch(input([...meters].reverse(), { limits }));
    expect(b).toEqual(a);
    expect(a.claimsRoot).not.toBe(ZERO_ROOT);
  });

  it('commits roots equal to @openzeppelin/merkle-tree StandardMerkleTree for the same leaves', () => {
    const meters = Array.from({ length: 13 }, (_, i) => meter(`meter-${i}`, { payee: payee(100 + (i % 4)), opening: reading(0, T0), closing: reading(10 + i * 3, T0 + 15 * MIN) }));
    const built = buildBatch(input(meters, { payeeCumulative: new Map([[payee(999), 5n]]) }));
    const claims = StandardMerkleTree.of(built.claims.map((c) => claimLeafValues(c.leaf)), [...CLAIM_LEAF_TYPES]);
    const payouts = StandardMerkleTree.of(built.payouts.map((p) => [p.payee, p.cumulativeAmount.toString()]), [...PAYOUT_LEAF_TYPES]);
    expect(built.claimsRoot).toBe(claims.root);
    expect(built.payoutsRoot).toBe(payouts.root);
    expect(built.payouts.length).toBe(5);
    expect(buildMerkleTree(built.payouts.map(payoutLeafHash)).root).toBe(payouts.root);
  });

  it('builds a 100,000-claim batch (time printed, not asserted)', () => {
    const meters = Array.from({ length: 100_000 }, (_, i) =>
      meter(`m${i.toString().padStart(6, '0')}`, { payee: payee(1 + (i % 20_000)), householdId: `h${i % 20_000}`, opening: reading(1_000, T0), closing: reading(1_000 + (i % 500) + 1, T0 + 15 * MIN) }),
    );
    const started = performance.now();
    const built = buildBatch(input(meters));
    const seconds = (performance.now() - started) / 1000;
    console.log(`buildBatch: 100,000 claims in ${seconds.toFixed(2)} s`);
    expect(built.claimCount).toBe(100_000);
  }, 120_000);
});
