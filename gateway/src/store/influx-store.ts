// The InfluxDB-backed ReadingStore. A PUBACK may only follow a durable write (docs/design.md
// §Transports), and InfluxDB 1.x acknowledges a write before it is fsync'd and is a network hop
// away, so every append goes first into a local durable spool (the embedded SQLite store, fsync'd)
// and is then forwarded to InfluxDB in groups by ./spool-forwarder.ts. The split (docs/storage.md):
// - local spool: system of record for validation — latest per meter, duplicate/replay lookups,
//   batch watermarks, rejections and gaps. Exact and available while InfluxDB is down.
// - InfluxDB: the shared time-series engine — range reads of readings (once the forwarder has
//   caught up), Grafana, retention and downsampling.
import { InfluxDB, type IPoolOptions } from 'influx';
import { DEFAULT_RETENTION, ensureInfluxSchema, type InfluxRetention } from './influx-setup.js';
import { PRECISION, RAW_RETENTION_POLICY, pointFromReading, readingFromPoint, readingsQuery, readingsSchema, type ReadingPointRow } from './influx-schema.js';
import type { MonitoredReadingStore, StoreHealth } from './open-store.js';
import type { ReadingQuery, StoredReading } from './reading-store.js';
import { startSpoolForwarder } from './spool-forwarder.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';
import { openSqliteStore } from './sqlite-store.js';


export interface InfluxStoreParameters {
  /** InfluxDB 1.x HTTP API, e.g. http://influxdb:8086 (user:password@ for auth) */
  url: string;
  database: string;
  /** the local durable spool (SQLite file), e.g. <dataDir>/gateway/readings.db */
  spoolPath: string;
  /** log mode (docs/durability.md): the store that owns spoolPath — the JetStream log store, whose
   * SQLite view is the spool — instead of an embedded store opened here. InfluxDB is then a view
   * of the view: rebuilt from the stream like it. */
  spool?: MonitoredReadingStore;
  retention?: InfluxRetention;
  /** readings per InfluxDB write */
  groupSize?: number;
  /** how long readings() waits for the forwarder to catch up before answering from the spool */
  readCatchUpMs?: number;
  requestTimeoutMs?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

function connect(url: string, database: string, requestTimeoutMs: number): InfluxDB {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`influx store: ${url} is not an http(s) URL`);
  const pool: IPoolOptions = {
    maxRetries: 0, // the forwarder retries with its own backoff
    requestTimeout: requestTimeoutMs,
    // the package disables a failed host for up to 10 s by default; recover as soon as it is back
    backoff: { getDelay: () => 100, next() { return this; }, reset() { return this; } },
  };
  return new InfluxDB({
    host: u.hostname,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    protocol: u.protocol === 'https:' ? 'https' : 'http',
    path: u.pathname === '/' ? '' : u.pathname,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
    schema: [readingsSchema(database)],
    pool,
  });
}

export function openInfluxStore(p: InfluxStoreParameters): MonitoredReadingStore {
  const database = p.database;
  const retention = p.retention ?? DEFAULT_RETENTION;
  const readCatchUpMs = p.readCatchUpMs ?? 2_000;
  const influx = connect(p.url, database, p.requestTimeoutMs ?? 5_000);
  const where = `InfluxDB ${new URL(p.url).host} database ${database}`;
  const spool = p.spool ?? openSqliteStore(p.spoolPath);
  let schemaReady = false;

  const forwarder = startSpoolForwarder({
    spoolPath: p.spoolPath,
    groupSize: p.groupSize,
    retryDelayMs: p.retryDelayMs,
    maxRetryDelayMs: p.maxRetryDelayMs,
    async write(readings: readonly StoredReading[]) {
      try {
        if (!schemaReady) await ensureInfluxSchema(influx, database, retention);
        schemaReady = true;
        // precision ms: the point time is the reading's TM in epoch ms, named on every write
        await influx.writePoints(readings.map(pointFromReading), { database, retentionPolicy: RAW_RETENTION_POLICY, precision: PRECISION });
      } catch (error) {
        // after an outage InfluxDB may come back empty (a new container): set it up again
        schemaReady = false;
        throw error;
      }
    },
  });

  async function readingsFromInflux(meterId: string, query: ReadingQuery): Promise<StoredReading[]> {
    const rows = await influx.query<ReadingPointRow>(readingsQuery(database, meterId, query.fromMs, query.toMs, query.limit), { database, precision: PRECISION });
    return rows.map((row) => readingFromPoint(row, (row.time as Date).getTime()));
  }

  const store: MonitoredReadingStore = {
    async append(entries) {
      for (const e of entries)
        if (e.kind === 'accepted' && !isMeterId(e.reading.meterId))
          throw new TypeError(`influx store: meter id ${JSON.stringify(e.reading.meterId)} is not ${METER_ID_RULE}`);
      const seqs = await spool.append(entries);
      if (entries.some((e) => e.kind === 'accepted')) forwarder.kick();
      return seqs;
    },
    latestPerMeter: () => spool.latestPerMeter(),
    byPagination: (meterId, pagination) => spool.byPagination(meterId, pagination),
    latestAtOrBefore: (meterId, atMs, maxSeq) => spool.latestAtOrBefore(meterId, atMs, maxSeq),
    async readings(meterId, query: ReadingQuery = {}) {
      // an id no meter can have (it came from a URL, say) has no readings
      if (!isMeterId(meterId) || query.limit === 0) return [];
      // Read-your-writes: answer from InfluxDB only once it holds everything appended so far;
      // while it is down or behind, the spool has the same readings, exactly.
      const upTo = await spool.highWaterSeq();
      if (forwarder.status().reachable && (await forwarder.waitForwarded(upTo, readCatchUpMs))) {
        try {
          return await readingsFromInflux(meterId, query);
        } catch {
          // went down between the check and the query: the spool answers
        }
      }
      return spool.readings(meterId, query);
    },
    rejections: (query) => spool.rejections(query),
    gaps: (query) => spool.gaps(query),
    highWaterSeq: () => spool.highWaterSeq(),
    // Liveness of what a PUBACK depends on: the spool. InfluxDB being down is `degraded` (health).
    ping: () => spool.ping(),
    async health(): Promise<StoreHealth> {
      const own = await influxHealth();
      if (!p.spool) return own;
      // log mode: what a PUBACK depends on is the log; InfluxDB only adds to the detail
      const log = await p.spool.health();
      return { ...own, status: log.status === 'ok' ? own.status : log.status, detail: `${log.detail}; ${own.detail}`, ...(log.log ? { log: log.log } : {}) };
    },
    async close() {
      // appends submitted before close() are committed to the spool first
      await spool.close();
      // a clean shutdown hands InfluxDB what it can in a moment; the rest waits in the spool
      if (forwarder.status().reachable) await forwarder.waitForwarded(Number.MAX_SAFE_INTEGER, 1_000);
      await forwarder.close();
    },
  };
  async function influxHealth(): Promise<StoreHealth> {
    {
      const spoolOk = await spool.ping();
      const s = forwarder.status();
      const influxUp = s.reachable && (await influx.ping(1_000).then((hosts) => hosts.some((h) => h.online), () => false));
      if (!spoolOk) return { status: 'down', detail: `local spool ${p.spoolPath} does not answer`, kind: 'influxdb', influxReachable: influxUp, spoolBacklogReadings: s.backlogReadings };
      if (!influxUp) {
        const since = s.lastErrorAtMs === null ? '' : ` since ${new Date(s.lastErrorAtMs).toISOString()}`;
        return {
          status: 'degraded',
          detail: `${where} unreachable${since}${s.lastError ? ` (${s.lastError})` : ''}; ${s.backlogReadings} readings spooled locally, accepting on`,
          kind: 'influxdb',
          influxReachable: false,
          spoolBacklogReadings: s.backlogReadings,
        };
      }
      return { status: 'ok', detail: `${where}, ${s.backlogReadings} readings waiting in the local spool`, kind: 'influxdb', influxReachable: true, spoolBacklogReadings: s.backlogReadings };
    }
  }
  return store;
}
