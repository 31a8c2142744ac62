// Settlement's money invariants over random sequences on a real anvil (issue #10 items 1–3), over
// two shards (issue #13). Each seed drives STEPS random steps — submit (and resubmit after a
// rejection), freeze, approve, reject in a random shard, window changes, pause, resume, time
// advance, escrow funding, and withdraw/withdrawMany (one shard, or a sweep across both) by an
// outsider with real StandardMerkleTree proofs of each shard's cumulative payouts — and after every
// step reads the chain and checks, per shard:
//   0. its nextBatchId is the model's (a rejection in one shard leaves the other's batches live);
//   1. withdrawn by each payee from it ≤ its cumulative amount in the shard's newest final batch;
//   2. withdrawn from it (all payees) ≤ the amount committed by its final batches, and equals the
//      payees' sum;
// and globally:
//   2'. total withdrawn = Σ shards' withdrawn ≤ Σ committed by final batches; the running
//      totalCommitted = Σ totalAmount of the live batches of every shard;
//   3. escrow balance + total withdrawn = everything funded;
//   4. a pause stops the challenge clock: while paused, only an approval makes a batch final.
//
// The seeds and the findings below are from the single-shard version of this test (before #13):
// On the contract before the fix (6fd762b; checked with `git stash` of contracts/solidity) every
// seed fails, deterministically:
//   hole 1a (a batch approved while an earlier one is pending is final at once, and its cumulative
//            leaves pay the earlier batch's amounts): seed 4 (step 114, invariant 1, after paying
//            on approved batch 9 while 8 was pending, then freezing 8), seed 12 (step 253,
//            invariant 2), seed 30 (step 48, invariant 1);
//   hole 1b (the window shortened after batch N, so a later batch is final first): seed 15
//            (step 240, invariant 2: paid on batch 15 while 14 was pending), seed 22 (step 191,
//            invariant 2: paid on batch 16 while 11 was pending);
//   the pause hole (windows running out while paused): seeds 2, 3 and 7 (invariant 4).
// The failure message names the last payment made out of order, which tells the holes apart.
// With the fix every seed passed all STEPS steps. The sequences now also pick shards, so the same
// seeds draw other steps; the old contract has no shard argument to replay them on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from '@feedin/protocol/hex';
import type { StartAnvilReturnType } from '../src/anvil.js';
import { decodeRevert } from '../src/chain-error.js';
import { contractInterface } from '../src/contract-interfaces.js';
import { ACCOUNT, deployFixture, startChain, type Fixture } from './support.js';

const SEEDS = [4, 12, 30, 15, 22, 2, 3, 7];
const STEPS = 260; // × 8 seeds = 2,080 steps
const T0 = 1_795_000_500n;
const INITIAL_ESCROW = 10_000_000n;
const PAYEES = [ACCOUNT.payeeA, ACCOUNT.payeeB, ACCOUNT.payeeC, ACCOUNT.outsider];
const WINDOWS = [0n, 10n, 60n, 120n, 600n];
const STATUS = ['none', 'pending', 'frozen', 'approved', 'final', 'rejected'] as const;
const KINDS = ['advance', 'approve', 'freeze', 'fund', 'pause', 'reject', 'submit', 'unpause', 'window', 'withdraw', 'withdrawMany'];
/** two shards, not 0 and 1: shard ids are labels, not indexes */
const SHARDS = [0, 3];
const settlement = contractInterface('Settlement');
const token = contractInterface('SettlementToken');

let anvil: StartAnvilReturnType;
beforeAll(async () => {
  anvil = await startChain();
});
afterAll(async () => {
  await anvil?.stop();
});

/** mulberry32: a small seeded PRNG, so that a seed replays the same sequence. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!, chance: (p: number) => next() < p };
}

type Payout = [string, bigint];
interface ModelBatch {
  id: bigint;
  totalAmount: bigint;
  tree: StandardMerkleTree<Payout>;
  cumulative: Map<string, bigint>;
}

async function rpcBatch(calls: { method: string; params: unknown[] }[]): Promise<{ result?: string; error?: { message: string; data?: string } }[]> {
  const response = await fetch(anvil.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, ...c }))),
  });
  const answers = (await response.json()) as { id: number; result?: string; error?: { message: string; data?: string } }[];
  return answers.sort((x, y) => x.id - y.id);
}

/** One sequence: deploy, then `steps` random steps, checking the invariants after each. Returns
 * how many steps of each kind succeeded. */
async function runSequence(seed: number, steps: number): Promise<Record<string, number>> {
  const f: Fixture = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: 60, initialEscrow: INITIAL_ESCROW });
  const { settlement: at, token: tokenAt } = f.deployment;
  f.close();
  const r = prng(seed);
  const lives: ModelBatch[][] = SHARDS.map(() => []);
  let funded = INITIAL_ESCROW;
  const trace: string[] = [];
  /** withdrawals that succeeded on a batch while an earlier one was not final (the holes at work) */
  const paidOutOfOrder: string[] = [];
  let previous: { final: boolean[][]; paused: boolean } | null = null;

  /** The call's revert name, or 'ok' after it was mined successfully. */
  const send = async (from: Hex, to: string, data: string): Promise<string> => {
    const [simulated] = await rpcBatch([{ method: 'eth_call', params: [{ from, to, data }, 'latest'] }]);
    if (simulated!.error) return decodeRevert(simulated!.error.data)?.name ?? simulated!.error.message;
    const [sent] = await rpcBatch([{ method: 'eth_sendTransaction', params: [{ from, to, data, gas: '0x2dc6c0' }] }]);
    await rpcBatch([{ method: 'evm_mine', params: [] }]);
    const [receipt] = sent!.error ? [sent] : await rpcBatch([{ method: 'eth_getTransactionReceipt', params: [sent!.result] }]);
    const status = (receipt!.result as unknown as { status?: string } | null)?.status;
    if (status !== '0x1') throw new Error(`seed ${seed}: ${data.slice(0, 10)} passed eth_call but was not mined successfully: ${JSON.stringify(receipt)}`);
    return 'ok';
  };
  const call = (fn: string, args: unknown[], to = at) => ({ method: 'eth_call', params: [{ to, data: settlement.encodeFunctionData(fn, args) }, 'latest'] });

  async function readState() {
    const perShard = SHARDS.map((shard, k) => [
      call('nextBatchId', [shard]),
      call('shardWithdrawn', [shard]),
      ...PAYEES.map((p) => call('withdrawn', [shard, p])),
      ...lives[k]!.flatMap((b) => [call('status', [shard, b.id]), call('isFinal', [shard, b.id])]),
    ]);
    const answers = await rpcBatch([
      call('paused', []),
      call('totalWithdrawn', []),
      call('totalCommitted', []),
      { method: 'eth_call', params: [{ to: tokenAt, data: token.encodeFunctionData('balanceOf', [at]) }, 'latest'] },
      ...perShard.flat(),
    ]);
    const value = (i: number) => {
      const a = answers[i]!;
      if (a.error) throw new Error(`read ${i}: ${a.error.message}`);
      return BigInt(a.result!);
    };
    let at_ = 4;
    const shards = SHARDS.map((_, k) => {
      const base = at_;
      at_ += 2 + PAYEES.length + 2 * lives[k]!.length;
      const ids = lives[k]!;
      const first = base + 2 + PAYEES.length;
      return {
        nextBatchId: value(base),
        shardWithdrawn: value(base + 1),
        withdrawn: PAYEES.map((_, i) => value(base + 2 + i)),
        status: ids.map((_, i) => STATUS[Number(value(first + 2 * i))]!),
        final: ids.map((_, i) => value(first + 2 * i + 1) === 1n),
      };
    });
    return { paused: value(0) === 1n, totalWithdrawn: value(1), totalCommitted: value(2), escrowBalance: value(3), shards };
  }
  type State = Awaited<ReturnType<typeof readState>>;

  function check(step: number, action: string, s: State): void {
    const fail = (message: string) => {
      throw new Error(
        `seed ${seed}, step ${step} (${action}): ${message}\nlast payment out of order: ${paidOutOfOrder.at(-1) ?? 'none'}\nlast steps:\n  ${trace.slice(-15).join('\n  ')}`,
      );
    };
    let allWithdrawn = 0n;
    let allCommittedFinal = 0n;
    let allLive = 0n;
    SHARDS.forEach((shard, k) => {
      const live = lives[k]!;
      const q = s.shards[k]!;
      if (q.nextBatchId !== BigInt(live.length + 1)) fail(`invariant 0: shard ${shard} nextBatchId ${q.nextBatchId}, model ${live.length + 1}`);
      const newestFinal = q.final.lastIndexOf(true);
      PAYEES.forEach((payee, i) => {
        const due = newestFinal < 0 ? 0n : (live[newestFinal]!.cumulative.get(payee) ?? 0n);
        if (q.withdrawn[i]! > due) fail(`invariant 1: ${payee} withdrew ${q.withdrawn[i]} from shard ${shard}, its newest final batch ${newestFinal + 1} gives it ${due}`);
      });
      const committedFinal = live.reduce((sum, b, i) => (q.final[i] ? sum + b.totalAmount : sum), 0n);
      const payeesSum = q.withdrawn.reduce((a, b) => a + b, 0n);
      if (q.shardWithdrawn !== payeesSum) fail(`invariant 2: shard ${shard} reports ${q.shardWithdrawn} withdrawn, its payees ${payeesSum}`);
      if (q.shardWithdrawn > committedFinal) fail(`invariant 2: shard ${shard} paid ${q.shardWithdrawn} > ${committedFinal} committed by its final batches`);
      allWithdrawn += q.shardWithdrawn;
      allCommittedFinal += committedFinal;
      allLive += live.reduce((sum, b) => sum + b.totalAmount, 0n);
      if (previous?.paused && s.paused && !action.startsWith('approve')) {
        const turned = q.final.findIndex((isFinal, i) => isFinal && previous!.final[k]![i] === false);
        if (turned >= 0) fail(`invariant 4: shard ${shard} batch ${turned + 1} turned final during a pause (${action})`);
      }
    });
    if (s.totalWithdrawn !== allWithdrawn) fail(`invariant 2': total withdrawn ${s.totalWithdrawn} ≠ Σ shards ${allWithdrawn}`);
    if (s.totalWithdrawn > allCommittedFinal) fail(`invariant 2': total withdrawn ${s.totalWithdrawn} > ${allCommittedFinal} committed by final batches`);
    if (s.totalCommitted !== allLive) fail(`invariant 2': totalCommitted ${s.totalCommitted} ≠ Σ live batches ${allLive}`);
    if (s.escrowBalance + s.totalWithdrawn !== funded) fail(`invariant 3: escrow ${s.escrowBalance} + withdrawn ${s.totalWithdrawn} ≠ funded ${funded}`);
    previous = { final: s.shards.map((q) => q.final), paused: s.paused };
  }

  function newBatch(live: ModelBatch[], id: bigint): ModelBatch {
    const before = live.at(-1)?.cumulative ?? new Map<string, bigint>();
    const cumulative = new Map(before);
    let totalAmount = 0n;
    for (const payee of PAYEES) {
      const amount = r.chance(0.3) ? 0n : BigInt(1 + r.int(500));
      cumulative.set(payee, (cumulative.get(payee) ?? 0n) + amount);
      totalAmount += amount;
    }
    const tree = StandardMerkleTree.of<Payout>([...cumulative], ['address', 'uint256']);
    return { id, totalAmount, tree, cumulative };
  }
  const leaf = (b: ModelBatch, payee: string) => {
    for (const [i, [address, amount]] of b.tree.entries()) if (address === payee) return { amount, proof: b.tree.getProof(i) };
    throw new Error(`no leaf for ${payee}`);
  };

  /** Runs one random step; returns its label for the trace. */
  async function step(s: State): Promise<string> {
    const roll = r.int(100);
    // Approvals and rejections go to a shard with a frozen batch when there is one (else they would
    // mostly be refused, and a rejection hardly ever tried).
    const frozenIn = s.shards.findIndex((x) => x.status.includes('frozen'));
    const k = roll >= 30 && roll < 46 && frozenIn >= 0 && r.chance(0.8) ? frozenIn : r.int(SHARDS.length);
    const shard = SHARDS[k]!;
    const live = lives[k]!;
    const q = s.shards[k]!;
    const withStatus = (name: string) => live.filter((_, i) => q.status[i] === name);
    if (roll < 18) {
      const b = newBatch(live, BigInt(live.length + 1));
      const claimsRoot = `0x${r.int(2 ** 30).toString(16).padStart(64, '0')}`;
      const data = settlement.encodeFunctionData('submitBatch', [shard, b.id, T0 + (b.id - 1n) * 900n, T0 + b.id * 900n, claimsRoot, b.tree.root, 4, 1_000n, b.totalAmount]);
      const outcome = await send(ACCOUNT.gateway, at, data);
      if (outcome === 'ok') live.push(b);
      return `submit ${shard}/${b.id} (${b.totalAmount}): ${outcome}`;
    }
    if (roll < 30) {
      const target = r.pick(withStatus('pending').length ? withStatus('pending') : live)?.id ?? 1n;
      return `freeze ${shard}/${target}: ${await send(ACCOUNT.regulator, at, settlement.encodeFunctionData('freezeBatch', [shard, target, `0x${'01'.repeat(32)}`]))}`;
    }
    if (roll < 40 || (roll < 46 && withStatus('frozen').length === 0)) {
      const target = r.pick(withStatus('frozen').length ? withStatus('frozen') : live)?.id ?? 1n;
      return `approve ${shard}/${target}: ${await send(ACCOUNT.regulator, at, settlement.encodeFunctionData('approveBatch', [shard, target, `0x${'02'.repeat(32)}`]))}`;
    }
    if (roll < 46) {
      const target = r.pick(withStatus('frozen')).id;
      const outcome = await send(ACCOUNT.regulator, at, settlement.encodeFunctionData('rejectBatch', [shard, target, `0x${'03'.repeat(32)}`]));
      if (outcome === 'ok') live.length = Number(target) - 1;
      return `reject ${shard}/${target}: ${outcome}`;
    }
    if (roll < 51) {
      const seconds = r.pick(WINDOWS);
      return `window ${seconds}: ${await send(ACCOUNT.regulator, at, settlement.encodeFunctionData('setChallengeWindow', [seconds]))}`;
    }
    if (roll < 57) {
      const fn = s.paused ? 'unpause' : 'pause';
      return `${fn}: ${await send(ACCOUNT.regulator, at, settlement.encodeFunctionData(fn, [`0x${'04'.repeat(32)}`]))}`;
    }
    if (roll < 75) {
      const seconds = r.chance(0.1) ? 300 + r.int(600) : 1 + r.int(90);
      await rpcBatch([
        { method: 'evm_increaseTime', params: [seconds] },
        { method: 'evm_mine', params: [] },
      ]);
      return `advance ${seconds} s`;
    }
    if (roll < 97 && live.length > 0) {
      const pickBatch = (j: number) => {
        const finals = lives[j]!.filter((_, i) => s.shards[j]!.final[i]);
        return r.chance(0.75) && finals.length ? r.pick(finals.slice(-3)) : r.pick(lives[j]!);
      };
      const b = pickBatch(k);
      if (roll < 88) {
        const payee = r.pick(PAYEES);
        const { amount, proof } = leaf(b, payee);
        return `withdraw ${shard}/${b.id} ${payee.slice(0, 6)} ${amount}: ${await send(ACCOUNT.outsider, at, settlement.encodeFunctionData('withdraw', [shard, b.id, payee, amount, proof]))}`;
      }
      // Half the sweeps go across both shards (a household's payouts from every shard at once).
      const other = 1 - k;
      const across = r.chance(0.5) && lives[other]!.length > 0 ? pickBatch(other) : undefined;
      const list = PAYEES.map((p) => [shard, b.id, p, leaf(b, p).amount, leaf(b, p).proof]);
      if (across) list.push(...PAYEES.map((p) => [SHARDS[other]!, across.id, p, leaf(across, p).amount, leaf(across, p).proof]));
      const data = settlement.encodeFunctionData('withdrawMany', [list]);
      return `withdrawMany ${shard}/${b.id}${across ? ` + ${SHARDS[other]}/${across.id}` : ''}: ${await send(ACCOUNT.operator, at, data)}`;
    }
    const amount = BigInt(1 + r.int(100_000));
    const outcome = await send(ACCOUNT.deployer, tokenAt, token.encodeFunctionData('mint', [at, amount]));
    if (outcome === 'ok') funded += amount;
    return `fund ${amount}: ${outcome}`;
  }

  // anvil's automine answers eth_sendTransaction before the block is in, so a read right after
  // could miss the step: the sequence mines each transaction itself (send above).
  await rpcBatch([{ method: 'evm_setAutomine', params: [false] }]);
  const succeeded: Record<string, number> = {};
  try {
    let state = await readState();
    check(0, 'deploy', state);
    for (let i = 1; i <= steps; i++) {
      const action = await step(state);
      trace.push(`${i}: ${action}`);
      const kind = action.split(' ')[0]!.replace(':', '');
      if (action.endsWith(': ok') || kind === 'advance') succeeded[kind] = (succeeded[kind] ?? 0) + 1;
      const paidOn = /^withdraw(?:Many)? (\d+)\/(\d+).*: ok$/.exec(action);
      const q = paidOn ? state.shards[SHARDS.indexOf(Number(paidOn[1]))]! : undefined;
      const waiting = paidOn && q ? q.final.slice(0, Number(paidOn[2]) - 1).indexOf(false) : -1;
      if (paidOn && q && waiting >= 0) {
        const b = Number(paidOn[2]);
        paidOutOfOrder.push(`step ${i}: paid on shard ${paidOn[1]} batch ${b} (${q.status[b - 1]}) while batch ${waiting + 1} was ${q.status[waiting]}`);
      }
      state = await readState();
      check(i, action, state);
    }
  } finally {
    await rpcBatch([{ method: 'evm_setAutomine', params: [true] }]);
  }
  return succeeded;
}

describe('Settlement invariants on a real anvil, random sequences', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${STEPS} steps keep every payout covered by final batches`, async () => {
      const succeeded = await runSequence(seed, STEPS);
      console.log(`seed ${seed}, steps that went through: ${JSON.stringify(succeeded)}`);
      // A sequence that never got a withdrawal (or any other kind of step) through tests little.
      expect(Object.keys(succeeded).sort()).toEqual(KINDS);
    }, 60_000);
  }
});
