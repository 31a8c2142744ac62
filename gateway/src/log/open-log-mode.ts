// Log mode for a composition root (docs/durability.md): connect to the JetStream cluster, wait
// as standby until this process holds the shard's lease, then rebuild the local view from the
// stream and hand back a ReadingStore that acknowledges only through the log. The caller opens
// its other stores from the view afterwards, so everything the gateway knows on takeover is what
// the stream (and the chain) say, never what a lost machine's disk said.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { openSqliteView } from '../store/sqlite-store.js';
import { openShardLog, type ShardLog } from './jetstream-log.js';
import { openLogStore, type BatchRecord, type LogStore } from './log-store.js';
import { openShardLease, type ShardLease } from './shard-lease.js';

export interface OpenLogModeParameters {
  servers: string[];
  shard: string;
  replicas: number;
  leaseSeconds: number;
  /** the SQLite view (rebuilt from the stream when missing) */
  viewPath: string;
  log: (line: string) => void;
  /** while waiting as standby */
  onStandby?(holder: string | null): void;
  signal?: AbortSignal;
}

export interface LogMode {
  store: LogStore;
  lease: ShardLease;
  shardLog: ShardLog;
  /** the holder id of this process */
  holder: string;
  /** where batch records go while the stream is applied; set before catchUp() */
  setBatchHandler(handler: (record: BatchRecord, logSeq: number) => void | Promise<void>): void;
  /** stops renewing, closes the view and the connection */
  close(): Promise<void>;
}

export async function openLogMode(p: OpenLogModeParameters): Promise<LogMode> {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const shardLog = await openShardLog({ servers: p.servers, shard: p.shard, replicas: p.replicas, name: `feedin-gateway-${p.shard}-${holder}` });
  const ttlMs = p.leaseSeconds * 1000;
  const lease = await openShardLease({ connection: shardLog.connection, shard: p.shard, holder, ttlMs, replicas: p.replicas, log: p.log }).catch(async (error: unknown) => {
    await shardLog.close();
    throw error;
  });
  const current = lease.status();
  p.log(`log: shard ${p.shard} on ${shardLog.stream} (R${p.replicas}); waiting for its lease as standby${current.holder ? ` (held by ${current.holder})` : ''}`);
  p.onStandby?.(current.holder);
  await lease.acquire(p.signal);
  let batchHandler: ((record: BatchRecord, logSeq: number) => void | Promise<void>) | undefined;
  const view = openSqliteView(p.viewPath);
  if (view.appliedLogSeq() === 0 && (await view.highWaterSeq()) > 0) {
    await view.close();
    await lease.close();
    await shardLog.close();
    throw new Error(`log: ${p.viewPath} holds an embedded (durability sqlite) store, not a view of the log; start log mode on a fresh data dir`);
  }
  const store = openLogStore({ log: shardLog, view, lease, onBatchRecord: (r, s) => batchHandler?.(r, s), logLine: p.log });
  return {
    store,
    lease,
    shardLog,
    holder,
    setBatchHandler(handler) {
      batchHandler = handler;
    },
    async close() {
      // flush the appends already submitted while the lease is still ours, then release it
      await store.close();
      await lease.close();
      await shardLog.close();
    },
  };
}
