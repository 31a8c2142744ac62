// `durability.mode: jetstream` for `feedin up` (docs/durability.md): the JetStream cluster (the
// configured servers, or 3 loopback nats-server nodes under <data dir>/nats), then the shard's
// lease — this process waits as standby while another gateway holds it — and the stores rebuilt
// from the stream: the SQLite reading view, and the settlement store's batches.
import { join } from 'node:path';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { startNatsCluster } from '@feedin/gateway/log/nats-cluster';
import { openLogMode, type LogMode } from '@feedin/gateway/log/open-log-mode';
import { rebuildBatchFromLog } from '@feedin/gateway/log/batch-from-log';
import type { MeterDirectory } from '@feedin/gateway/registry/meter-directory';
import type { SettlementStore } from '@feedin/gateway/settlement/settlement-store';
import { CliError } from '../cli-error.js';

/** cluster ports of the loopback nodes: their client port + this */
const CLUSTER_PORT_OFFSET = 2000;

export interface StartLogModeParameters {
  config: SandboxConfig;
  dataDir: string;
  viewPath: string;
  directory: MeterDirectory;
  settlementStore: SettlementStore;
  /** cleanups, run in reverse at stop */
  stack: Array<() => Promise<void> | void>;
  log: (line: string) => void;
}

export async function startLogMode(p: StartLogModeParameters): Promise<LogMode> {
  const d = p.config.durability;
  let servers = d.servers;
  if (servers.length === 0) {
    const cluster = await startNatsCluster({
      dir: join(p.dataDir, 'nats'),
      size: 3,
      clientPorts: d.localPorts,
      clusterPorts: d.localPorts.map((port) => port + CLUSTER_PORT_OFFSET),
      log: p.log,
    }).catch((error: unknown) => {
      throw new CliError(`durability jetstream: could not start the local NATS cluster: ${(error as Error).message}`);
    });
    p.stack.push(() => cluster.stop());
    servers = cluster.servers;
  }
  const mode = await openLogMode({ servers, shard: d.shard, replicas: d.replicas, leaseSeconds: d.leaseSeconds, viewPath: p.viewPath, log: p.log });
  p.stack.push(() => mode.close());
  mode.setBatchHandler(rebuildBatchFromLog({ config: p.config, directory: p.directory, store: mode.store, settlementStore: p.settlementStore }));
  const last = await mode.store.catchUp();
  p.log(`log: shard ${d.shard} active (${mode.holder}); view rebuilt through stream sequence ${last}`);
  mode.lease.onLost((reason) => p.log(`log: shard ${d.shard} FENCED (${reason}): this gateway no longer acknowledges readings; restart it to rejoin as standby`));
  return mode;
}
