// The chain client on a real anvil with freshly deployed contracts passes the settlement chain
// port's conformance suite, the same one the in-memory fake passes (fake-chain.test.ts).
import type { StartAnvilReturnType } from '@feedin/contracts/anvil';
import { afterAll, beforeAll } from 'vitest';
import { deployFixture, increaseTime, startChain } from '../../../contracts/test/support.js';
import { describeSettlementChainConformance } from '../../src/settlement/settlement-chain.conformance.js';

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
