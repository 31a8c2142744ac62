// The chain client on a chain set up like the docker-compose Besu QBFT consortium: 2 s blocks,
// zero base fee, gas price 0, and signers whose accounts hold no ether at all (Besu free gas: the
// gateway's key needs no funding). A burst from one signer must keep its nonces in order and never
// have more than `maxPendingPerSender` transactions in the node's pool (Besu refuses a sender
// beyond its per-sender pool limits). The genesis of the compose file is checked against the
// project's EVM version here too, since both must name the same hardfork.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import type { Hex } from '@feedin/protocol/hex';
import { startAnvil, type StartAnvilReturnType } from '../src/anvil.js';
import { createChainClient, type ChainClient } from '../src/chain-client.js';
import { deployContracts, verifyDeployment, type Deployment } from '../src/deploy.js';
import { EVM_VERSION } from '../src/evm-version.js';
import { PUBLIC_KEY, root, rpc } from './support.js';

const CHAIN_ID = 1337;
const MAX_PENDING = 4;
const REGISTRATIONS = 24;
const BATCHES = 6;

// Fresh keys with a zero balance: on a zero-base-fee chain nothing needs funding.
const key = () => Wallet.createRandom().privateKey as Hex;
const KEYS = { deployer: key(), gateway: key(), regulator: key(), operator: key() };
const address = (k: Hex) => new Wallet(k).address as Hex;

describe('on a chain like Besu QBFT (2 s blocks, zero base fee, unfunded signers)', () => {
  let anvil: StartAnvilReturnType;
  let provider: JsonRpcProvider;
  let deployment: Deployment;
  let operator: ChainClient;
  let gateway: ChainClient;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID, blockTimeSeconds: 2, baseFeeZero: true });
    provider = new JsonRpcProvider(anvil.rpcUrl, CHAIN_ID, { staticNetwork: true });
  }, 60_000);
  afterAll(async () => {
    operator?.close();
    gateway?.close();
    provider?.destroy();
    await anvil?.stop();
  });

  it('deploys from an account that holds no ether', async () => {
    expect((await provider.getBlock('latest'))?.baseFeePerGas).toBe(0n);
    expect(await provider.getBalance(address(KEYS.deployer))).toBe(0n);
    deployment = await deployContracts({
      rpcUrl: anvil.rpcUrl,
      chainId: CHAIN_ID,
      deployerKey: KEYS.deployer,
      roles: { gateway: address(KEYS.gateway), regulator: address(KEYS.regulator), operator: address(KEYS.operator) },
      token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000n },
      challengeWindowSeconds: 60,
      pollingIntervalMs: 100,
    });
    expect(await verifyDeployment(anvil.rpcUrl, deployment)).toBe(true);
    expect(deployment.evmVersion).toBe(EVM_VERSION);
    const client = (signerKey: Hex) => createChainClient({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID, deployment, signerKey, pollingIntervalMs: 100, maxPendingPerSender: MAX_PENDING });
    operator = client(KEYS.operator);
    gateway = client(KEYS.gateway);
  }, 60_000);

  it('sends bursts of registrations and batches with ordered nonces, within the per-sender pool bound, for no fee', async () => {
    // Watch the node's pool while the bursts run: the most transactions of each signer seen at once.
    const most = { operator: 0, gateway: 0 };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const content = (await rpc(anvil.rpcUrl, 'txpool_content')) as { pending: Record<string, Record<string, unknown>>; queued: Record<string, Record<string, unknown>> };
        const inPool = (who: Hex) =>
          ['pending', 'queued'].reduce((n, part) => {
            const bySender = content[part as 'pending' | 'queued'];
            const entry = Object.entries(bySender).find(([a]) => a.toLowerCase() === who.toLowerCase());
            return n + (entry ? Object.keys(entry[1]).length : 0);
          }, 0);
        most.operator = Math.max(most.operator, inPool(address(KEYS.operator)));
        most.gateway = Math.max(most.gateway, inPool(address(KEYS.gateway)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const ids = Array.from({ length: REGISTRATIONS }, (_, i) => `besu-${String(i).padStart(3, '0')}`);
    const registrations = Promise.all(ids.map((meterId) => operator.registerMeter({ meterId, publicKey: PUBLIC_KEY, payee: address(KEYS.regulator), capacityW: 5000 })));
    // Batches depend on each other (contiguous intervals, sequential ids), so the gateway sends them
    // one after the other; they still share the pool with nothing else of the gateway's.
    const submits = (async () => {
      const sent = [];
      for (let b = 1; b <= BATCHES; b++) {
        const start = 1_800_000_000n + BigInt(b - 1) * 900n;
        sent.push(
          await gateway.submitBatch({ batchId: BigInt(b), intervalStartSec: start, intervalEndSec: start + 900n, claimsRoot: root(b), payoutsRoot: root(b + 100), claimCount: 3n, totalExportWh: 1500n, totalAmount: 1000n }),
        );
      }
      return sent;
    })();
    const [registered, submitted] = await Promise.all([registrations, submits]);
    watching = false;
    await watcher;

    const all = [...registered, ...submitted];
    const txs = await Promise.all(all.map((r) => provider.getTransaction(r.txHash)));
    const receipts = await Promise.all(all.map((r) => provider.getTransactionReceipt(r.txHash)));
    const operatorNonces = txs.slice(0, REGISTRATIONS).map((t) => t!.nonce);
    // In order of the calls: the burst is serialised, so nonce order = call order, without gaps.
    expect(operatorNonces).toEqual(Array.from({ length: REGISTRATIONS }, (_, i) => operatorNonces[0]! + i));
    expect(txs.slice(REGISTRATIONS).map((t) => t!.nonce)).toEqual(Array.from({ length: BATCHES }, (_, i) => i));
    expect(most.operator).toBeGreaterThan(1); // the bursts really overlapped in the pool …
    expect(most.operator).toBeLessThanOrEqual(MAX_PENDING); // … but never beyond the bound
    expect(most.gateway).toBeLessThanOrEqual(MAX_PENDING);
    expect(new Set(registered.map((r) => r.blockNumber)).size).toBeGreaterThan(1);

    // Zero fees: every transaction priced at 0, and the signers' balances are still 0.
    expect(txs.every((t) => t!.type === 2 && t!.maxFeePerGas === 0n && t!.maxPriorityFeePerGas === 0n)).toBe(true);
    expect(receipts.every((r) => r!.status === 1 && r!.gasPrice === 0n)).toBe(true);
    expect(receipts.reduce((gas, r) => gas + r!.gasUsed, 0n)).toBeGreaterThan(0n);
    for (const k of Object.values(KEYS)) expect(await provider.getBalance(address(k))).toBe(0n);

    expect((await operator.meters()).map((m) => m.meterId).sort()).toEqual(ids);
    console.log(`besu-like: ${REGISTRATIONS} registrations + ${BATCHES} batches in ${new Set(all.map((r) => r.blockNumber)).size} blocks; most in pool per sender ${most.operator}/${MAX_PENDING}`);
  }, 180_000);
});

describe('the docker-compose Besu genesis', () => {
  it("names the hardfork of solc's evmVersion, free gas and QBFT with 4 validators", async () => {
    const genesis = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'deploy', 'besu', 'genesis.json'), 'utf8'));
    // docs/design.md §Chain: Solidity evmVersion = anvil --hardfork = Besu milestone; cancun is the
    // last QBFT runs here.
    expect(EVM_VERSION).toBe('cancun');
    expect(genesis.config.cancunTime).toBe(0);
    expect(genesis.config.shanghaiTime).toBe(0);
    expect(genesis.config.pragueTime).toBeUndefined();
    expect(genesis.config.zeroBaseFee).toBe(true);
    expect(genesis.config.chainId).toBe(CHAIN_ID);
    expect(genesis.config.qbft.blockperiodseconds).toBe(2);
    expect(genesis.baseFeePerGas).toBe('0x0');
    // extraData = RLP([32 zero bytes vanity, [4 validator addresses], [], null round, []]).
    expect(genesis.extraData).toMatch(/^0xf87aa0(00){32}f854(94[0-9a-f]{40}){4}c080c0$/);
  });
});
