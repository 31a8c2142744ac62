// `feedin up` in log mode (docs/durability.md) on a fast embedded sandbox, with the shard's log on
// a 3-node JetStream cluster that this test runs: health and /metrics show the replication; then
// the gateway is killed with -9 AND its gateway folder (reading view, settlement store) deleted.
// The next `feedin up` rebuilds both from the stream and the chain: every batch on chain once,
// with the roots that `feedin audit batch` recomputes from the rebuilt readings; every meter's
// readings consecutive (nothing acknowledged lost).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChainClient } from '@feedin/contracts/chain-client';
import type { Deployment } from '@feedin/contracts/deploy';
import { startNatsCluster, type NatsCluster } from '@feedin/gateway/log/nats-cluster';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-durability-regulator-token';
const METERS = 6;

describe('feedin up --durability jetstream', () => {
  let sandbox: SandboxProcess;
  let cluster: NatsCluster;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-durability-'));
    cluster = await startNatsCluster({ dir: join(workDir, 'nats') });
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 5;
      config.meters = config.meters.slice(0, METERS);
      config.durability = { mode: 'jetstream', servers: cluster.servers, leaseSeconds: 5 };
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
  }, 180_000);

  afterAll(async () => {
    await sandbox?.stop();
    await cluster?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const batches = async () => (await sandbox.api('/api/batches?limit=500', REGULATOR_TOKEN)).body.batches as any[];
  const submitted = async () => (await batches()).filter((b) => b.txHash !== null && b.status !== 'rejected');

  it('health and /metrics show the log: active, 3 replicas current', async () => {
    const health = await sandbox.waitFor('the log replication in /api/health', async () => {
      const h = (await sandbox.api('/api/health', REGULATOR_TOKEN)).body;
      return h.log?.replicasCurrent === 3 ? h : undefined;
    }, 30_000);
    expect(health.log).toMatchObject({ role: 'active', fencedReason: null, stream: 'FEEDIN_SHARD_0', replicas: 3, replicasCurrent: 3, maxReplicaLag: 0 });
    expect(health.components.store.detail).toMatch(/JetStream log FEEDIN_SHARD_0: 3\/3 replicas current/);
    expect((await sandbox.api('/api/health')).body.log).toEqual({ role: 'active' });
    const metrics = await sandbox.waitFor('the log gauges', async () => {
      const text = (await sandbox.api('/metrics', REGULATOR_TOKEN)).body as string;
      return /^feedin_log_replicas_current 3$/m.test(text) ? text : undefined;
    }, 30_000);
    expect(metrics).toMatch(/^feedin_log_acknowledging 1$/m);
  }, 60_000);

  it('kill -9 and the gateway folder deleted: rebuilt from the stream and the chain, no batch twice, audits match', async () => {
    await sandbox.waitFor('two batches with claims on chain', async () => (await submitted()).filter((b) => b.claimCount > 0).length >= 2, 120_000);
    expect(await sandbox.stop('SIGKILL')).toBeNull();
    await rm(join(sandbox.dataDir, 'gateway'), { recursive: true, force: true });

    await sandbox.start();
    expect(sandbox.output()).toMatch(/view rebuilt through stream sequence [1-9]\d*/);
    const before = (await submitted()).length;
    await sandbox.waitFor('two more batches after the rebuild', async () => (await submitted()).length >= before + 2, 120_000);

    // Every interval once, in order, with consecutive ids and distinct transactions.
    const list = (await batches()).filter((b) => b.status !== 'rejected').sort((a, b) => Number(a.batchId) - Number(b.batchId));
    list.forEach((b, i) => {
      expect(Number(b.batchId)).toBe(i + 1);
      if (i > 0) expect(b.intervalStartMs).toBe(list[i - 1].intervalEndMs);
    });
    const onChain = list.filter((b) => b.txHash !== null);
    expect(new Set(onChain.map((b) => b.txHash)).size).toBe(onChain.length);
    const deployment = JSON.parse(await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8')) as Deployment;
    const chain = createChainClient({ rpcUrl: `http://127.0.0.1:${sandbox.chainPort}`, chainId: deployment.chainId, deployment });
    try {
      expect(await chain.nextBatchId()).toBeLessThanOrEqual(BigInt(list.length + 1));
      for (const b of onChain) {
        const stored = await chain.batch(BigInt(b.batchId));
        expect(stored?.claimsRoot).toBe(b.claimsRoot);
        expect(stored?.payoutsRoot).toBe(b.payoutsRoot);
      }
    } finally {
      await chain.close();
    }
    // The regulator's audit recomputes each batch from the rebuilt readings: claims and payouts
    // roots equal to what the chain holds, for the batches sent before the kill too.
    for (const b of onChain.slice(0, 4)) {
      const audit = await runCli(['audit', 'batch', String(b.batchId), '--json'], { ...sandbox.env, FEEDIN_LANG: 'en' });
      expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    }
    for (let i = 1; i <= METERS; i++) {
      const id = `HCM-${String(i).padStart(4, '0')}`;
      const readings = (await sandbox.api(`/api/meters/${id}/readings?limit=10000`, REGULATOR_TOKEN)).body.readings as any[];
      expect(readings.length).toBeGreaterThan(5);
      const paginations = readings.map((r) => r.pagination);
      expect(paginations).toEqual(paginations.map((_, k) => paginations[0] + k));
    }
  }, 360_000);
});
