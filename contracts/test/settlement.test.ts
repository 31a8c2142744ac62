// Settlement against a real anvil node: submission rules, caps, escrow, the regulator's lifecycle
// (freeze / approve / reject), finality with the challenge window, pause, limits, roles, events.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { reasonHash } from '../src/chain-writes.js';
import { NO_CAP, type SubmitBatchParameters } from '../src/chain-types.js';
import { ACCOUNT, ROLE, deployFixture, events, expectRevert, increaseTime, root, startChain, unauthorized, type Fixture } from './support.js';

const WINDOW = 60;
const T0 = 1_795_000_500n; // an interval boundary (multiple of 900)
let anvil: StartAnvilReturnType;
let f: Fixture;
beforeAll(async () => {
  anvil = await startChain();
});
afterAll(async () => {
  await anvil?.stop();
});
beforeEach(async () => {
  f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW, initialEscrow: 1_000_000n });
});
afterEach(() => f.close());

function batch(batchId: bigint, overrides: Partial<SubmitBatchParameters> = {}): SubmitBatchParameters {
  return {
    batchId,
    intervalStartSec: T0 + (batchId - 1n) * 900n,
    intervalEndSec: T0 + batchId * 900n,
    claimsRoot: root(Number(batchId)),
    payoutsRoot: root(0x80 + Number(batchId)),
    claimCount: 20n,
    totalExportWh: 12_345n,
    totalAmount: 1_000n,
    ...overrides,
  };
}
const submit = (batchId: bigint, overrides: Partial<SubmitBatchParameters> = {}) => f.gateway.submitBatch(batch(batchId, overrides));
const submitMany = async (count: number) => {
  for (let i = 1n; i <= BigInt(count); i++) await submit(i);
};

describe('submitBatch', () => {
  it('stores the batch, emits BatchSubmitted with every number and advances nextBatchId', async () => {
    expect(await f.reader.nextBatchId()).toBe(1n);
    const tx = await submit(1n);
    expect(events(tx)).toEqual([
      {
        name: 'BatchSubmitted',
        args: {
          shard: 0n,
          batchId: 1n,
          intervalStart: T0,
          intervalEnd: T0 + 900n,
          claimsRoot: root(1),
          payoutsRoot: root(0x81),
          claimCount: 20n,
          totalExportWh: 12_345n,
          totalAmount: 1_000n,
        },
      },
    ]);
    expect(await f.reader.nextBatchId()).toBe(2n);
    const stored = await f.reader.batch(1n);
    expect(stored).toEqual({
      shard: 0,
      batchId: 1n,
      intervalStartSec: T0,
      intervalEndSec: T0 + 900n,
      claimsRoot: root(1),
      payoutsRoot: root(0x81),
      claimCount: 20n,
      totalExportWh: 12_345n,
      totalAmount: 1_000n,
      committedThrough: 1_000n,
      submittedAtSec: stored!.submittedAtSec,
      challengeEndsAtSec: stored!.submittedAtSec + BigInt(WINDOW),
      status: 'pending',
      final: false,
    });
    expect(await f.reader.batch(2n)).toBeUndefined();
    expect(await f.reader.totalCommitted()).toBe(1_000n);
    const [submission] = await f.reader.batchSubmissions(f.deployment.deployedAtBlock);
    expect(submission).toEqual({
      shard: 0,
      batchId: 1n,
      intervalStartSec: T0,
      intervalEndSec: T0 + 900n,
      claimsRoot: root(1),
      payoutsRoot: root(0x81),
      claimCount: 20n,
      totalExportWh: 12_345n,
      totalAmount: 1_000n,
      txHash: tx.txHash,
      blockNumber: tx.blockNumber,
    });
  });

  it('insists on the next batch id', async () => {
    await expectRevert(submit(2n), 'SettlementBatchOutOfOrder', [1n, 2n]);
    await submit(1n);
    await expectRevert(submit(1n), 'SettlementBatchOutOfOrder', [2n, 1n]);
    await expectRevert(submit(3n), 'SettlementBatchOutOfOrder', [2n, 3n]);
  });

  it('takes any start for batch 1, then only contiguous, non-empty intervals', async () => {
    await expectRevert(submit(1n, { intervalEndSec: T0 }), 'SettlementIntervalInvalid', [T0, T0]);
    await submit(1n);
    await expectRevert(submit(2n, { intervalStartSec: T0 + 1800n, intervalEndSec: T0 + 2700n }), 'SettlementIntervalNotContiguous', [T0 + 900n, T0 + 1800n]);
    await expectRevert(submit(2n, { intervalStartSec: T0, intervalEndSec: T0 + 900n }), 'SettlementIntervalNotContiguous', [T0 + 900n, T0]);
  });

  it('enforces the per-batch cap and the budget, with the numbers', async () => {
    await f.regulator.setLimits({ batchCap: 600n, budget: 1_000n });
    await expectRevert(submit(1n, { totalAmount: 601n }), 'SettlementBatchCapExceeded', [601n, 600n]);
    await submit(1n, { totalAmount: 600n });
    await expectRevert(submit(2n, { totalAmount: 401n }), 'SettlementBudgetExceeded', [1_001n, 1_000n]);
    await submit(2n, { totalAmount: 400n });
    expect(await f.reader.totalCommitted()).toBe(1_000n);
  });

  it('needs escrow: token balance plus everything withdrawn must cover all committed', async () => {
    await submit(1n, { totalAmount: 999_000n });
    await expectRevert(submit(2n, { totalAmount: 1_001n }), 'SettlementEscrowInsufficient', [1_000_001n, 1_000_000n]);
    // A plain token transfer funds the escrow as well as fundEscrow does.
    await f.deployer.mint(ACCOUNT.deployer, 1n);
    await f.deployer.transferToken(f.deployment.settlement, 1n);
    await submit(2n, { totalAmount: 1_001n });
  });

  it('is for the gateway only', async () => {
    for (const [client, account] of [
      [f.outsider, ACCOUNT.outsider],
      [f.operator, ACCOUNT.operator],
      [f.regulator, ACCOUNT.regulator],
    ] as const) {
      await expectRevert(client.submitBatch(batch(1n)), ...unauthorized(account, ROLE.GATEWAY));
    }
  });

  it('refuses a claimCount beyond uint32 before sending (misuse)', async () => {
    await expect(submit(1n, { claimCount: 1n << 32n })).rejects.toThrow(new RangeError('submitBatch: claimCount must fit uint32, got 4294967296'));
  });
});

describe('finality and the challenge window', () => {
  it('makes a batch final once the window has passed', async () => {
    await submit(1n);
    expect(await f.reader.isFinal(1n)).toBe(false);
    await increaseTime(anvil.rpcUrl, WINDOW - 5);
    expect((await f.reader.batch(1n))?.status).toBe('pending');
    await increaseTime(anvil.rpcUrl, 5);
    expect(await f.reader.isFinal(1n)).toBe(true);
    expect(await f.reader.batch(1n)).toMatchObject({ status: 'final', final: true });
  });

  it('a frozen earlier batch holds every later batch back until approved', async () => {
    await submitMany(3);
    const frozen = await f.regulator.freezeBatch(2n, 'odd export profile');
    expect(events(frozen)).toEqual([{ name: 'BatchFrozen', args: { shard: 0n, batchId: 2n, reasonHash: reasonHash('odd export profile') } }]);
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect([await f.reader.isFinal(1n), await f.reader.isFinal(2n), await f.reader.isFinal(3n)]).toEqual([true, false, false]);
    expect((await f.reader.batch(2n))?.status).toBe('frozen');
    expect((await f.reader.batch(3n))?.status).toBe('pending');
    const approved = await f.regulator.approveBatch(2n, 'checked with the household');
    expect(events(approved)).toEqual([{ name: 'BatchApproved', args: { shard: 0n, batchId: 2n, reasonHash: reasonHash('checked with the household') } }]);
    expect(await f.reader.batch(2n)).toMatchObject({ status: 'approved', final: true });
    expect(await f.reader.batch(3n)).toMatchObject({ status: 'final', final: true });
  });

  it('approval makes a frozen batch final at once, without waiting for the window', async () => {
    await submit(1n);
    await f.regulator.freezeBatch(1n, 'x');
    await f.regulator.approveBatch(1n, 'y');
    expect(await f.reader.isFinal(1n)).toBe(true);
  });

  it('an approved batch still waits for an earlier frozen one', async () => {
    await submitMany(2);
    await f.regulator.freezeBatch(1n, 'a');
    await f.regulator.freezeBatch(2n, 'b');
    await f.regulator.approveBatch(2n, 'c');
    expect(await f.reader.batch(2n)).toMatchObject({ status: 'approved', final: false });
    await f.regulator.approveBatch(1n, 'd');
    expect(await f.reader.batch(2n)).toMatchObject({ status: 'approved', final: true });
  });

  it('freezes only pending batches; approves and rejects only frozen ones', async () => {
    await submitMany(2);
    await expectRevert(f.regulator.freezeBatch(3n, 'x'), 'SettlementBatchStatusInvalid', [3n, 0n]);
    await expectRevert(f.regulator.approveBatch(1n, 'x'), 'SettlementBatchStatusInvalid', [1n, 1n]);
    await expectRevert(f.regulator.rejectBatch(1n, 'x'), 'SettlementBatchStatusInvalid', [1n, 1n]);
    await f.regulator.freezeBatch(1n, 'x');
    await expectRevert(f.regulator.freezeBatch(1n, 'x'), 'SettlementBatchStatusInvalid', [1n, 2n]);
    await f.regulator.approveBatch(1n, 'x');
    await expectRevert(f.regulator.freezeBatch(1n, 'x'), 'SettlementBatchStatusInvalid', [1n, 3n]);
    await increaseTime(anvil.rpcUrl, WINDOW);
    await expectRevert(f.regulator.freezeBatch(2n, 'too late'), 'SettlementBatchStatusInvalid', [2n, 4n]);
  });

  it('lets the regulator change the window for later batches', async () => {
    const tx = await f.regulator.setChallengeWindow(5n);
    expect(events(tx)).toEqual([{ name: 'ChallengeWindowChanged', args: { challengeWindowSeconds: 5n } }]);
    expect(await f.reader.challengeWindowSeconds()).toBe(5n);
    await submit(1n);
    await increaseTime(anvil.rpcUrl, 5);
    expect(await f.reader.isFinal(1n)).toBe(true);
  });
});

describe('rejectBatch', () => {
  it('discards the batch and every later one, rolls back totals, and the gateway resubmits from there', async () => {
    await submitMany(4);
    expect(await f.reader.totalCommitted()).toBe(4_000n);
    await f.regulator.freezeBatch(2n, 'suspicious');
    await f.regulator.freezeBatch(4n, 'also');
    const tx = await f.regulator.rejectBatch(2n, 'meter tampering');
    expect(events(tx)).toEqual([
      { name: 'BatchRejected', args: { shard: 0n, batchId: 2n, discardedThrough: 4n, reasonHash: reasonHash('meter tampering') } },
    ]);
    expect(await f.reader.nextBatchId()).toBe(2n);
    expect(await f.reader.totalCommitted()).toBe(1_000n);
    expect((await f.reader.batch(2n))?.status).toBe('rejected');
    expect((await f.reader.batch(4n))?.status).toBe('rejected');
    expect((await f.reader.batch(1n))?.status).toBe('pending');
    const rejections = await f.reader.batchRejections(f.deployment.deployedAtBlock);
    expect(rejections).toEqual([
      { shard: 0, batchId: 2n, discardedThrough: 4n, reasonHash: reasonHash('meter tampering'), txHash: tx.txHash, blockNumber: tx.blockNumber },
    ]);

    await submit(2n, { totalAmount: 500n, claimsRoot: root(0x22) });
    expect(await f.reader.batch(2n)).toMatchObject({ status: 'pending', claimsRoot: root(0x22), committedThrough: 1_500n });
    expect((await f.reader.batch(3n))?.status).toBe('rejected');
    // The frozen batch 4 went with the rejection: nothing holds batch 2 back any more.
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect(await f.reader.isFinal(2n)).toBe(true);
    expect(await f.reader.batchSubmissions(f.deployment.deployedAtBlock)).toHaveLength(5);
  });

  it('keeps an earlier frozen batch frozen when a later one is rejected', async () => {
    await submitMany(3);
    await f.regulator.freezeBatch(1n, 'a');
    await f.regulator.freezeBatch(3n, 'b');
    await f.regulator.rejectBatch(3n, 'c');
    await submit(3n);
    await increaseTime(anvil.rpcUrl, WINDOW);
    expect([await f.reader.isFinal(1n), await f.reader.isFinal(2n), await f.reader.isFinal(3n)]).toEqual([false, false, false]);
  });
});

describe('pause, limits, escrow funding', () => {
  it('pause blocks submissions and withdrawals; unpause resumes', async () => {
    const paused = await f.regulator.pause('incident 7');
    expect(events(paused)).toEqual([{ name: 'Paused', args: { account: ACCOUNT.regulator, reasonHash: reasonHash('incident 7') } }]);
    expect(await f.reader.paused()).toBe(true);
    await expectRevert(submit(1n), 'SettlementPaused', []);
    await expectRevert(
      f.outsider.withdraw({ batchId: 1n, payee: ACCOUNT.payeeA, cumulativeAmount: 1n, proof: [] }),
      'SettlementPaused',
      [],
    );
    await expectRevert(f.regulator.pause('again'), 'SettlementPaused', []);
    const unpaused = await f.regulator.unpause('resolved');
    expect(events(unpaused)).toEqual([{ name: 'Unpaused', args: { account: ACCOUNT.regulator, reasonHash: reasonHash('resolved') } }]);
    await expectRevert(f.regulator.unpause('again'), 'SettlementNotPaused', []);
    await submit(1n);
  });

  it('setLimits emits LimitsChanged and reads back', async () => {
    expect(await f.reader.limits()).toEqual({ batchCap: NO_CAP, budget: NO_CAP });
    const tx = await f.regulator.setLimits({ batchCap: 10n, budget: 20n });
    expect(events(tx)).toEqual([{ name: 'LimitsChanged', args: { batchCap: 10n, budget: 20n } }]);
    expect(await f.reader.limits()).toEqual({ batchCap: 10n, budget: 20n });
  });

  it('takes limits at deployment', async () => {
    const g = await deployFixture(anvil.rpcUrl, { batchCap: 7n, budget: 9n });
    expect(await g.reader.limits()).toEqual({ batchCap: 7n, budget: 9n });
    g.close();
  });

  it('fundEscrow pulls the operator’s tokens and emits EscrowFunded with the new balance', async () => {
    await f.deployer.mint(ACCOUNT.operator, 5_000n);
    const [approve, fund] = await f.operator.fundEscrow(5_000n);
    expect(events(approve!)).toEqual([{ name: 'Approval', args: { owner: ACCOUNT.operator, spender: f.deployment.settlement, value: 5_000n } }]);
    expect(events(fund!)).toEqual([
      { name: 'Transfer', args: { from: ACCOUNT.operator, to: f.deployment.settlement, value: 5_000n } },
      { name: 'EscrowFunded', args: { from: ACCOUNT.operator, amount: 5_000n, escrowBalance: 1_005_000n } },
    ]);
    expect(await f.reader.escrowBalance()).toBe(1_005_000n);
    await expectRevert(f.operator.fundEscrow(0n), 'SettlementZeroAmount', []);
  });

  it('mint is the token admin’s', async () => {
    await expectRevert(f.operator.mint(ACCOUNT.operator, 1n), ...unauthorized(ACCOUNT.operator, ROLE.DEFAULT_ADMIN));
  });

  it('regulator functions refuse everyone else (gateway and operator included)', async () => {
    await submit(1n);
    for (const [client, account] of [
      [f.gateway, ACCOUNT.gateway],
      [f.operator, ACCOUNT.operator],
      [f.outsider, ACCOUNT.outsider],
    ] as const) {
      const denied = unauthorized(account, ROLE.REGULATOR);
      await expectRevert(client.freezeBatch(1n, 'x'), ...denied);
      await expectRevert(client.approveBatch(1n, 'x'), ...denied);
      await expectRevert(client.rejectBatch(1n, 'x'), ...denied);
      await expectRevert(client.pause('x'), ...denied);
      await expectRevert(client.unpause('x'), ...denied);
      await expectRevert(client.setLimits({ batchCap: 1n, budget: 1n }), ...denied);
      await expectRevert(client.setChallengeWindow(1n), ...denied);
    }
    await expectRevert(f.outsider.fundEscrow(1n), ...unauthorized(ACCOUNT.outsider, ROLE.OPERATOR));
  });
});
