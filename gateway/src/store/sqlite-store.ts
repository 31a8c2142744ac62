// The embedded ReadingStore: one SQLite file (better-sqlite3) in WAL mode with
// synchronous = FULL, so a resolved append has been fsync'd and survives power loss. Appends are
// group-committed (see ./group-commit.ts). The gateway process is the only writer.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { createGroupCommitter } from './group-commit.js';
import type { GapQuery, ReadingQuery, ReadingStore, RejectionQuery, StoreEntry } from './reading-store.js';
import {
  SCHEMA_SQL,
  SCHEMA_VERSION,
  gapFromRow,
  readingFromRow,
  rejectionFromRow,
  type GapRow,
  type ReadingRow,
  type RejectionRow,
} from './sqlite-schema.js';

/** The embedded store as a view of the replicated log (docs/durability.md): entries come from
 * log records applied in log order, each once; the log's sequence applied so far is kept in the
 * same transaction as the rows, so a crash mid-apply neither loses nor repeats a record. */
export interface LogView {
  /** applies the groups of log record `logSeq` (seqs per group, as append gives them); null when
   * this record (or a later one) was applied before */
  applyLogRecord(logSeq: number, groups: readonly (readonly StoreEntry[])[]): number[][] | null;
  /** the last log sequence applied (0 for none) */
  appliedLogSeq(): number;
}

interface SqliteStoreOptions {
  /** FULL (default): each commit fsyncs, the store is the durability point. NORMAL: for a view of
   * the replicated log, which is the durability point and rebuilds what a crash took. */
  synchronous?: 'FULL' | 'NORMAL';
}

export function openSqliteStore(path: string): ReadingStore {
  return openSqliteFile(path, { synchronous: 'FULL' });
}

/** The store as a view of the replicated log: the log is the durability point, so commits need
 * not fsync (a crash loses only what the stream gives back). */
export function openSqliteView(path: string): ReadingStore & LogView {
  return openSqliteFile(path, { synchronous: 'NORMAL' });
}

function openSqliteFile(path: string, options: SqliteStoreOptions): ReadingStore & LogView {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    prepareDatabase(db, path, options.synchronous ?? 'FULL');
  } catch (error) {
    db.close();
    throw error;
  }

  const insertReading = db.prepare(
    `INSERT INTO readings (seq, meter_id, pagination, import_wh, export_wh, timestamp_ms, received_at_ms, payload_digest, ocmf, source)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertRejection = db.prepare(
    `INSERT INTO rejections (seq, meter_id, pagination, reason, detail, frame, received_at_ms, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertGap = db.prepare(
    `INSERT INTO gaps (seq, meter_id, expected_pagination, received_pagination, received_at_ms) VALUES (?, ?, ?, ?, ?)`,
  );
  const maxSeq = db.prepare(
    `SELECT MAX(s) AS seq FROM (SELECT MAX(seq) AS s FROM readings UNION ALL SELECT MAX(seq) FROM rejections UNION ALL SELECT MAX(seq) FROM gaps)`,
  );
  const latestPerMeter = db.prepare(
    `SELECT r.* FROM readings r JOIN (SELECT meter_id, MAX(seq) AS seq FROM readings GROUP BY meter_id) m ON r.seq = m.seq`,
  );
  const byPagination = db.prepare(`SELECT * FROM readings WHERE meter_id = ? AND pagination = ?`);
  const latestAtOrBefore = db.prepare(
    `SELECT * FROM readings WHERE meter_id = ? AND timestamp_ms <= ? AND seq <= ? ORDER BY timestamp_ms DESC, seq DESC LIMIT 1`,
  );
  const readingsRange = db.prepare(
    `SELECT * FROM readings WHERE meter_id = @meterId AND timestamp_ms >= @fromMs AND timestamp_ms <= @toMs
     ORDER BY timestamp_ms, seq LIMIT @limit`,
  );
  const rejections = db.prepare(
    `SELECT * FROM rejections WHERE (@meterId IS NULL OR meter_id = @meterId) AND (@reason IS NULL OR reason = @reason)
     ORDER BY seq DESC LIMIT @limit`,
  );
  const gaps = db.prepare(`SELECT * FROM gaps WHERE (@meterId IS NULL OR meter_id = @meterId) ORDER BY seq DESC LIMIT @limit`);
  const ping = db.prepare('SELECT 1 AS ok');
  db.exec(LOG_APPLIED_SQL);
  const readApplied = db.prepare('SELECT log_seq FROM log_applied WHERE id = 1');
  const saveApplied = db.prepare('INSERT INTO log_applied (id, log_seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET log_seq = excluded.log_seq');
  let appliedSeq = (readApplied.get() as { log_seq: number } | undefined)?.log_seq ?? 0;

  let lastSeq = (maxSeq.get() as { seq: number | null }).seq ?? 0;
  let closed = false;

  function insert(entry: StoreEntry, seq: number): void {
    switch (entry.kind) {
      case 'accepted': {
        const r = entry.reading;
        insertReading.run(seq, r.meterId, r.pagination, r.importWh.toString(), r.exportWh.toString(), r.timestampMs, r.receivedAtMs, r.payloadDigest, r.ocmf, r.source);
        return;
      }
      case 'rejected': {
        const r = entry.rejection;
        insertRejection.run(seq, r.meterId, r.pagination, r.reason, r.detail, r.frame, r.receivedAtMs, r.source);
        return;
      }
      case 'gap': {
        const g = entry.gap;
        insertGap.run(seq, g.meterId, g.expectedPagination, g.receivedPagination, g.receivedAtMs);
        return;
      }
      default:
        throw new TypeError(`sqlite store: unknown entry kind ${JSON.stringify((entry as { kind: unknown }).kind)}`);
    }
  }

  // Seqs are handed out inside the transaction and given back if it rolls back, so they stay
  // gap-free and strictly increasing.
  const writeGroup = db.transaction((groups: readonly (readonly StoreEntry[])[]): number[][] => {
    const before = lastSeq;
    try {
      return groups.map((entries) =>
        entries.map((entry) => {
          const seq = lastSeq + 1;
          insert(entry, seq);
          lastSeq = seq;
          return seq;
        }),
      );
    } catch (error) {
      lastSeq = before;
      throw error;
    }
  });

  const committer = createGroupCommitter<readonly StoreEntry[], number[]>(
    (groups) => writeGroup(groups),
    (entries) => writeGroup([entries])[0]!,
  );

  // One log record in one transaction with its watermark. A group that the store refuses (it
  // cannot, after ingest's checks) is skipped alone on every replica alike, so views stay equal.
  const applyRecord = db.transaction((logSeq: number, groups: readonly (readonly StoreEntry[])[]): number[][] => {
    const seqs = groups.map((entries) => {
      try {
        return writeGroup([entries])[0]!;
      } catch {
        return [];
      }
    });
    saveApplied.run(logSeq);
    return seqs;
  });

  function assertOpen(): void {
    if (closed) throw new Error('sqlite store: already closed');
  }

  const noLimit = Number.MAX_SAFE_INTEGER;

  return {
    async append(entries) {
      assertOpen();
      if (entries.length === 0) return [];
      return committer.submit(entries);
    },
    async latestPerMeter() {
      assertOpen();
      const rows = latestPerMeter.all() as ReadingRow[];
      return new Map(rows.map((row) => [row.meter_id, readingFromRow(row)]));
    },
    async byPagination(meterId, pagination) {
      assertOpen();
      const row = byPagination.get(meterId, pagination) as ReadingRow | undefined;
      return row && readingFromRow(row);
    },
    async latestAtOrBefore(meterId, atMs, maxSeq) {
      assertOpen();
      const row = latestAtOrBefore.get(meterId, atMs, maxSeq) as ReadingRow | undefined;
      return row && readingFromRow(row);
    },
    async readings(meterId, query: ReadingQuery = {}) {
      assertOpen();
      const rows = readingsRange.all({
        meterId,
        fromMs: query.fromMs ?? Number.MIN_SAFE_INTEGER,
        toMs: query.toMs ?? Number.MAX_SAFE_INTEGER,
        limit: query.limit ?? noLimit,
      }) as ReadingRow[];
      return rows.map(readingFromRow);
    },
    async rejections(query: RejectionQuery = {}) {
      assertOpen();
      const rows = rejections.all({ meterId: query.meterId ?? null, reason: query.reason ?? null, limit: query.limit ?? noLimit }) as RejectionRow[];
      return rows.map(rejectionFromRow);
    },
    async gaps(query: GapQuery = {}) {
      assertOpen();
      const rows = gaps.all({ meterId: query.meterId ?? null, limit: query.limit ?? noLimit }) as GapRow[];
      return rows.map(gapFromRow);
    },
    applyLogRecord(logSeq, groups) {
      assertOpen();
      if (logSeq <= appliedSeq) return null;
      const seqs = applyRecord(logSeq, groups);
      appliedSeq = logSeq;
      return seqs;
    },
    appliedLogSeq: () => appliedSeq,
    async highWaterSeq() {
      assertOpen();
      return lastSeq;
    },
    async ping() {
      if (closed) return false;
      try {
        return (ping.get() as { ok: number }).ok === 1;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      // Appends already submitted are committed and answered before the file closes.
      await committer.flush();
      closed = true;
      db.close();
    },
  };
}

const LOG_APPLIED_SQL = `CREATE TABLE IF NOT EXISTS log_applied (id INTEGER PRIMARY KEY CHECK (id = 1), log_seq INTEGER NOT NULL) STRICT`;

function prepareDatabase(db: Database.Database, path: string, synchronous: 'FULL' | 'NORMAL'): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION)
    throw new Error(`sqlite store ${path}: schema version ${version} is newer than this gateway understands (${SCHEMA_VERSION}); upgrade feedin`);
  if (path !== ':memory:') {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`sqlite store ${path}: could not switch to WAL journal mode (got ${String(mode)})`);
  }
  // WAL + FULL: every commit fsyncs the WAL, so a resolved append survives power loss
  // (NORMAL would only survive a process crash).
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA_SQL);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}
