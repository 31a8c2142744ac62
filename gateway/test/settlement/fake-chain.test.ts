// The in-memory fake passes the same conformance suite as the chain client on anvil
// (settlement-chain-anvil.test.ts), so the settlement tests that use it test against the contract's rules.
import { describeSettlementChainConformance } from '../../src/settlement/settlement-chain.conformance.js';
import { FakeChain } from './fake-chain.js';

describeSettlementChainConformance('in-memory fake', async () => {
  const fake = new FakeChain();
  return {
    chain: fake,
    freeze: async (batchId) => fake.freeze(batchId),
    approve: async (batchId) => fake.approve(batchId),
    reject: async (batchId) => fake.reject(batchId),
    pause: async () => {
      fake.isPaused = true;
    },
    unpause: async () => {
      fake.isPaused = false;
    },
    endSandbox: async (endSec) => {
      fake.sandboxEndSec = endSec;
    },
    passChallengeWindow: async () => fake.passChallengeWindow(),
    close: async () => {},
  };
});
