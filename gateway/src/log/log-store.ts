// The ReadingStore of log mode (docs/durability.md): the same port and contract as the embedded
// store — append resolves only once the entries are durable — but durable here means appended to
// the shard's replicated JetStream stream and acknowledged by its replicas. The local SQLite file
// is a view: each acknowledged record is applied to it in stream order, once, and every read is
// served from it; a lost view is rebuilt from the stream (catchUp). Appends that arrive while one
// record is in flight share the next record (group commit, like ./../store/group-commit.ts), and
// every append is fenced twice: by the lease (only the active acknowledges) and by the stream's
// expected last sequence (a deposed writer is refused by the stream itself).
import type { StoreEntry } from '../store/reading-store.js';
import type { MonitoredReadingStore, StoreHealth } from '../store/open-store.js';
import type { LogView } from '../store/sqlite-store.js';
import type { ReadingStore } from '../store/reading-store.js';
import { decodeLogRecord, encodeLogRecord, type LogRecord } from './log-record.js';
import { LogFencedError, type LogReplication, type ShardLog } from './jetstream-log.js';
import type { ShardLease } from './shard-lease.js';

export type BatchRecord = Extract<LogRecord, { kind: 'batch' }>;

export interface LogStoreParameters {
  log: ShardLog;
  view: ReadingStore & LogView;
  lease: ShardLease;
  /** a batch record met while applying the stream (the settlement view rebuilds that batch) */
  onBatchRecord?(record: BatchRecord, logSeq: number): void | Promise<void>;
  /** groups per record at most (one JetStream message stays well under its 1 MiB limit) */
  maxGroupsPerRecord?: number;
  logLine?: (line: string) => void;
}

export interface LogStoreStatus {
  /** lease held and not fenced: appends are acknowledged */
  acknowledging: boolean;
  fencedReason: string | null;
  appliedLogSeq: number;
  lastAppendError: string | null;
  replication: LogReplication | null;
  replicationError: string | null;
}

export type LogStore = MonitoredReadingStore & {
  /** applies every record of the stream the view does not have yet; resolves with the last seq */
  catchUp(): Promise<number>;
  /** appends a settlement batch record (in order with the readings) */
  appendBatch(record: Omit<BatchRecord, 'kind'>): Promise<number>;
  logStatus(): LogStoreStatus;
};

type Pending =
  | { kind: 'entries'; entries: StoreEntry[]; resolve(seqs: number[]): void; reject(error: unknown): void }
  | { kind: 'batch'; record: BatchRecord; resolve(seq: number): void; reject(error: unknown): void };

export function openLogStore(p: LogStoreParameters): LogStore {
  const { log, view, lease } = p;
  const maxGroups = p.maxGroupsPerRecord ?? 256;
  const queue: Pending[] = [];
  let pumping: Promise<void> | null = null;
  let scheduled = false;
  // the stream sequence the next append expects to follow; null = read it from the stream first
  let expectedLastSeq: number | null = null;
  let fencedReason: string | null = null;
  let lastAppendError: string | null = null;
  let replication: LogReplication | null = null;
  let replicationError: string | null = null;
  let closed = false;

  // Once lost, the lease is never taken back by this process: its in-memory state may be stale.
  // Restarting it makes it a standby that rebuilds from the stream.
  lease.onLost((reason) => {
    fencedReason = `lease lost: ${reason}`;
  });

  async function applyRecord(seq: number, data: Uint8Array): Promise<void> {
    const record = decodeLogRecord(data);
    if (record.kind === 'entries') view.applyLogRecord(seq, record.groups);
    else if (view.applyLogRecord(seq, []) !== null) await p.onBatchRecord?.(record, seq);
  }

  async function catchUp(): Promise<number> {
    const last = await log.readFrom(view.appliedLogSeq(), applyRecord);
    expectedLastSeq = last;
    return last;
  }

  function takeRecord(): { record: LogRecord; items: Pending[] } {
    const first = queue[0]!;
    if (first.kind === 'batch') return { record: first.record, items: queue.splice(0, 1) };
    let n = 0;
    while (n < queue.length && n < maxGroups && queue[n]!.kind === 'entries') n++;
    const items = queue.splice(0, n);
    return { record: { kind: 'entries', groups: items.map((i) => (i as Extract<Pending, { kind: 'entries' }>).entries) }, items };
  }

  async function pump(): Promise<void> {
    while (queue.length > 0) {
      const { record, items } = takeRecord();
      const fail = (error: unknown) => items.forEach((i) => i.reject(error));
      if (fencedReason || !lease.canAcknowledge()) {
        fail(new Error(`log: not acknowledging, this gateway is not the shard's active one (${fencedReason ?? 'lease not held'})`));
        continue;
      }
      try {
        if (expectedLastSeq === null) await catchUp();
        const seq = await log.append(encodeLogRecord(record), expectedLastSeq!);
        expectedLastSeq = seq;
        lastAppendError = null;
        if (record.kind === 'entries') {
          const seqs = view.applyLogRecord(seq, record.groups) ?? [];
          items.forEach((item, i) => (item as Extract<Pending, { kind: 'entries' }>).resolve(seqs[i] ?? []));
        } else {
          view.applyLogRecord(seq, []);
          (items[0] as Extract<Pending, { kind: 'batch' }>).resolve(seq);
        }
      } catch (error) {
        // Unknown outcome (timeout) or another writer: read the stream before the next append, so
        // the next expected sequence is the stream's and not a guess.
        expectedLastSeq = null;
        lastAppendError = error instanceof Error ? error.message : String(error);
        if (error instanceof LogFencedError) p.logLine?.(lastAppendError);
        fail(error);
      }
    }
  }

  function schedule(): void {
    if (scheduled || pumping) return;
    scheduled = true;
    // setImmediate: every frame of this event-loop turn lands in the same record.
    setImmediate(() => {
      scheduled = false;
      pumping = pump().finally(() => {
        pumping = null;
        if (queue.length > 0) schedule();
      });
    });
  }

  function submit(item: Pending): void {
    if (closed) return item.reject(new Error('log store: already closed'));
    queue.push(item);
    schedule();
  }

  const refreshReplication = async () => {
    try {
      replication = await log.replication();
      replicationError = null;
    } catch (error) {
      replicationError = error instanceof Error ? error.message : String(error);
    }
  };
  const replicationTimer = setInterval(() => void refreshReplication(), 2_000);
  replicationTimer.unref();
  void refreshReplication();

  const status = (): LogStoreStatus => ({
    acknowledging: !fencedReason && lease.canAcknowledge(),
    fencedReason,
    appliedLogSeq: view.appliedLogSeq(),
    lastAppendError,
    replication,
    replicationError,
  });

  return {
    append(entries) {
      if (entries.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => submit({ kind: 'entries', entries, resolve, reject }));
    },
    appendBatch(record) {
      return new Promise((resolve, reject) => submit({ kind: 'batch', record: { kind: 'batch', ...record }, resolve, reject }));
    },
    catchUp,
    logStatus: status,
    latestPerMeter: () => view.latestPerMeter(),
    byPagination: (meterId, pagination) => view.byPagination(meterId, pagination),
    latestAtOrBefore: (meterId, atMs, maxSeq) => view.latestAtOrBefore(meterId, atMs, maxSeq),
    readings: (meterId, query) => view.readings(meterId, query),
    rejections: (query) => view.rejections(query),
    gaps: (query) => view.gaps(query),
    highWaterSeq: () => view.highWaterSeq(),
    async ping() {
      return status().acknowledging && (await view.ping());
    },
    async health(): Promise<StoreHealth> {
      const s = status();
      const r = s.replication;
      const replicas = r ? `${r.currentPeers + 1}/${r.replicas} replicas current, leader ${r.leader ?? 'none'}, lag ${r.maxPeerLag}` : `replication unknown (${s.replicationError ?? 'not read yet'})`;
      const detail = `JetStream log ${log.stream}: ${replicas}; view applied through ${s.appliedLogSeq}`;
      if (!s.acknowledging) return { status: 'down', detail: `${detail}; not acknowledging (${s.fencedReason ?? 'lease not held'})`, kind: 'jetstream', influxReachable: null, spoolBacklogReadings: 0, log: s };
      const degraded = !r || r.currentPeers + 1 < r.replicas || s.lastAppendError !== null;
      return { status: degraded ? 'degraded' : 'ok', detail, kind: 'jetstream', influxReachable: null, spoolBacklogReadings: 0, log: s };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(replicationTimer);
      // Appends submitted before close() are appended and answered first (the port's contract).
      while (scheduled || pumping || queue.length > 0) {
        if (pumping) await pumping;
        else await new Promise((r) => setImmediate(r));
      }
      await view.close();
    },
  };
}
