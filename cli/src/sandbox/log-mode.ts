// `durability.mode: jetstream` for `feedin up` (docs/durability.md), in two steps:
// 1. before anything else starts: the JetStream cluster (FEEDIN_NATS_SERVERS, durability.servers,
//    or 3 loopback nats-server nodes under <data dir>/nats) and the shard's lease — a second
//    `feedin up` for the shard waits here as standby, having started nothing, until the active
//    one stops renewing; the lease, not runtime.json, is what keeps two gateways apart;
// 2. once the registry and the settlement store are open: the reading view and the settlement
//    batches rebuilt from the stream.
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

export interface EnterLogModeParameters {
  config: SandboxConfig;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  viewPath: string;
  /** cleanups, run in reverse at stop */
  stack: Array<() => Promise<void> | void>;
  log: (line: string) => void;
}

/** NATS URLs from FEEDIN_NATS_SERVERS (comma-separated; wins, like the other FEEDIN_* overrides) or the config */
export function natsServers(config: SandboxConfig, env: NodeJS.ProcessEnv): string[] {
  const raw = env['FEEDIN_NATS_SERVERS'];
  if (!raw) return config.durability.servers;
  const servers = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of servers) if (!/^nats:\/\/[^\s/]+(:\d+)?$/.test(s)) throw new CliError(`FEEDIN_NATS_SERVERS: ${JSON.stringify(s)} is not a nats://host:port URL`);
  return servers;
}

export async function enterLogMode(p: EnterLogModeParameters): Promise<LogMode> {
  const d = p.config.durability;
  let servers = natsServers(p.config, p.env);
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
  const mode = await openLogMode({ servers, shard: String(p.config.gateway.shard), replicas: d.replicas, leaseSeconds: d.leaseSeconds, viewPath: p.viewPath, log: p.log });
  p.stack.push(() => mode.close());
  mode.lease.onLost((reason) => p.log(`log: shard ${p.config.gateway.shard} FENCED (${reason}): this gateway no longer acknowledges readings; restart it to rejoin as standby`));
  return mode;
}

export async function rebuildFromLog(mode: LogMode, p: { config: SandboxConfig; directory: MeterDirectory; settlementStore: SettlementStore; log: (line: string) => void }): Promise<void> {
  mode.setBatchHandler(rebuildBatchFromLog({ config: p.config, directory: p.directory, store: mode.store, settlementStore: p.settlementStore }));
  const last = await mode.store.catchUp();
  p.log(`log: shard ${p.config.gateway.shard} active (${mode.holder}); view rebuilt through stream sequence ${last}`);
}
