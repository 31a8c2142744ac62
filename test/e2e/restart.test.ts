// Crash and resume: `feedin up` is killed with SIGKILL in the middle of its work (its anvil child
// is orphaned, as after a real crash) and started again on the same data dir. The gateway must read
// the chain and carry on: no batch sent twice, no interval skipped, no acknowledged reading lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChainClient } from '@feedin/contracts/chain-client';
import type { Deployment } from '@feedin/contracts/deploy';
import { startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-regulator-token';
const METERS = 6;

describe('feedin up after kill -9', () => {
  let sandbox: SandboxProcess;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-restart-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 5;
      config.meters = config.meters.slice(0, METERS);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  const clockFile = async () => JSON.parse(await readFile(join(sandbox.dataDir, 'clock.json'), 'utf8')) as { wallMs: number; sandboxMs: number; speed: number; seenSandboxMs?: number; stopped?: boolean };
  const batches = async () => (await sandbox.api('/api/batches?limit=500', REGULATOR_TOKEN)).body.batches as any[];
  const submitted = async () => (await batches()).filter((b) => b.txHash !== null && b.status !== 'rejected');

  it('resumes from the chain with every interval settled exactly once and no reading lost', async () => {
    await sandbox.waitFor('two batches with claims on chain', async () => (await submitted()).filter((b) => b.claimCount > 0).length >= 2, 120_000);
    const seenBeforeKill = (await clockFile()).seenSandboxMs!;
    expect(await sandbox.stop('SIGKILL')).toBeNull();

    await sandbox.start();
    // The clock resumes where it got (at most two heartbeats past the last record read), not where
    // the wall clock would put it after the downtime.
    const resumed = await clockFile();
    expect(resumed.sandboxMs).toBeGreaterThanOrEqual(seenBeforeKill);
    expect(resumed.sandboxMs).toBeLessThanOrEqual(seenBeforeKill + 2 * 1_000 * resumed.speed);
    expect(sandbox.output()).toMatch(/ended anvil \d+ left running/);
    const before = (await submitted()).length;
    await sandbox.waitFor('two more batches after the restart', async () => (await submitted()).length >= before + 2, 120_000);

    // Every interval once, in order, with consecutive ids and distinct transactions.
    const list = (await batches()).filter((b) => b.status !== 'rejected').sort((a, b) => Number(a.batchId) - Number(b.batchId));
    list.forEach((b, i) => {
      expect(Number(b.batchId)).toBe(i + 1);
      if (i > 0) expect(b.intervalStartMs).toBe(list[i - 1].intervalEndMs);
    });
    const onChain = list.filter((b) => b.txHash !== null);
    expect(new Set(onChain.map((b) => b.txHash)).size).toBe(onChain.length);

    // The chain holds exactly those batches, with the same roots.
    const deployment = JSON.parse(await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8')) as Deployment;
    const chain = createChainClient({ rpcUrl: `http://127.0.0.1:${sandbox.chainPort}`, chainId: deployment.chainId, deployment });
    try {
      const next = await chain.nextBatchId();
      expect(next).toBeGreaterThanOrEqual(BigInt(onChain.length + 1));
      expect(next).toBeLessThanOrEqual(BigInt(list.length + 1));
      for (const b of onChain) {
        const stored = await chain.batch(BigInt(b.batchId));
        expect(stored?.claimsRoot).toBe(b.claimsRoot);
        expect(stored?.payoutsRoot).toBe(b.payoutsRoot);
      }
    } finally {
      await chain.close();
    }

    // Each meter's readings have consecutive paginations: the devices resent what was not
    // acknowledged and the gateway lost nothing it had acknowledged.
    for (let i = 1; i <= METERS; i++) {
      const id = `HCM-${String(i).padStart(4, '0')}`;
      const readings = (await sandbox.api(`/api/meters/${id}/readings?limit=10000`, REGULATOR_TOKEN)).body.readings as any[];
      expect(readings.length).toBeGreaterThan(10);
      const paginations = readings.map((r) => r.pagination);
      expect(paginations).toEqual(paginations.map((_, k) => paginations[0] + k));
    }
  }, 300_000);

  it('after a clean stop, the sandbox clock continues exactly where it stopped', async () => {
    expect(await sandbox.stop('SIGTERM')).toBe(0);
    const stopped = await clockFile();
    expect(stopped.stopped).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // 6 sandbox minutes of wall time at 120×
    await sandbox.start();
    expect((await clockFile()).sandboxMs).toBe(stopped.seenSandboxMs);
    expect(sandbox.output()).toContain(`resumed where it stopped, ${new Date(stopped.seenSandboxMs!).toISOString()}`);
    const now = Date.parse((await sandbox.api('/api/health')).body.now);
    expect(now - stopped.seenSandboxMs!).toBeLessThan(6 * 60_000);
  }, 120_000);
});
