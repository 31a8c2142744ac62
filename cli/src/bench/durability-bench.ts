// Ingest in log mode beside the embedded store, in the same bench run (docs/durability.md,
// docs/bench.md): the same load generator and gateway process, but every PUBACK waits for a
// 3-replica JetStream stream on 3 local nats-server processes instead of an SQLite fsync. A
// modest load by default (at most 1,000 meters): the three servers share the machine's cores
// with the gateway and the load generator.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BIN, startNatsCluster } from '@feedin/gateway/log/nats-cluster';
import { runIngestBench, type IngestBenchResult } from './ingest-bench.js';
import type { BenchRow } from './report.js';

export interface DurabilityBenchOptions {
  meters: number;
  readingsPerMeter: number;
  window: number;
  acks: boolean;
  pacedSeconds: number;
  /** the embedded-store run of the same bench (reused for the comparison when it had as many meters) */
  sqlite: IngestBenchResult;
  log: (line: string) => void;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function durabilityRows(o: DurabilityBenchOptions, raw: Record<string, unknown>): Promise<BenchRow[]> {
  if (!existsSync(NATS_SERVER_BIN))
    return [{ area: 'durability', measure: 'JetStream R3 ingest', value: `skipped: no ${NATS_SERVER_BIN} (apt-get install nats-server)`, target: '—', met: null }];
  const dir = await mkdtemp(join(tmpdir(), 'feedin-bench-nats-'));
  const cluster = await startNatsCluster({ dir, log: o.log });
  try {
    o.log(`durability: ingest with JetStream R3 on ${cluster.servers.join(', ')}`);
    const r = await runIngestBench({ meters: o.meters, readingsPerMeter: o.readingsPerMeter, window: o.window, acks: o.acks, pacedSeconds: o.pacedSeconds, durability: { servers: cluster.servers, shard: 'bench' }, log: o.log });
    raw['durability'] = r;
    // the comparison at the same load: the ingest row's run when it had as many meters, else one more
    const s = o.sqlite.meters === o.meters ? o.sqlite : await runIngestBench({ meters: o.meters, readingsPerMeter: o.readingsPerMeter, window: o.window, acks: o.acks, pacedSeconds: o.pacedSeconds, log: o.log });
    raw['durabilitySqlite'] = s;
    return [
      { area: 'durability', measure: `verified readings/s, JetStream R3, ${fmt(r.meters)} meters (saturated)`, value: `${fmt(r.readingsPerSecond)}/s`, target: '—', met: null },
      { area: 'durability', measure: `verified readings/s, embedded SQLite, ${fmt(s.meters)} meters (saturated, same load)`, value: `${fmt(s.readingsPerSecond)}/s`, target: '—', met: null },
      { area: 'durability', measure: 'every reading accepted and stored, JetStream R3', value: `${fmt(r.acceptedByGateway)} of ${fmt(r.readings)}, ${r.rejectedByGateway} rejected`, target: 'all', met: r.acceptedByGateway === r.readings && r.rejectedByGateway === 0 },
      { area: 'durability', measure: `publish→PUBACK p50 / p99, JetStream R3 at ${fmt(r.pacedRatePerSecond)}/s`, value: `${r.p50Ms.toFixed(1)} / ${r.p99Ms.toFixed(1)} ms`, target: '—', met: null },
      { area: 'durability', measure: `publish→PUBACK p50 / p99, embedded SQLite at ${fmt(s.pacedRatePerSecond)}/s`, value: `${s.p50Ms.toFixed(1)} / ${s.p99Ms.toFixed(1)} ms`, target: '—', met: null },
      { area: 'durability', measure: 'publish→PUBACK p50 / p99 saturated, JetStream R3', value: `${r.saturatedP50Ms.toFixed(0)} / ${r.saturatedP99Ms.toFixed(0)} ms`, target: '—', met: null },
    ];
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
