// The price of one claim before the shared caps: the interval export cap, then the tariff with
// the meter's carried remainder. The household, batch and budget caps need the running totals of
// the whole batch and are applied by build-batch in meterId order.
import { claimAmount } from '@feedin/protocol/amount';

export type ClaimFlag =
  | 'interval-export-cap'
  | 'household-daily-cap'
  | 'batch-cap'
  | 'budget'
  | 'no-tariff'
  // sandbox rules (not caps): the claim is kept as evidence and paid 0
  | 'not-allowlisted'
  | 'outside-sandbox-period'
  // readings after the claim's closing were signed with a key revoked at their TM: not paid
  | 'key-revoked';

export interface PriceClaimParameters {
  /** measured export of the claim (closing − opening register) */
  exportWh: bigint;
  capacityW: number;
  intervalMinutes: number;
  /** how many intervals the opening→closing readings span (≥ 1; > 1 after a late catch-up) */
  coveredIntervals: number;
  exportCapPercentOfCapacity: number | undefined;
  /** undefined when no tariff period is valid at the interval start */
  pricePerKWh: bigint | undefined;
  /** milli-base-units carried from the meter's previous claims */
  carryIn: bigint;
}

export interface PriceClaimReturnType {
  paidWh: bigint;
  amount: bigint;
  carryOut: bigint;
  pricePerKWh: bigint;
  flags: ClaimFlag[];
}

/** How many intervals a claim's opening→closing readings span (≥ 1; > 1 after a late catch-up). */
export function coveredIntervalsOf(openingMs: number, closingMs: number, intervalMinutes: number): number {
  return Math.max(1, Math.ceil((closingMs - openingMs) / (intervalMinutes * 60_000)));
}

/** The interval export cap in Wh: capacity × share × interval length, for each interval covered. A
 * claim whose readings span several intervals (a meter catching up after being offline) gets the
 * cap of each interval it covers, so store-and-forward never costs a household its pay. */
export function intervalExportCapWh(p: Pick<PriceClaimParameters, 'capacityW' | 'intervalMinutes' | 'coveredIntervals'> & { exportCapPercentOfCapacity: number }): bigint {
  // W × % × min ÷ (100 % × 60 min/h) = Wh
  return (BigInt(p.capacityW) * BigInt(p.exportCapPercentOfCapacity) * BigInt(p.intervalMinutes) * BigInt(p.coveredIntervals)) / 6000n;
}

export function priceClaim(p: PriceClaimParameters): PriceClaimReturnType {
  const flags: ClaimFlag[] = [];
  let paidWh = p.exportWh;
  if (p.exportCapPercentOfCapacity !== undefined) {
    const capWh = intervalExportCapWh({ ...p, exportCapPercentOfCapacity: p.exportCapPercentOfCapacity });
    if (paidWh > capWh) {
      paidWh = capWh;
      flags.push('interval-export-cap');
    }
  }
  if (p.pricePerKWh === undefined) {
    // No valid tariff: the evidence is kept with amount 0; the carry is untouched.
    flags.push('no-tariff');
    return { paidWh, amount: 0n, carryOut: p.carryIn, pricePerKWh: 0n, flags };
  }
  const { amount, carryOut } = claimAmount({ exportWh: paidWh, pricePerKWh: p.pricePerKWh, carryIn: p.carryIn });
  return { paidWh, amount, carryOut, pricePerKWh: p.pricePerKWh, flags };
}
