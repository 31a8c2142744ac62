// `feedin up` with `chain.mode: rpc` against a node it did not start — here an anvil set up like
// the Besu QBFT consortium (2 s blocks, zero base fee, chain id 1337) — deploys the contracts once,
// settles batches on it, and on restart reuses the deployment instead of deploying again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-rpc-regulator-token';
const CHAIN_ID = 1337;

describe('feedin up with chain.mode rpc (a Besu-like node started outside)', () => {
  let anvil: StartAnvilReturnType;
  let sandbox: SandboxProcess;

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID, blockTimeSeconds: 2, baseFeeZero: true });
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-rpc-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.chain.mode = 'rpc';
      config.chain.rpcUrl = anvil.rpcUrl;
      // this anvil is as local as the embedded one: its public test keys are fine here
      config.chain.allowPublicSandboxKeys = true;
      config.chain.chainId = CHAIN_ID;
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 5;
      config.meters = config.meters.slice(0, 4);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
    await startedFully(sandbox);
  }, 180_000);

  afterAll(async () => {
    await sandbox?.stop();
    await anvil?.stop();
  });

  it('deploys to the given node and settles a batch with claims on it', async () => {
    const deployment = JSON.parse(await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8'));
    expect(deployment.chainId).toBe(CHAIN_ID);
    const runtime = JSON.parse(await readFile(join(sandbox.dataDir, 'runtime.json'), 'utf8'));
    expect(runtime.rpcUrl).toBe(anvil.rpcUrl);
    expect(sandbox.output()).toContain('contracts deployed');

    const batch = await sandbox.waitFor(
      'a settled batch with claims on the outside node',
      async () => {
        const { body } = await sandbox.api('/api/batches', REGULATOR_TOKEN);
        return (body.batches ?? body).find((b: any) => b.claimCount > 0 && /^0x[0-9a-f]{64}$/.test(b.txHash ?? ''));
      },
      150_000,
    );
    expect(BigInt(batch.totalAmount)).toBeGreaterThan(0n);
    // The transaction is on the node we started, and cost nothing (zero base fee, gas price 0).
    const receipt = await rpcCall(anvil.rpcUrl, 'eth_getTransactionReceipt', [batch.txHash]);
    expect(receipt).toMatchObject({ status: '0x1', effectiveGasPrice: '0x0', to: deployment.settlement.toLowerCase() });
  }, 180_000);

  it('reuses the deployment after a restart (no second deployment on the same chain)', async () => {
    const before = await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8');
    expect(await sandbox.stop()).toBe(0);
    await sandbox.start();
    await startedFully(sandbox);
    expect(sandbox.output()).toContain('contracts reused');
    expect(await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8')).toBe(before);
  }, 120_000);
});

async function rpcCall(rpcUrl: string, method: string, params: unknown[]): Promise<any> {
  const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await response.json()) as { result: unknown }).result;
}

/** The HTTP API answers before `feedin up` has finished starting (fleet, runtime.json); a SIGTERM
 * before that point would end it without its shutdown handlers. */
async function startedFully(sandbox: SandboxProcess): Promise<void> {
  await sandbox.waitFor('runtime.json', async () => JSON.parse(await readFile(join(sandbox.dataDir, 'runtime.json'), 'utf8')), 60_000);
  await sandbox.waitFor('the regulator login line', async () => sandbox.output().includes('regulator login:'), 60_000);
}
