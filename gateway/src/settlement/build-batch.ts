// One batch from its inputs, with no clock and no I/O (docs/design.md §Claims, batches and
// settlement): the service builds with it, and `feedin audit batch` rebuilds with it from the
// stored watermark and the state after the previous batch, expecting identical roots.
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import type { Keccak256Implementation } from '@feedin/protocol/keccak';
import type { ClaimLeaf, PayoutLeaf } from '@feedin/protocol/merkle';
import { buildBatchRoots } from './batch-roots.js';
import { coveredIntervalsOf, priceClaim, type ClaimFlag } from './price-claim.js';

/** A reading as settlement remembers it: enough to telescope, point at its bytes and fetch them. */
export interface FrozenReading {
  seq: number;
  pagination: number;
  exportWh: bigint;
  timestampMs: number;
  payloadDigest: Hex;
}

export interface BatchMeterInput {
  meterId: string;
  /** the registry's payee */
  payee: Hex;
  householdId: string;
  capacityW: number;
  /** price valid at the interval start; undefined when no tariff period applies */
  pricePerKWh: bigint | undefined;
  /** the closing reading frozen by the previous batch; undefined before the meter's baseline */
  opening: FrozenReading | undefined;
  /** milli-base-units carried after the previous batch */
  carryIn: bigint;
  /** last reading with TM ≤ interval end (and before a suspension) and seq ≤ watermark */
  closing: FrozenReading | undefined;
  /** false when the config's meter or household allowlist leaves this meter out (default true) */
  allowlisted?: boolean;
  /** the closing was moved back before readings signed with a key revoked at their TM (flag key-revoked) */
  keyRevoked?: boolean;
}

export interface BatchLimits {
  exportCapPercentOfCapacity?: number | undefined;
  householdDailyCap?: bigint | undefined;
  batchCap?: bigint | undefined;
  budget?: bigint | undefined;
  /** the sandbox's start/end (sandbox ms): intervals outside are kept as evidence and paid 0 */
  periodStartMs?: number | undefined;
  periodEndMs?: number | undefined;
}

export interface BuildBatchInput {
  batchId: bigint;
  intervalStartMs: number;
  intervalMinutes: number;
  /** highest reading seq the batch may see */
  watermark: number;
  meters: readonly BatchMeterInput[];
  limits: BatchLimits;
  /** sandbox-local day of the interval start (household daily cap), e.g. 2026-11-22 */
  localDay: string;
  /** amounts already paid per household on `localDay` */
  householdDayTotals: ReadonlyMap<string, bigint>;
  /** cumulative amount per payee (checksummed) through the previous batch */
  payeeCumulative: ReadonlyMap<Hex, bigint>;
  /** every amount paid through the previous batch (budget cap) */
  paidBefore: bigint;
}

export interface ClaimPricing {
  pricePerKWh: bigint;
  carryIn: bigint;
  carryOut: bigint;
  paidWh: bigint;
  flags: ClaimFlag[];
}

export interface BuiltClaim {
  leaf: ClaimLeaf;
  leafHash: Hex;
  householdId: string;
  pricing: ClaimPricing;
  opening: FrozenReading;
  closing: FrozenReading;
}

/** A meter whose frozen reading or carry changed in this batch. */
export interface MeterStateChange {
  meterId: string;
  frozen: FrozenReading;
  carry: bigint;
}

export interface BuiltBatch {
  batchId: bigint;
  intervalStartMs: number;
  intervalEndMs: number;
  watermark: number;
  /** in meterId order */
  claims: BuiltClaim[];
  claimsRoot: Hex;
  /** cumulative through this batch, every payee with cumulative > 0, in address order */
  payouts: PayoutLeaf[];
  payoutsRoot: Hex;
  claimCount: number;
  totalExportWh: bigint;
  totalAmount: bigint;
  meterStates: MeterStateChange[];
  localDay: string;
  /** households whose `localDay` total changed, with the new totals */
  householdDayTotals: Map<string, bigint>;
  /** payees whose cumulative changed, with the new cumulative */
  payeeCumulative: Map<Hex, bigint>;
  paidThrough: bigint;
}

/** `keccak`: the composition root's implementation for the two trees (portable when absent). */
export function buildBatch(input: BuildBatchInput, keccak?: Keccak256Implementation): BuiltBatch {
  const periodMs = input.intervalMinutes * 60_000;
  if (!Number.isInteger(input.intervalMinutes) || input.intervalMinutes < 1) throw new RangeError(`buildBatch: intervalMinutes must be a positive integer, got ${input.intervalMinutes}`);
  if (input.intervalStartMs % periodMs !== 0) throw new RangeError(`buildBatch: intervalStartMs ${input.intervalStartMs} is not aligned to ${input.intervalMinutes} minutes`);
  const intervalEndMs = input.intervalStartMs + periodMs;
  const { limits } = input;

  // Caps cut in meterId order so that the same inputs always cut the same claims.
  const meters = [...input.meters].sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
  // leaf hashes come with the roots, hashed in bulk after the loop
  const claims: Array<Omit<BuiltClaim, 'leafHash'>> = [];
  const meterStates: MeterStateChange[] = [];
  const dayTotals = new Map<string, bigint>();
  const payeeCumulative = new Map<Hex, bigint>();
  let batchAmount = 0n;
  let totalExportWh = 0n;
  let paid = input.paidBefore;
  // Payees repeat across meters; the EIP-55 checksum costs a keccak, so compute it once each.
  const checksummed = new Map<string, Hex>();
  const payeeOf = (raw: Hex): Hex => {
    let address = checksummed.get(raw);
    if (!address) checksummed.set(raw, (address = checksumAddress(raw)));
    return address;
  };

  for (const m of meters) {
    const { opening, closing } = m;
    if (!closing) continue;
    if (!opening) {
      // docs/design.md §Claims: the first reading is a baseline; it opens the meter's next claim.
      meterStates.push({ meterId: m.meterId, frozen: closing, carry: m.carryIn });
      continue;
    }
    if (closing.timestampMs < opening.timestampMs || closing.exportWh <= opening.exportWh) continue; // nothing new: keep the opening
    const exportWh = closing.exportWh - opening.exportWh;
    const coveredIntervals = coveredIntervalsOf(opening.timestampMs, closing.timestampMs, input.intervalMinutes);
    const excluded: ClaimFlag | undefined =
      m.allowlisted === false
        ? 'not-allowlisted'
        : (limits.periodStartMs !== undefined && input.intervalStartMs < limits.periodStartMs) || (limits.periodEndMs !== undefined && intervalEndMs > limits.periodEndMs)
          ? 'outside-sandbox-period'
          : undefined;
    // An excluded claim keeps its evidence (exportWh, digests) and the meter's carry; it pays nothing.
    const priced = excluded ? { paidWh: 0n, amount: 0n, carryOut: m.carryIn, pricePerKWh: m.pricePerKWh ?? 0n, flags: [excluded] } : priceClaim({
      exportWh,
      capacityW: m.capacityW,
      intervalMinutes: input.intervalMinutes,
      coveredIntervals,
      exportCapPercentOfCapacity: limits.exportCapPercentOfCapacity,
      pricePerKWh: m.pricePerKWh,
      carryIn: m.carryIn,
    });
    let amount = priced.amount;
    const flags = priced.flags;
    // Evidence, not a cut of this claim's amount: later readings were left unpaid (batch-input.ts).
    if (m.keyRevoked) flags.push('key-revoked');
    const dayTotal = dayTotals.get(m.householdId) ?? input.householdDayTotals.get(m.householdId) ?? 0n;
    amount = cut(amount, limits.householdDailyCap, dayTotal, 'household-daily-cap', flags);
    amount = cut(amount, limits.batchCap, batchAmount, 'batch-cap', flags);
    amount = cut(amount, limits.budget, paid, 'budget', flags);

    const payee = payeeOf(m.payee);
    dayTotals.set(m.householdId, dayTotal + amount);
    payeeCumulative.set(payee, (payeeCumulative.get(payee) ?? input.payeeCumulative.get(payee) ?? 0n) + amount);
    batchAmount += amount;
    paid += amount;
    totalExportWh += exportWh;

    const leaf: ClaimLeaf = {
      meterId: m.meterId,
      intervalStartSec: BigInt(input.intervalStartMs / 1000),
      intervalEndSec: BigInt(intervalEndMs / 1000),
      // the full measured export is evidence; only `amount` is cut by caps
      exportWh,
      amount,
      payee,
      openingDigest: opening.payloadDigest,
      closingDigest: closing.payloadDigest,
    };
    claims.push({
      leaf,
      householdId: m.householdId,
      pricing: { pricePerKWh: priced.pricePerKWh, carryIn: m.carryIn, carryOut: priced.carryOut, paidWh: priced.paidWh, flags },
      opening,
      closing,
    });
    meterStates.push({ meterId: m.meterId, frozen: closing, carry: priced.carryOut });
  }

  const cumulative = new Map(input.payeeCumulative);
  for (const [payee, value] of payeeCumulative) cumulative.set(payee, value);
  const payouts: PayoutLeaf[] = [...cumulative]
    .filter(([, value]) => value > 0n)
    .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
    .map(([payee, cumulativeAmount]) => ({ payee, cumulativeAmount }));
  const roots = buildBatchRoots({ claims: claims.map((c) => c.leaf), payouts, keccak });

  return {
    batchId: input.batchId,
    intervalStartMs: input.intervalStartMs,
    intervalEndMs,
    watermark: input.watermark,
    claims: claims.map((c, i) => ({ ...c, leafHash: roots.claimLeafHashes[i]! })),
    claimsRoot: roots.claimsRoot,
    payouts,
    payoutsRoot: roots.payoutsRoot,
    claimCount: claims.length,
    totalExportWh,
    totalAmount: batchAmount,
    meterStates,
    localDay: input.localDay,
    householdDayTotals: dayTotals,
    payeeCumulative,
    paidThrough: paid,
  };
}

/** Cuts `amount` so that `before + amount ≤ cap`, flagging the claim when it had to. */
function cut(amount: bigint, cap: bigint | undefined, before: bigint, flag: ClaimFlag, flags: ClaimFlag[]): bigint {
  if (cap === undefined || before + amount <= cap) return amount;
  flags.push(flag);
  return before >= cap ? 0n : cap - before;
}
