import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { afterEach, expect, it } from 'vitest';
import { buildBatch, type BuildBatchInput, type FrozenReading } from './build-batch.js';
import { openSettlementStore } from './settlement-store.js';

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
const PAYEE = checksumAddress('0x' + '11'.repeat(20));
const reading = (seq: number, exportWh: number, timestampMs: number): FrozenReading => ({
  seq,
  pagination: seq,
  exportWh: BigInt(exportWh),
  timestampMs,
  payloadDigest: `0x${seq.toString(16).padStart(64, '0')}` as Hex,
});

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function batchInput(batchId: bigint, store: ReturnType<typeof openSettlementStore>, closing: FrozenReading): BuildBatchInput {
  const state = store.meterStates(batchId - 1n).get('m1');
  return {
    batchId,
    intervalStartMs: T0 + Number(batchId - 1n) * 900_000,
    intervalMinutes: 15,
    watermark: closing.seq,
    meters: [{ meterId: 'm1', payee: PAYEE, householdId: 'h1', capacityW: 5_000, pricePerKWh: 7n, opening: state?.frozen, carryIn: state?.carry ?? 0n, closing }],
    limits: {},
    localDay: '2026-11-22',
    householdDayTotals: store.householdDayTotals('2026-11-22', batchId - 1n),
    payeeCumulative: store.payeeCumulative(batchId - 1n),
    paidBefore: store.listBatches({ before: batchId, limit: 1 })[0]?.paidThrough ?? 0n,
  };
}

it('persists batches durably and rolls the versioned state back to after batch N−1 on rejection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedin-settlement-store-'));
  dirs.push(dir);
  const path = join(dir, 'settlement.sqlite');
  let store = openSettlementStore(path);
  const closings = [reading(1, 1_000, T0), reading(2, 1_333, T0 + 900_000), reading(3, 1_800, T0 + 1_800_000)];
  closings.forEach((c, i) => store.recordBuilt(buildBatch(batchInput(BigInt(i + 1), store, c)), T0 + i));
  store.recordSubmitted(1n, { txHash: `0x${'ab'.repeat(32)}`, blockNumber: 7, gasUsed: 90_000n });
  store.close();

  store = openSettlementStore(path);
  expect(store.batch(1n)).toMatchObject({ status: 'submitted', txHash: `0x${'ab'.repeat(32)}`, blockNumber: 7, gasUsed: 90_000n });
  const afterTwo = { meters: store.meterStates(2n), payees: store.payeeCumulative(2n), day: store.householdDayTotals('2026-11-22', 2n) };
  // 333 Wh × 7 = 2331 milli → 2 paid, carry 331; then 467 Wh × 7 + 331 = 3600 → 3 paid, carry 600
  expect(afterTwo.meters.get('m1')).toEqual({ frozen: closings[1], carry: 331n });
  expect(store.meterStates().get('m1')).toEqual({ frozen: closings[2], carry: 600n });
  expect(store.payeeCumulative()).toEqual(new Map([[PAYEE, 5n]]));

  const rejected = store.rejectFrom(3n, { minNextBatchId: '3' });
  expect(rejected.map((b) => [b.batchId, b.status])).toEqual([[3n, 'rejected']]);
  expect(store.meterStates()).toEqual(afterTwo.meters);
  expect(store.payeeCumulative()).toEqual(afterTwo.payees);
  expect(store.householdDayTotals('2026-11-22')).toEqual(afterTwo.day);
  expect(store.lastBatch()!.batchId).toBe(2n);
  expect(store.meta('minNextBatchId')).toBe('3');

  // the rebuilt batch 3 reuses the id; the rejected one stays in the history
  store.recordBuilt(buildBatch(batchInput(3n, store, reading(4, 1_900, T0 + 1_800_000))), T0 + 9);
  expect(store.listBatches({ includeRejected: true }).map((b) => [b.batchId, b.status, b.totalExportWh])).toEqual([
    [3n, 'built', 567n],
    [3n, 'rejected', 467n],
    [2n, 'built', 333n],
    [1n, 'submitted', 0n],
  ]);
  store.close();
});
