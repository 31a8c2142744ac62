// Faults of the JetStream cluster under a log-mode gateway (docs/durability.md): kill -9 of the
// stream's leader node during ingest must not stop ingest nor lose a PUBACKed reading (R3: two
// replicas remain a quorum); a gateway cut off from the whole cluster must stop acknowledging
// within a bounded time (its lease expiry), and stay fenced when the cluster comes back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsCluster, type NatsCluster } from '@feedin/gateway/log/nats-cluster';
import { openShardLog, type ShardLog } from '@feedin/gateway/log/jetstream-log';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import { askLogStatus, makeMeters, sendLikeDevices, startLogGateway, waitFor, type LogGateway } from '../support/durability-harness.js';

const METERS = 10;
const READINGS = 30;
const LEASE_SECONDS = 10;
const SHARD = 'faults';
let dir: string;
let cluster: NatsCluster;
let observer: ShardLog;
let gateway: LogGateway;
let port: number;
const meters = makeMeters('natsfault', METERS, READINGS * 2);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedin-nats-faults-'));
  cluster = await startNatsCluster({ dir: join(dir, 'nats') });
  port = await freePort();
  gateway = startLogGateway({ meters, servers: cluster.servers, shard: SHARD, port, leaseSeconds: LEASE_SECONDS, dataDir: join(dir, 'gw') });
  await gateway.ready;
  observer = await openShardLog({ servers: cluster.servers, shard: SHARD });
});
afterAll(async () => {
  gateway?.child.kill('SIGKILL');
  await observer?.close().catch(() => {});
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('log mode: NATS node faults', () => {
  it('kill -9 of the stream leader during ingest: ingest goes on, nothing PUBACKed is lost', async () => {
    const leaderName = (await observer.replication()).leader;
    const leader = cluster.nodes.find((n) => n.name === leaderName);
    expect(leader, `stream leader ${leaderName}`).toBeDefined();
    let killed = false;
    await sendLikeDevices(meters, {
      port,
      gapMs: 30,
      deadlineMs: 120_000,
      stopAfter: (_m, pg) => pg > READINGS,
      onAck(total) {
        if (total === (METERS * READINGS) / 3 && !killed) {
          killed = true;
          leader!.process!.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    for (const m of meters) expect(m.acked.size, m.meterId).toBe(READINGS);
    expect((await askLogStatus(gateway.child)).acknowledging).toBe(true);
    // a new leader among the two that are left
    const after = await observer.replication();
    expect(after.leader).not.toBe(leaderName);
    await cluster.restart(leader!.name);
    await waitFor(async () => (await observer.replication().catch(() => null))?.currentPeers === 2, 60_000, 'the restarted node to catch up');
  }, 180_000);

  it('cut off from the cluster (every node SIGSTOPped): stops acknowledging within the lease, and stays fenced after', async () => {
    const stoppedAtMs = Date.now();
    for (const n of cluster.nodes) n.process!.kill('SIGSTOP');
    try {
      await waitFor(async () => !(await askLogStatus(gateway.child)).acknowledging, (LEASE_SECONDS + 10) * 1000, 'the gateway to fence itself');
      const fencedAfterMs = Date.now() - stoppedAtMs;
      console.log(`cut off: gateway stopped acknowledging ${fencedAfterMs} ms after the cluster was stopped (lease ${LEASE_SECONDS} s)`);
      expect(fencedAfterMs).toBeLessThanOrEqual((LEASE_SECONDS + 3) * 1000);
    } finally {
      for (const n of cluster.nodes) n.process!.kill('SIGCONT');
    }
    // The cluster is back, but this process lost its lease: it must not acknowledge again (a
    // standby may have taken over meanwhile); a meter's next reading gets no PUBACK.
    const m = meters[0]!;
    const before = m.acked.size;
    await sendLikeDevices([m], { port, deadlineMs: 8_000, ackTimeoutMs: 2_000, stopAfter: (_m, pg) => pg > before + 1 });
    expect(m.acked.size).toBe(before);
    const status = await askLogStatus(gateway.child);
    expect(status.acknowledging).toBe(false);
    expect(status.fencedReason).toMatch(/lease lost/);

    // nothing acknowledged was lost by the stop either
    gateway.child.send({ type: 'stop' });
    await gateway.exited;
    const view = openSqliteStore(join(dir, 'gw', 'readings-view.sqlite'));
    for (const meter of meters) {
      const stored = new Set((await view.readings(meter.meterId)).map((r) => r.pagination));
      for (const pg of meter.acked) expect(stored.has(pg), `${meter.meterId} F${pg}`).toBe(true);
    }
    await view.close();
  }, 120_000);
});
