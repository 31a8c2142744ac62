// The chain client on a real anvil with freshly deployed contracts passes the settlement chain
// port's conformance suite, the same one the in-memory fake passes (fake-chain.test.ts): as shard 0
// (a single gateway, the default), and bound to shard 2 beside a shard 0 that has batches and a
// rejection of its own, which must not show through (issue #13: shards share only the chain).
import type { StartAnvilReturnType } from '@feedin/contracts/anvil';
import { afterAll, beforeAll } from 'vitest';
import { deployFixture, increaseTime, startChain } from '../../../contracts/test/support.js';
import { conformanceBatch, describeSettlementChainConformance } from '../../src/settlement/settlement-chain.conformance.js';
import { shardSettlementChain } from '../../src/settlement/shard-chain.js';

const WINDOW_SECONDS = 60;
let anvil: StartAnvilReturnType;
beforeAll(async () => {
  anvil = await startChain();
});
afterAll(async () => {
  await anvil?.stop();
});

describeSettlementChainConformance('chain client on anvil', async () => {
  const f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW_SECONDS });
  return {
    chain: f.gateway,
    freeze: async (batchId) => void (await f.regulator.freezeBatch(batchId, 'conformance')),
    approve: async (batchId) => void (await f.regulator.approveBatch(batchId, 'conformance')),
    reject: async (batchId) => void (await f.regulator.rejectBatch(batchId, 'conformance')),
    pause: async () => void (await f.regulator.pause('conformance')),
    unpause: async () => void (await f.regulator.unpause('conformance')),
    endSandbox: async (endSec) => void (await f.regulator.endSandbox(endSec, 'conformance')),
    passChallengeWindow: () => increaseTime(anvil.rpcUrl, WINDOW_SECONDS + 1),
    close: async () => f.close(),
  };
});

describeSettlementChainConformance('chain client on anvil, shard 2 beside a busy shard 0', async () => {
  const f = await deployFixture(anvil.rpcUrl, { challengeWindowSeconds: WINDOW_SECONDS });
  const SHARD = 2;
  // Shard 0 has its own batches 1 and 2 and a rejection of 2, on other intervals.
  const far = (id: bigint) => ({ ...conformanceBatch(id), intervalStartSec: conformanceBatch(id + 50n).intervalStartSec, intervalEndSec: conformanceBatch(id + 50n).intervalEndSec });
  await f.gateway.submitBatch(far(1n));
  await f.gateway.submitBatch(far(2n));
  await f.regulator.freezeBatch(2n, 'other shard');
  await f.regulator.rejectBatch(2n, 'other shard');
  return {
    chain: shardSettlementChain(f.gateway, SHARD),
    freeze: async (batchId) => void (await f.regulator.freezeBatch(batchId, 'conformance', SHARD)),
    approve: async (batchId) => void (await f.regulator.approveBatch(batchId, 'conformance', SHARD)),
    reject: async (batchId) => void (await f.regulator.rejectBatch(batchId, 'conformance', SHARD)),
    pause: async () => void (await f.regulator.pause('conformance')),
    unpause: async () => void (await f.regulator.unpause('conformance')),
    endSandbox: async (endSec) => void (await f.regulator.endSandbox(endSec, 'conformance')),
    passChallengeWindow: () => increaseTime(anvil.rpcUrl, WINDOW_SECONDS + 1),
    close: async () => f.close(),
  };
});
