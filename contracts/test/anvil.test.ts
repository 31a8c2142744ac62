// The anvil launcher: free ports, the pinned hardfork, stop, and persistence of a deployment across
// a restart with the same state file (what `feedin up` relies on).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAnvil } from '../src/anvil.js';
import { createChainClient } from '../src/chain-client.js';
import { verifyDeployment } from '../src/deploy.js';
import { ACCOUNT, PUBLIC_KEY, deployFixture, rpc } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'feedin-anvil-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startAnvil', () => {
  it('binds a free port, runs the pinned hardfork and chain id, and stops', async () => {
    const anvil = await startAnvil({ chainId: 4242 });
    try {
      expect(anvil.port).toBeGreaterThan(0);
      expect(anvil.rpcUrl).toBe(`http://127.0.0.1:${anvil.port}`);
      expect(await rpc(anvil.rpcUrl, 'eth_chainId')).toBe('0x1092');
      const info = (await rpc(anvil.rpcUrl, 'anvil_nodeInfo')) as { hardFork: string };
      expect(info.hardFork.toLowerCase()).toBe('cancun');
    } finally {
      await anvil.stop();
    }
    expect(alive(anvil.pid)).toBe(false);
    await anvil.stop(); // idempotent
  });

  it('fails with anvil’s own words when the port is taken', async () => {
    const first = await startAnvil();
    try {
      await expect(startAnvil({ port: first.port, startTimeoutMs: 10_000 })).rejects.toThrow(/anvil exited with code \d+ before listening/);
    } finally {
      await first.stop();
    }
  });

  it('keeps the deployment and its meters across a restart with the same state file', async () => {
    const stateFile = join(dir, 'chain-state.json');
    const first = await startAnvil({ stateFile });
    const f = await deployFixture(first.rpcUrl);
    await f.operator.registerMeter({ meterId: 'kept-1', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 3000 });
    const head = await f.reader.blockNumber();
    f.close();
    await first.stop();
    expect(existsSync(stateFile)).toBe(true);

    const second = await startAnvil({ stateFile });
    try {
      expect(await verifyDeployment(second.rpcUrl, f.deployment)).toBe(true);
      const g = createChainClient({ rpcUrl: second.rpcUrl, chainId: 31337, deployment: f.deployment });
      expect((await g.meter('kept-1'))?.capacityW).toBe(3000);
      expect(await g.blockNumber()).toBeGreaterThanOrEqual(head);
      g.close();
      // A different code hash or chain id is not "our" deployment.
      expect(await verifyDeployment(second.rpcUrl, { ...f.deployment, codeHashes: { ...f.deployment.codeHashes!, token: `0x${'00'.repeat(32)}` } })).toBe(false);
      expect(await verifyDeployment(second.rpcUrl, { ...f.deployment, chainId: 1 })).toBe(false);
    } finally {
      await second.stop();
    }

    const fresh = await startAnvil();
    try {
      expect(await verifyDeployment(fresh.rpcUrl, f.deployment)).toBe(false);
    } finally {
      await fresh.stop();
    }
  });

  it('after a kill -9 keeps what the last periodic dump (--state-interval) saw', async () => {
    const stateFile = join(dir, 'killed-state.json');
    const first = await startAnvil({ stateFile, stateIntervalSeconds: 1 });
    const f = await deployFixture(first.rpcUrl);
    await f.operator.registerMeter({ meterId: 'kept-2', publicKey: PUBLIC_KEY, payee: ACCOUNT.payeeA, capacityW: 1 });
    f.close();
    // Wait for a dump that started after the transaction: two mtime changes from now.
    const changes: number[] = [];
    const deadline = Date.now() + 10_000;
    while (changes.length < 2) {
      if (Date.now() > deadline) throw new Error('anvil did not dump its state within 10 s');
      const mtime = existsSync(stateFile) ? statSync(stateFile).mtimeMs : 0;
      if (mtime && mtime !== changes.at(-1)) changes.push(mtime);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(first.pid, 'SIGKILL');
    await first.stop();

    const second = await startAnvil({ stateFile });
    try {
      const g = createChainClient({ rpcUrl: second.rpcUrl, chainId: 31337, deployment: f.deployment });
      expect((await g.meter('kept-2'))?.meterId).toBe('kept-2');
      g.close();
    } finally {
      await second.stop();
    }
  });
});
