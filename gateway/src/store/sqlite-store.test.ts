import { mkdtempSync, rmSync } from 'node:fs';
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

  it('commits appends of one event-loop turn in one transaction and sustains thousands per second', async () => {
    const store = openSqliteStore(join(dir, 'throughput.sqlite'));
    const n = 5_000;
    const started = performance.now();
    const seqs = await Promise.all(Array.from({ length: n }, (_, i) => store.append([{ kind: 'accepted', reading: sampleReading(`m${i % 100}`, Math.floor(i / 100) + 1) }])));
    const seconds = (performance.now() - started) / 1000;
    expect(seqs.flat()).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // fsync per append would take seconds on most disks; one commit for the whole turn does not
    expect(n / seconds).toBeGreaterThan(2_000);
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
