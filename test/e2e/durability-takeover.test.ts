// Standby takeover in log mode (docs/durability.md): two gateway processes for one shard on a
// 3-node JetStream cluster (real nats-server processes on loopback). The active one is killed
// with -9 in the middle of ingest and its data dir deleted; the standby must take the lease,
// rebuild its view from the stream and take over the MQTT port, and the meters' resends must
// leave every PUBACKed reading stored, each exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsCluster, type NatsCluster } from '@feedin/gateway/log/nats-cluster';
import { openShardLog } from '@feedin/gateway/log/jetstream-log';
import { decodeLogRecord } from '@feedin/gateway/log/log-record';
import { openSqliteStore, openSqliteView } from '@feedin/gateway/store/sqlite-store';
import { makeMeters, sendLikeDevices, startLogGateway, type LogGateway } from '../support/durability-harness.js';

const METERS = 10;
const READINGS = 40;
const LEASE_SECONDS = 10;
let dir: string;
let cluster: NatsCluster;
const gateways: LogGateway[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedin-takeover-'));
  cluster = await startNatsCluster({ dir: join(dir, 'nats') });
});
afterAll(async () => {
  for (const g of gateways) g.child.kill('SIGKILL');
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('log mode: kill -9 of the active gateway and deletion of its data dir', () => {
  it('the standby takes over within 30 s; every PUBACKed reading is stored once; the stream rebuilds the same view', async () => {
    const meters = makeMeters('takeover', METERS, READINGS);
    const port = await freePort();
    const common = { meters, servers: cluster.servers, shard: 'takeover', port, leaseSeconds: LEASE_SECONDS };
    const active = startLogGateway({ ...common, dataDir: join(dir, 'a') });
    gateways.push(active);
    await active.ready;
    const standby = startLogGateway({ ...common, dataDir: join(dir, 'b') });
    gateways.push(standby);
    await standby.standby;

    let killedAtMs = 0;
    const killAfter = Math.floor((METERS * READINGS) / 3);
    await sendLikeDevices(meters, {
      port,
      gapMs: 30,
      deadlineMs: 150_000,
      onAck(total) {
        if (total !== killAfter) return;
        killedAtMs = Date.now();
        active.child.kill('SIGKILL');
        // the machine is gone: its disk too
        void rm(join(dir, 'a'), { recursive: true, force: true });
      },
    });
    expect(killedAtMs).toBeGreaterThan(0);
    const took = await standby.ready;
    const firstAckAfter = Math.min(...meters.flatMap((m) => m.ackTimesMs.filter((t) => t >= took.atMs)));
    const takeoverMs = firstAckAfter - killedAtMs;
    console.log(`takeover: kill -9 → standby listening ${took.atMs - killedAtMs} ms, → first PUBACK from it ${takeoverMs} ms (lease ${LEASE_SECONDS} s)`);
    expect(takeoverMs).toBeLessThan(30_000);
    for (const m of meters) expect([...m.acked].sort((a, b) => a - b), m.meterId).toEqual(Array.from({ length: READINGS }, (_, i) => i + 1));

    standby.child.send({ type: 'stop' });
    await standby.exited;
    // The survivor's view: every reading once, in order, nothing rejected (resends of stored
    // readings are answered as duplicates, not stored again).
    const view = openSqliteStore(join(dir, 'b', 'readings-view.sqlite'));
    for (const m of meters) expect((await view.readings(m.meterId)).map((r) => r.pagination), m.meterId).toEqual(Array.from({ length: READINGS }, (_, i) => i + 1));
    expect(await view.rejections()).toEqual([]);
    const survivorSeqs = new Map((await Promise.all(meters.map((m) => view.readings(m.meterId)))).flat().map((r) => [`${r.meterId}/${r.pagination}`, r.seq]));
    await view.close();

    // An independent rebuild from the stream alone gives the same readings under the same seqs.
    const log = await openShardLog({ servers: cluster.servers, shard: 'takeover' });
    const rebuilt = openSqliteView(':memory:');
    await log.readFrom(0, (seq, data) => {
      const record = decodeLogRecord(data);
      rebuilt.applyLogRecord(seq, record.kind === 'entries' ? record.groups : []);
    });
    await log.close();
    const rebuiltSeqs = new Map((await Promise.all(meters.map((m) => rebuilt.readings(m.meterId)))).flat().map((r) => [`${r.meterId}/${r.pagination}`, r.seq]));
    expect(rebuiltSeqs).toEqual(survivorSeqs);
    expect(rebuiltSeqs.size).toBe(METERS * READINGS);
    await rebuilt.close();
  }, 240_000);
});
