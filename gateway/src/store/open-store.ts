// Chooses the ReadingStore adapter for a gateway: the embedded SQLite store (default) or InfluxDB
// behind a local durable spool, by the sandbox config's `storage` or INFLUX_URL in the
// environment (which wins, like the other FEEDIN_* overrides, so docker-compose can point a stock
// config at its InfluxDB). Only a composition root calls this.
import { join } from 'node:path';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { openInfluxStore } from './influx-store.js';
import type { ReadingStore } from './reading-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { LogStoreStatus } from '../log/log-store.js';

/** What /api/health shows for the store (the dashboard's ComponentHealth plus figures). */
export interface StoreHealth {
  /** ok; degraded = accepting into the local spool while InfluxDB is unreachable, or (jetstream)
   * acknowledging with fewer replicas current than configured; down = not accepting */
  status: 'ok' | 'degraded' | 'down';
  detail: string;
  kind: 'embedded' | 'influxdb' | 'jetstream';
  /** null for the embedded store */
  influxReachable: boolean | null;
  /** accepted readings in the local spool not yet in InfluxDB (0 for the embedded store) */
  spoolBacklogReadings: number;
  /** jetstream only: the lease, the fencing and the stream's replication state */
  log?: LogStoreStatus;
}

export type MonitoredReadingStore = ReadingStore & { health(): Promise<StoreHealth> };

export interface OpenReadingStoreParameters {
  config: Pick<SandboxConfig, 'storage'>;
  /** the sandbox data dir (FEEDIN_DATA_DIR) */
  dataDir: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** default <dataDir>/gateway/readings.db: the embedded store, or the spool in front of InfluxDB */
  localPath?: string;
}

/** Which store the config and the environment choose: InfluxDB (URL and database) or the embedded
 * one. Throws on a missing or malformed URL; a composition root may call it first, to fail before
 * it starts anything (cli preflight). */
export function chooseReadingStore(config: Pick<SandboxConfig, 'storage'>, env: Readonly<Record<string, string | undefined>> = process.env): { url: string; database: string } | undefined {
  const url = env.INFLUX_URL || (config.storage.kind === 'influxdb' ? config.storage.url : undefined);
  if (config.storage.kind === 'influxdb' && !url)
    throw new Error('sandbox config: storage.kind is "influxdb" but neither storage.url nor INFLUX_URL gives the InfluxDB URL (e.g. http://127.0.0.1:8086)');
  if (!url) return undefined;
  try {
    new URL(url);
  } catch {
    throw new Error(`INFLUX_URL / storage.url ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:8086)`);
  }
  return { url, database: env.INFLUX_DATABASE || config.storage.database };
}

export function openReadingStore({ config, dataDir, env = process.env, localPath }: OpenReadingStoreParameters): MonitoredReadingStore {
  const path = localPath ?? join(dataDir, 'gateway', 'readings.db');
  const influx = chooseReadingStore(config, env);
  if (influx) return openInfluxStore({ ...influx, spoolPath: path });
  return withEmbeddedHealth(openSqliteStore(path), path);
}

function withEmbeddedHealth(store: ReadingStore, path: string): MonitoredReadingStore {
  return Object.assign(store, {
    async health(): Promise<StoreHealth> {
      const ok = await store.ping().catch(() => false);
      return ok
        ? { status: 'ok', detail: `embedded SQLite store ${path}`, kind: 'embedded', influxReachable: null, spoolBacklogReadings: 0 }
        : { status: 'down', detail: `embedded SQLite store ${path} does not answer`, kind: 'embedded', influxReachable: null, spoolBacklogReadings: 0 };
    },
  });
}
