// Faults around settlement on the real embedded sandbox: the chain node goes away for several
// intervals and comes back (the gateway keeps building, then submits the backlog in order), and
// `feedin up` is killed with SIGKILL in the middle of that catch-up; after both, every batch is on chain exactly
// once, in order, and rebuilds from the stored signed readings to the same roots and totals
// (`feedin audit batch`: the independent recomputation of claims and payouts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { createChainClient } from '@feedin/contracts/chain-client';
import type { Deployment } from '@feedin/contracts/deploy';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-faults-regulator-token';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('chain node down for several intervals, then a crash', () => {
  let sandbox: SandboxProcess;
  let chainConfig: { chainId: number; blockTimeSeconds?: number };
  let ourAnvil: StartAnvilReturnType | undefined;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-faults-chain-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 5;
      config.meters = config.meters.slice(0, 4);
      chainConfig = config.chain;
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    await ourAnvil?.stop();
  });

  const batches = async () => ((await sandbox.api('/api/batches?limit=500', REGULATOR_TOKEN)).body.batches as any[]).filter((b) => b.status !== 'rejected');
  const onChain = async () => (await batches()).filter((b) => b.txHash !== null);

  it('builds while the chain is down, submits the backlog in order once it is back, and survives kill -9', async () => {
    await sandbox.waitFor('a batch with claims on chain', async () => (await onChain()).some((b) => b.claimCount > 0), 120_000);
    const stateFile = join(sandbox.dataDir, 'chain', 'anvil-state.json');
    const anvilPid = Number(await readFile(join(sandbox.dataDir, 'chain', 'anvil.pid'), 'utf8'));
    // SIGTERM: anvil dumps its state and exits, like a node taken down for maintenance.
    process.kill(anvilPid, 'SIGTERM');
    await sandbox.waitFor('anvil gone', async () => !alive(anvilPid), 30_000);
    const submittedBefore = (await onChain()).length;

    await sandbox.waitFor('three batches built while the chain is down', async () => (await batches()).filter((b) => b.txHash === null).length >= 3, 120_000);
    const health = await sandbox.api('/api/health');
    expect(health.body.status).toBe('degraded');
    expect((await onChain()).length).toBe(submittedBefore);

    ourAnvil = await startAnvil({ port: sandbox.chainPort, stateFile, chainId: chainConfig.chainId, ...(chainConfig.blockTimeSeconds ? { blockTimeSeconds: chainConfig.blockTimeSeconds } : {}) });
    // Crash in the middle of the catch-up: the first backlog batch is on chain, others are not yet.
    await sandbox.waitFor('the catch-up under way', async () => (await onChain()).length > submittedBefore, 120_000);
    expect(await sandbox.stop('SIGKILL')).toBeNull();
    // Hand the chain back to `feedin up` (it runs its own node on the same state and port).
    await ourAnvil.stop();
    ourAnvil = undefined;
    await sandbox.start();
    await sandbox.waitFor('the backlog and one more batch on chain', async () => (await onChain()).length >= submittedBefore + 4, 180_000);

    const list = (await batches()).sort((a, b) => Number(a.batchId) - Number(b.batchId));
    list.forEach((b, i) => {
      expect(Number(b.batchId)).toBe(i + 1);
      if (i > 0) expect(b.intervalStartMs).toBe(list[i - 1].intervalEndMs);
    });
    const submitted = list.filter((b) => b.txHash !== null);
    // Submitted in batch order: block numbers never go down as batch ids go up.
    submitted.forEach((b, i) => i > 0 && expect(b.blockNumber).toBeGreaterThanOrEqual(submitted[i - 1].blockNumber));
    expect(new Set(submitted.map((b) => b.txHash)).size).toBe(submitted.length);

    const deployment = JSON.parse(await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8')) as Deployment;
    const chain = createChainClient({ rpcUrl: `http://127.0.0.1:${sandbox.chainPort}`, chainId: deployment.chainId, deployment });
    try {
      expect(await chain.nextBatchId()).toBeGreaterThanOrEqual(BigInt(submitted.length + 1));
      for (const b of submitted) expect((await chain.batch(BigInt(b.batchId)))?.claimsRoot).toBe(b.claimsRoot);
    } finally {
      await chain.close();
    }

    // Independent recomputation: every batch with claims rebuilds from the signed readings.
    for (const b of submitted.filter((x) => x.claimCount > 0)) {
      const audit = await runCli(['audit', 'batch', String(b.batchId)], { ...sandbox.env, FEEDIN_LANG: 'en' });
      expect(audit.stdout + audit.stderr).toMatch(/PASS/);
      expect(audit.code).toBe(0);
    }
  }, 420_000);
});
