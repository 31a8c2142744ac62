// Why a claim was paid less, in the numbers of the rule that cut it (issue #11 item 6): the
// interval export cap as "share of the system's capacity = kWh per interval", the household's
// daily cap, the batch cap and the budget as their amounts. The numbers come from the same
// functions that priced the claim (./price-claim.ts), never from a second copy of the rule.
import { coveredIntervalsOf, intervalExportCapWh, type ClaimFlag } from './price-claim.js';

export type CapExplanation =
  | {
      flag: 'interval-export-cap';
      /** the share of installed capacity paid per interval (Decree 135/2024: 20 %) */
      percentOfCapacity: number;
      capacityW: number;
      intervalMinutes: number;
      /** intervals the claim's readings span (> 1 after a meter caught up) */
      intervals: number;
      /** export paid at most, for all of those intervals */
      capWh: string;
      exportWh: string;
      paidWh: string;
    }
  | { flag: 'household-daily-cap' | 'batch-cap' | 'budget'; capAmount: string }
  | { flag: Exclude<ClaimFlag, 'interval-export-cap' | 'household-daily-cap' | 'batch-cap' | 'budget'> };

export interface ExplainCapsParameters {
  flags: readonly string[];
  exportWh: string;
  paidWh: string;
  openingMs: number;
  closingMs: number;
  capacityW: number;
  intervalMinutes: number;
  limits: { exportCapPercentOfCapacity?: number; householdDailyCap?: bigint; batchCap?: bigint; budget?: bigint };
}

export function explainCaps(p: ExplainCapsParameters): CapExplanation[] {
  return p.flags.map((flag): CapExplanation => {
    const percent = p.limits.exportCapPercentOfCapacity;
    if (flag === 'interval-export-cap' && percent !== undefined) {
      const intervals = coveredIntervalsOf(p.openingMs, p.closingMs, p.intervalMinutes);
      const capWh = intervalExportCapWh({ capacityW: p.capacityW, intervalMinutes: p.intervalMinutes, coveredIntervals: intervals, exportCapPercentOfCapacity: percent });
      return { flag, percentOfCapacity: percent, capacityW: p.capacityW, intervalMinutes: p.intervalMinutes, intervals, capWh: capWh.toString(), exportWh: p.exportWh, paidWh: p.paidWh };
    }
    if (flag === 'household-daily-cap' && p.limits.householdDailyCap !== undefined) return { flag, capAmount: p.limits.householdDailyCap.toString() };
    if (flag === 'batch-cap' && p.limits.batchCap !== undefined) return { flag, capAmount: p.limits.batchCap.toString() };
    if (flag === 'budget' && p.limits.budget !== undefined) return { flag, capAmount: p.limits.budget.toString() };
    return { flag } as CapExplanation;
  });
}
