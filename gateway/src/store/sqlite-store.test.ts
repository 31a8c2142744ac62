import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeReadingStoreConformance, sampleReading } from './reading-store.conformance.js';
import { openSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'feedin-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
let lastPath = '';
describeReadingStoreConformance('sqlite', {
  open: async () => openSqliteStore((lastPath = join(dir, `store-${++counter}`, 'readings.sqlite'))),
  reopen: async () => openSqliteStore(lastPath),
});

describe('sqlite store specifics', () => {
  it('runs in WAL mode with synchronous = FULL', async () => {
    const path = join(dir, 'pragmas.sqlite');
    const store = openSqliteStore(path);
    await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }]);
    const peek = new Database(path, { readonly: true });
    expect(peek.pragma('journal_mode', { simple: true })).toBe('wal');
    peek.close();
    await store.close();
  });

  it('refuses a second reading with the same meter and PG without failing the neighbours in its group', async () => {
    const store = openSqliteStore(join(dir, 'unique.sqlite'));
    await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }]);
    const [bad, good] = await Promise.allSettled([
      store.append([{ kind: 'accepted', reading: sampleReading('m1', 1, { ocmf: 'other bytes' }) }]),
      store.append([{ kind: 'accepted', reading: sampleReading('m2', 1) }]),
    ]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(good).toEqual({ status: 'fulfilled', value: [2] });
    expect(await store.highWaterSeq()).toBe(2);
    await store.close();
  });

  it('commits the appends of one event-loop turn in one transaction, and the next turn in another', async () => {
    const path = join(dir, 'group-commit.sqlite');
    const store = openSqliteStore(path);
    await store.append([{ kind: 'accepted', reading: sampleReading('warm-up', 1) }]);
    const before = walCommits(path);

    const n = 500;
    const seqs = await Promise.all(Array.from({ length: n }, (_, i) => store.append([{ kind: 'accepted', reading: sampleReading(`m${i % 50}`, Math.floor(i / 50) + 1) }])));
    expect(seqs.flat()).toEqual(Array.from({ length: n }, (_, i) => i + 2));
    // one commit record in the WAL, so one fsync, for 500 appends made in the same turn
    expect(walCommits(path) - before).toBe(1);

    await store.append([{ kind: 'accepted', reading: sampleReading('later', 1) }]);
    await store.append([{ kind: 'accepted', reading: sampleReading('later', 2) }]);
    expect(walCommits(path) - before).toBe(3);
    await store.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'newer.sqlite');
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openSqliteStore(path)).toThrow(
      `sqlite store ${path}: schema version 99 is newer than this gateway understands (1); upgrade feedin`,
    );
  });
});

/**
 * Counts the transactions committed to a WAL file: a frame whose "database size after commit"
 * field is non-zero ends a transaction (sqlite.org/fileformat.html, "WAL file format"). Only
 * frames with the header's salts count, since a restarted WAL keeps stale frames after its end.
 */
function walCommits(dbPath: string): number {
  const wal = readFileSync(`${dbPath}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return commits;
}
