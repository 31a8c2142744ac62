// The JetStream log store keeps the ReadingStore contract: the shared conformance suite runs
// against it on a real 3-node nats-server cluster (one fresh shard per store, reopened over the
// same stream). Then what only log mode has: a lost view rebuilt from the stream with the same
// seqs; a second writer refused by the stream; the lease taken by a standby only after expiry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeReadingStoreConformance, sampleReading } from '../../src/store/reading-store.conformance.js';
import { startNatsCluster, type NatsCluster } from '../../src/log/nats-cluster.js';
import { openLogMode, type LogMode } from '../../src/log/open-log-mode.js';
import { connectLog, LogFencedError, openShardLog } from '../../src/log/jetstream-log.js';
import { openShardLease } from '../../src/log/shard-lease.js';

const dir = mkdtempSync(join(tmpdir(), 'feedin-log-store-'));
let cluster: NatsCluster;
const open: LogMode[] = [];
beforeAll(async () => {
  cluster = await startNatsCluster({ dir: join(dir, 'nats') });
});
afterAll(async () => {
  for (const m of open) await m.close().catch(() => {});
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const quiet = () => {};
async function logMode(shard: string, viewPath: string): Promise<LogMode> {
  const mode = await openLogMode({ servers: cluster.servers, shard, replicas: 3, leaseSeconds: 10, viewPath, log: quiet });
  await mode.store.catchUp();
  open.push(mode);
  return mode;
}

let counter = 0;
let last = { shard: '', viewPath: '' };
describeReadingStoreConformance('jetstream log', {
  async open() {
    last = { shard: `conf${++counter}`, viewPath: join(dir, `view-${counter}.sqlite`) };
    const mode = await logMode(last.shard, last.viewPath);
    return { ...mode.store, close: () => mode.close() };
  },
  async reopen() {
    const mode = await logMode(last.shard, last.viewPath);
    return { ...mode.store, close: () => mode.close() };
  },
});

describe('log mode specifics', () => {
  it('rebuilds a lost view from the stream with the same seqs', async () => {
    const a = await logMode('rebuild', join(dir, 'rebuild-a.sqlite'));
    const seqs = await Promise.all([1, 2, 3].map((pg) => a.store.append([{ kind: 'accepted', reading: sampleReading('m1', pg) }])));
    await a.close();
    const b = await logMode('rebuild', join(dir, 'rebuild-b.sqlite')); // another machine, no view
    expect((await b.store.readings('m1')).map((r) => [r.pagination, r.seq])).toEqual([1, 2, 3].map((pg, i) => [pg, seqs[i]![0]]));
    await b.close();
  }, 60_000);

  it('refuses an append that does not follow the last sequence (a deposed writer)', async () => {
    const log = await openShardLog({ servers: cluster.servers, shard: 'fence' });
    try {
      const first = await log.append(new TextEncoder().encode('{}'), 0);
      await expect(log.append(new TextEncoder().encode('{}'), first - 1)).rejects.toBeInstanceOf(LogFencedError);
    } finally {
      await log.close();
    }
  }, 30_000);

  it('gives the lease to a standby only after the holder stopped renewing and its expiry passed; the holder fences itself', async () => {
    const standbyConnection = await connectLog(cluster.servers, 'lease-standby');
    const holderConnection = await connectLog(cluster.servers, 'lease-holder');
    try {
      const holder = await openShardLease({ connection: holderConnection, shard: 'lease', holder: 'h1', ttlMs: 3_000, renewEveryMs: 500, skewMarginMs: 500 });
      await holder.acquire();
      const lost: string[] = [];
      holder.onLost((reason) => lost.push(reason));
      const standby = await openShardLease({ connection: standbyConnection, shard: 'lease', holder: 'h2', ttlMs: 3_000, renewEveryMs: 500, skewMarginMs: 500, pollEveryMs: 200 });
      let tookAtMs = 0;
      const taking = standby.acquire().then(() => (tookAtMs = Date.now()));
      await new Promise((r) => setTimeout(r, 4_000)); // longer than the ttl, but renewed meanwhile
      expect(tookAtMs).toBe(0);
      expect(holder.canAcknowledge()).toBe(true);
      // the holder is cut off: its renewals fail, it releases nothing
      const cutAtMs = Date.now();
      await holderConnection.close();
      await taking;
      expect(tookAtMs - cutAtMs).toBeGreaterThanOrEqual(3_000 - 500);
      expect(holder.canAcknowledge()).toBe(false);
      expect(lost).toHaveLength(1);
      expect(standby.status()).toMatchObject({ role: 'active', holder: 'h2' });
      await standby.close();
      await holder.close();
    } finally {
      await standbyConnection.close();
    }
  }, 30_000);
});
