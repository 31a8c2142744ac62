// The settlement chain port's conformance suite (like reading-store.conformance.ts for storage):
// what settlement relies on from SettlementChain, run against every implementation — the contracts
// package's chain client on a real anvil and the in-memory fake the settlement tests use — so the
// fake cannot drift from the contract unnoticed. The regulator's side and the passing of time are
// the backend's own (a driver), since the port has no such calls.
import { describe, expect, it } from 'vitest';
import type { Hex } from '@feedin/protocol/hex';
import { chainErrorCode } from './chain-errors.js';
import type { SettlementChain, SubmitBatchParameters } from './ports.js';

export interface SettlementChainUnderTest {
  chain: SettlementChain;
  /** the regulator's actions, as this backend performs them */
  freeze(batchId: bigint): Promise<void>;
  approve(batchId: bigint): Promise<void>;
  reject(batchId: bigint): Promise<void>;
  pause(): Promise<void>;
  unpause(): Promise<void>;
  endSandbox(endSec: number): Promise<void>;
  /** lets the challenge window of every pending batch pass */
  passChallengeWindow(): Promise<void>;
  close(): Promise<void>;
}

const T0 = 1_795_000_500n; // an interval boundary (multiple of 900)
const root = (byte: number): Hex => `0x${byte.toString(16).padStart(2, '0').repeat(32)}` as Hex;

export function conformanceBatch(batchId: bigint): SubmitBatchParameters {
  return {
    batchId,
    intervalStartSec: T0 + (batchId - 1n) * 900n,
    intervalEndSec: T0 + batchId * 900n,
    claimsRoot: root(Number(batchId)),
    payoutsRoot: root(0x80 + Number(batchId)),
    claimCount: 2n,
    totalExportWh: 1_500n,
    totalAmount: 100n,
  };
}

/** What settlement reads of a refusal: the code and the custom error with its arguments. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; revert: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should have been refused').toBeDefined();
  return { code: chainErrorCode(error), revert: (error as { revert?: unknown }).revert };
}

export function describeSettlementChainConformance(name: string, open: () => Promise<SettlementChainUnderTest>): void {
  const withChain = (fn: (t: SettlementChainUnderTest) => Promise<void>) => async () => {
    const t = await open();
    try {
      await fn(t);
    } finally {
      await t.close();
    }
  };

  describe(`SettlementChain conformance: ${name}`, () => {
    it(
      'numbers batches from 1 and answers the stored record of a submitted one',
      withChain(async ({ chain }) => {
        expect(await chain.nextBatchId()).toBe(1n);
        expect(await chain.batch(1n)).toBeUndefined();
        const sent = await chain.submitBatch(conformanceBatch(1n));
        expect(sent.txHash).toMatch(/^0x[0-9a-f]{64}$/);
        expect(await chain.nextBatchId()).toBe(2n);
        const { batchId: _id, ...stored } = conformanceBatch(1n);
        expect(await chain.batch(1n)).toMatchObject({ ...stored, status: 'pending', final: false });
        expect((await chain.batchSubmissions(0)).map(({ batchId, txHash, blockNumber }) => ({ batchId, txHash, blockNumber }))).toEqual([{ batchId: 1n, txHash: sent.txHash, blockNumber: sent.blockNumber }]);
      }),
    );

    it(
      'refuses a batch out of order with SettlementBatchOutOfOrder(expected, got)',
      withChain(async ({ chain }) => {
        await chain.submitBatch(conformanceBatch(1n));
        expect(await refusal(chain.submitBatch(conformanceBatch(3n)))).toEqual({ code: 'reverted', revert: { name: 'SettlementBatchOutOfOrder', args: [2n, 3n] } });
        expect(await refusal(chain.submitBatch(conformanceBatch(1n)))).toEqual({ code: 'reverted', revert: { name: 'SettlementBatchOutOfOrder', args: [2n, 1n] } });
        expect(await chain.nextBatchId()).toBe(2n);
      }),
    );

    it(
      'makes batches final after the challenge window, and a frozen one only once approved',
      withChain(async (t) => {
        await t.chain.submitBatch(conformanceBatch(1n));
        await t.chain.submitBatch(conformanceBatch(2n));
        await t.freeze(2n);
        expect(await t.chain.batch(2n)).toMatchObject({ status: 'frozen', final: false });
        await t.passChallengeWindow();
        expect(await t.chain.batch(1n)).toMatchObject({ status: 'final', final: true });
        expect(await t.chain.batch(2n)).toMatchObject({ status: 'frozen', final: false });
        await t.approve(2n);
        expect(await t.chain.batch(2n)).toMatchObject({ status: 'approved', final: true });
      }),
    );

    it(
      'rejecting a frozen batch discards it and every later one, reports it, and takes its id again',
      withChain(async (t) => {
        for (const id of [1n, 2n, 3n]) await t.chain.submitBatch(conformanceBatch(id));
        await t.freeze(2n);
        await t.reject(2n);
        expect(await t.chain.nextBatchId()).toBe(2n);
        expect((await t.chain.batch(2n))?.status).toBe('rejected');
        expect((await t.chain.batch(3n))?.status).toBe('rejected');
        expect((await t.chain.batchRejections(0)).map((r) => r.batchId)).toEqual([2n]);
        await t.chain.submitBatch({ ...conformanceBatch(2n), claimsRoot: root(0x42) });
        expect(await t.chain.batch(2n)).toMatchObject({ status: 'pending', claimsRoot: root(0x42) });
      }),
    );

    it(
      'refuses submissions while paused with SettlementPaused, and after the sandbox end with SettlementSandboxEnded(end, intervalEnd)',
      withChain(async (t) => {
        expect(await t.chain.paused()).toBe(false);
        await t.pause();
        expect(await t.chain.paused()).toBe(true);
        expect(await refusal(t.chain.submitBatch(conformanceBatch(1n)))).toEqual({ code: 'reverted', revert: { name: 'SettlementPaused', args: [] } });
        await t.unpause();
        expect(await t.chain.sandboxEnd()).toBeNull();
        const end = Number(T0 + 900n);
        await t.endSandbox(end);
        expect(await t.chain.sandboxEnd()).toBe(end);
        await t.chain.submitBatch(conformanceBatch(1n));
        expect(await refusal(t.chain.submitBatch(conformanceBatch(2n)))).toEqual({
          code: 'reverted',
          revert: { name: 'SettlementSandboxEnded', args: [BigInt(end), T0 + 1800n] },
        });
      }),
    );

    it(
      'has withdrawn nothing for a payee that never withdrew',
      withChain(async ({ chain }) => {
        expect(await chain.withdrawn(`0x${'12'.repeat(20)}`)).toBe(0n);
      }),
    );
  });
}
