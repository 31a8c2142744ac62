import { describe, expect, it } from 'vitest';
import { explainCaps } from './cap-explanation.js';
import { priceClaim } from './price-claim.js';

const Q = 15 * 60_000;
const limits = { exportCapPercentOfCapacity: 20, householdDailyCap: 20_000n, batchCap: 50_000n, budget: 100_000_000n };

describe('explainCaps', () => {
  it("states the interval cap in the rule's numbers: 20 % of 5 kW = 250 Wh per 15 minutes, the cap priceClaim paid", () => {
    const priced = priceClaim({ exportWh: 310n, capacityW: 5000, intervalMinutes: 15, coveredIntervals: 1, exportCapPercentOfCapacity: 20, pricePerKWh: 671n, carryIn: 0n });
    expect(priced.flags).toEqual(['interval-export-cap']);
    expect(explainCaps({ flags: priced.flags, exportWh: '310', paidWh: priced.paidWh.toString(), openingMs: 0, closingMs: Q, capacityW: 5000, intervalMinutes: 15, limits })).toEqual([
      { flag: 'interval-export-cap', percentOfCapacity: 20, capacityW: 5000, intervalMinutes: 15, intervals: 1, capWh: '250', exportWh: '310', paidWh: '250' },
    ]);
  });

  it('gives a catch-up claim the cap of every interval its readings cover', () => {
    const [cap] = explainCaps({ flags: ['interval-export-cap'], exportWh: '900', paidWh: '750', openingMs: 0, closingMs: 3 * Q, capacityW: 5000, intervalMinutes: 15, limits });
    expect(cap).toMatchObject({ intervals: 3, capWh: '750' });
  });

  it('names the amount of the household, batch and budget caps, and keeps other flags as they are', () => {
    expect(explainCaps({ flags: ['household-daily-cap', 'batch-cap', 'budget', 'no-tariff'], exportWh: '1', paidWh: '1', openingMs: 0, closingMs: Q, capacityW: 5000, intervalMinutes: 15, limits })).toEqual([
      { flag: 'household-daily-cap', capAmount: '20000' },
      { flag: 'batch-cap', capAmount: '50000' },
      { flag: 'budget', capAmount: '100000000' },
      { flag: 'no-tariff' },
    ]);
  });
});
