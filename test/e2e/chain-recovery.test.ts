// The embedded chain after a power cut (#17 item 1): a regulator freezes and rejects a batch and a
// household's payout is withdrawn, then `feedin up` and its anvil are both killed with SIGKILL
// and the chain comes back from a state file older than all three (anvil writes it once a second;
// here the test hands it the copy from just before, the worst case that second allows, so that
// the loss is certain rather than a matter of timing). After the restart each of the three is on
// chain again — re-sent from the transaction journal — or reported as not re-applied with the
// reason, in the log, in /api/health and in the regulator's GET /api/regulator/chain-recovery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR = 'e2e-chain-recovery-regulator';

describe('embedded chain: kill -9 right after a freeze, a reject and a withdrawal', () => {
  let sandbox: SandboxProcess;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-chain-recovery-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 30; // a batch final within a minute, still freezable after a restart
      config.meters = config.meters.slice(0, 3);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(sandbox.httpUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${REGULATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const rpc = async (method: string, params: unknown[]) => {
    const response = await fetch(`http://127.0.0.1:${sandbox.chainPort}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return ((await response.json()) as { result: any }).result;
  };
  const batches = async (): Promise<any[]> => (await sandbox.api('/api/batches?limit=1000', REGULATOR)).body.batches;
  const stateFile = () => join(sandbox.dataDir, 'chain', 'anvil-state.json');

  it('finds each one on chain after the restart, re-applied from the journal or reported', async () => {
    // A payee with something final to withdraw, and a batch still in its challenge window.
    const payout = await sandbox.waitFor('a payee with a final payout', async () => {
      for (const m of (await sandbox.api('/api/meters', REGULATOR)).body.meters) {
        const p = (await sandbox.api(`/api/payouts/${m.payee}`, REGULATOR)).body;
        if (p.withdrawable && BigInt(p.withdrawable) > 0n) return p;
      }
      return undefined;
    }, 150_000);
    const before = Math.max(0, ...(await batches()).map((b) => Number(b.batchId)));
    const target = await sandbox.waitFor('a new pending batch', async () => (await batches()).find((b) => b.status === 'pending' && Number(b.batchId) > before), 60_000);

    // The chain's state as it was before the three actions (a whole file: anvil rewrites it in place).
    const snapshot = await sandbox.waitFor('a readable state file', async () => {
      const text = await readFile(stateFile(), 'utf8');
      JSON.parse(text);
      return text;
    }, 10_000);

    const frozen = await post(`/api/regulator/batches/${target.batchId}/freeze`, { reason: 'e2e: crash test' });
    expect(frozen.status, JSON.stringify(frozen.body)).toBe(201);
    const rejected = await post(`/api/regulator/batches/${target.batchId}/reject`, { reason: 'e2e: crash test' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(201);
    const withdrawn = await post(`/api/payouts/${payout.payee}/withdraw`, {});
    expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
    const actions = { freezeBatch: frozen.body.txHash, rejectBatch: rejected.body.txHash, withdraw: withdrawn.body.txHash } as Record<string, string>;

    // Power cut: anvil and feedin up die at once; the chain comes back from the older state.
    const anvilPid = Number((await readFile(join(sandbox.dataDir, 'chain', 'anvil.pid'), 'utf8')).trim());
    process.kill(anvilPid, 'SIGKILL');
    expect(await sandbox.stop('SIGKILL')).toBeNull();
    await writeFile(stateFile(), snapshot);

    await sandbox.start();
    const { entries } = (await sandbox.api('/api/regulator/chain-recovery', REGULATOR)).body as { entries: any[] };
    console.log(`chain-recovery e2e: ${entries.map((e) => `${e.label}: ${e.outcome} (${e.detail})`).join('; ')}`);
    for (const [label, txHash] of Object.entries(actions)) {
      const entry = entries.find((e) => e.txHash === txHash);
      const receipt = await rpc('eth_getTransactionReceipt', [txHash]);
      // Lost (the state predates it), so reported; and on chain again unless the report says why not.
      expect(entry, `${label} reported`).toMatchObject({ label: expect.stringMatching(new RegExp(`^${label}`)), outcome: expect.any(String), detail: expect.any(String) });
      if (entry.outcome === 're-applied') {
        expect(receipt?.status, label).toBe('0x1');
        expect(Number(receipt.blockNumber)).toBe(entry.blockNumber);
      } else {
        expect(entry.detail, label).toMatch(/reverted|not sent|refused/);
      }
    }
    // A withdrawal re-sent as the same bytes is always possible here: nothing changed its state.
    expect(entries.find((e) => e.txHash === actions.withdraw).outcome).toBe('re-applied');
    expect(sandbox.output()).toMatch(/chain: RECOVERY: the chain lost \d+ of \d+ journaled transactions in a crash; \d+ re-applied/);
    const health = (await sandbox.api('/api/health')).body;
    expect(health.status).toBe('degraded');
    // The regulator's page shows them from the sandbox status.
    const status = (await sandbox.api('/api/status', REGULATOR)).body;
    expect(status.chainRecovery.map((e: any) => e.txHash)).toEqual(expect.arrayContaining(Object.values(actions)));

    // The chain agrees with the regulator: the batch was rejected, the payee was paid once.
    const reapplied = entries.filter((e) => e.outcome === 're-applied').map((e) => e.label);
    if (reapplied.some((l: string) => l.startsWith('rejectBatch')))
      await sandbox.waitFor('the gateway to see the rejection again', async () => (await batches()).some((b) => b.batchId === target.batchId && b.status === 'rejected'), 30_000);
    // A batch submission sent again is recorded by the gateway in its new block.
    for (const e of entries.filter((x) => x.outcome === 're-applied' && x.label.startsWith('submitBatch '))) {
      const local = (await batches()).find((b) => b.txHash === e.txHash);
      if (local) expect(local.blockNumber, e.label).toBe(e.blockNumber);
    }
    const after = (await sandbox.api(`/api/payouts/${payout.payee}`, REGULATOR)).body;
    expect(BigInt(after.withdrawn)).toBe(BigInt(payout.withdrawn) + BigInt(withdrawn.body.paid));
  }, 300_000);
});
