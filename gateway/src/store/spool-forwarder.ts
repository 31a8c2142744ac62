// Forwards accepted readings from the local durable spool (the embedded SQLite store, written and
// fsync'd before any PUBACK) to InfluxDB, in seq order, in groups. The watermark (highest seq
// InfluxDB has acknowledged) is kept in the spool file itself. A crash between InfluxDB's answer
// and the watermark update makes the next run send a group again; that is harmless because points
// are idempotent (see ./influx-schema.ts): nothing is lost, nothing is counted twice.
import Database from 'better-sqlite3';
import { readingFromRow, type ReadingRow } from './sqlite-schema.js';
import type { StoredReading } from './reading-store.js';

export interface ForwarderStatus {
  /** InfluxDB accepted the last attempt (or nothing was tried yet) */
  reachable: boolean;
  /** accepted readings in the spool that InfluxDB does not have yet */
  backlogReadings: number;
  forwardedSeq: number;
  lastError: string | null;
  lastErrorAtMs: number | null;
}

export interface SpoolForwarderParameters {
  /** path of the spool (the embedded store's SQLite file) */
  spoolPath: string;
  /** writes the readings to InfluxDB; rejects when InfluxDB did not take them */
  write(readings: readonly StoredReading[]): Promise<void>;
  /** readings per InfluxDB write (InfluxDB 1.x likes 5,000–10,000 points per request) */
  groupSize?: number;
  /** delay before the first retry after a failure; doubles up to maxRetryDelayMs */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  onStatus?(status: ForwarderStatus): void;
}

export interface SpoolForwarder {
  /** something new was appended: forward it soon */
  kick(): void;
  /** resolves true once everything up to `seq` is in InfluxDB, false if not within timeoutMs */
  waitForwarded(seq: number, timeoutMs: number): Promise<boolean>;
  status(): ForwarderStatus;
  /** stops forwarding; waits for a write in flight. Unforwarded readings stay in the spool. */
  close(): Promise<void>;
}

const WATERMARK_SQL = `CREATE TABLE IF NOT EXISTS influx_forwarded (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL) STRICT`;

export function startSpoolForwarder(p: SpoolForwarderParameters): SpoolForwarder {
  const groupSize = p.groupSize ?? 5_000;
  const firstRetryMs = p.retryDelayMs ?? 250;
  const maxRetryMs = p.maxRetryDelayMs ?? 5_000;
  // A second connection to the spool: WAL lets it read committed appends while the store writes.
  const db = new Database(p.spoolPath);
  db.pragma('journal_mode = WAL');
  // The watermark may lag after a crash (re-sending is idempotent), so it needs no fsync of its own.
  db.pragma('synchronous = NORMAL');
  db.exec(WATERMARK_SQL);
  const readWatermark = db.prepare('SELECT seq FROM influx_forwarded WHERE id = 1');
  const saveWatermark = db.prepare('INSERT INTO influx_forwarded (id, seq) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq');
  const pending = db.prepare('SELECT * FROM readings WHERE seq > ? ORDER BY seq LIMIT ?');
  const backlog = db.prepare('SELECT COUNT(*) AS n FROM readings WHERE seq > ?');
  const maxReadingSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM readings');

  let forwardedSeq = (readWatermark.get() as { seq: number } | undefined)?.seq ?? 0;
  let reachable = true;
  let lastError: string | null = null;
  let lastErrorAtMs: number | null = null;
  let running: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryDelayMs = firstRetryMs;
  let again = false;
  let closed = false;
  const waiters = new Set<() => void>();

  function status(): ForwarderStatus {
    const backlogReadings = closed ? 0 : (backlog.get(forwardedSeq) as { n: number }).n;
    return { reachable, backlogReadings, forwardedSeq, lastError, lastErrorAtMs };
  }

  const notify = () => {
    for (const w of waiters) w();
    p.onStatus?.(status());
  };

  async function drain(): Promise<void> {
    for (;;) {
      if (closed) return;
      const rows = pending.all(forwardedSeq, groupSize) as ReadingRow[];
      if (rows.length === 0) return;
      await p.write(rows.map(readingFromRow));
      forwardedSeq = rows[rows.length - 1]!.seq;
      saveWatermark.run(forwardedSeq);
      reachable = true;
      retryDelayMs = firstRetryMs;
      notify();
    }
  }

  function run(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => {
        reachable = false;
        lastError = error instanceof Error ? error.message : String(error);
        lastErrorAtMs = Date.now();
        notify();
        if (!closed && !retryTimer) {
          retryTimer = setTimeout(() => ((retryTimer = null), run()), retryDelayMs);
          retryDelayMs = Math.min(retryDelayMs * 2, maxRetryMs);
        }
      })
      .finally(() => {
        running = null;
        if (again && reachable) {
          again = false;
          run();
        }
      });
  }

  run();

  return {
    kick() {
      // while InfluxDB is down the retry timer paces the attempts; a kick per reading would not help
      if (reachable) run();
    },
    async waitForwarded(seq, timeoutMs) {
      if (forwardedSeq >= seq || closed) return forwardedSeq >= seq;
      // readings seqs skip the seqs of rejections and gaps: wait for the last reading ≤ seq
      const target = Math.min(seq, (maxReadingSeq.get() as { seq: number }).seq);
      if (forwardedSeq >= target) return true;
      run();
      return new Promise<boolean>((resolve) => {
        const check = () => {
          if (forwardedSeq >= target || closed) done();
        };
        const timer = setTimeout(() => done(), timeoutMs);
        function done() {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(forwardedSeq >= target);
        }
        waiters.add(check);
        check();
      });
    },
    status,
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      await running;
      for (const w of waiters) w();
      db.close();
    },
  };
}
