// The batches table folds runs of batches without claims (the night) into one row.
import { describe, expect, it } from 'vitest';
// @ts-expect-error a browser ES module without types
import { foldEmptyRuns, runStatuses } from '../public/assets/batch-rows.js';

type Batch = { batchId: string; claimCount: number; status: string };
type Item = { batch?: Batch; run?: Batch[] };
const b = (batchId: number, claimCount: number, status = 'final'): Batch => ({ batchId: String(batchId), claimCount, status });
const fold = (batches: Batch[]): Item[] => foldEmptyRuns(batches);

describe('foldEmptyRuns', () => {
  it('folds two or more consecutive empty batches into one run, keeps single ones and frozen ones', () => {
    const batches = [b(9, 3), b(8, 0), b(7, 0), b(6, 0, 'pending'), b(5, 2), b(4, 0), b(3, 0, 'frozen'), b(2, 0), b(1, 0)];
    const items = fold(batches);
    expect(items.map((i) => (i.run ? i.run.map((x) => x.batchId).join('-') : i.batch!.batchId))).toEqual(['9', '8-7-6', '5', '4', '3', '2-1']);
    expect(runStatuses(items[1]!.run)).toEqual([
      ['final', 2],
      ['pending', 1],
    ]);
  });

  it('leaves a list without empty batches as it is', () => {
    expect(fold([b(2, 1), b(1, 1)]).map((i) => i.batch!.batchId)).toEqual(['2', '1']);
    expect(fold([])).toEqual([]);
  });
});
