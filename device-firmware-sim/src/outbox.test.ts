import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOutbox, type NewOutboxReading } from './outbox.js';

let dataDir: string;
beforeEach(async () => void (dataDir = await mkdtemp(join(tmpdir(), 'feedin-outbox-'))));
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const reading = (pg: number): NewOutboxReading => ({
  pagination: pg,
  ocmf: `OCMF|{"PG":"F${pg}"}|{}`,
  atMs: 1_000_000 + pg * 60_000,
  registers: { importMilliJoules: BigInt(pg) * 10n, exportMilliJoules: BigInt(pg) * 3_600_000n },
});
const pendingOf = (o: { pending(): IterableIterator<[number, string]> }) => [...o.pending()].map(([pg]) => pg);
const dir = () => join(dataDir, 'devices', 'M1');

describe('openOutbox', () => {
  it('starts a new meter at PG 1 with zero registers and writes state.json at once', async () => {
    const o = await openOutbox(dataDir, 'M1');
    expect(o.state()).toEqual({ nextPagination: 1, lastReadingMs: null, registers: { importMilliJoules: 0n, exportMilliJoules: 0n } });
    expect(JSON.parse(await readFile(join(dir(), 'state.json'), 'utf8'))).toEqual({
      version: 1, meterId: 'M1', nextPagination: 1, lastReadingMs: null, importMilliJoules: '0', exportMilliJoules: '0', pending: [],
    });
    await o.close();
  });

  it('survives a crash: a new process reads the same readings, registers and next PG from disk', async () => {
    const first = await openOutbox(dataDir, 'M1');
    for (const pg of [1, 2, 3]) await first.append(reading(pg));
    expect(first.acknowledge(1)).toBe(true);
    // no close(): the first process "crashes" here
    const second = await openOutbox(dataDir, 'M1');
    expect(pendingOf(second)).toEqual([2, 3]);
    expect(second.getPending(3)).toBe('OCMF|{"PG":"F3"}|{}');
    expect(second.state()).toEqual({ nextPagination: 4, lastReadingMs: reading(3).atMs, registers: reading(3).registers });
    await second.close();
    await first.close().catch(() => undefined);
  });

  it('continues the PG after a restart and never takes one twice', async () => {
    const a = await openOutbox(dataDir, 'M1');
    await a.append(reading(1));
    await a.append(reading(2));
    await a.close();
    const b = await openOutbox(dataDir, 'M1');
    expect(() => b.append(reading(2))).toThrow('pagination: expected 3 (OCMF: PG grows by exactly 1), got 2');
    await b.append(reading(3));
    expect(pendingOf(b)).toEqual([1, 2, 3]);
    await b.close();
  });

  it('ignores a journal line torn by a crash (that reading was never published)', async () => {
    const a = await openOutbox(dataDir, 'M1');
    await a.append(reading(1));
    await appendFile(join(dir(), 'journal.jsonl'), '{"r":{"pg":2,"ocmf":"OCMF|{');
    const b = await openOutbox(dataDir, 'M1');
    expect(pendingOf(b)).toEqual([1]);
    expect(b.state().nextPagination).toBe(2);
    await b.close();
  });

  it('replays a journal that a crash left next to a newer snapshot without applying it twice', async () => {
    const a = await openOutbox(dataDir, 'M1');
    for (const pg of [1, 2, 3]) await a.append(reading(pg));
    a.acknowledge(2);
    await a.close(); // snapshot written, journal truncated
    const journal = '{"r":{"pg":1,"ocmf":"x","atMs":1,"importMilliJoules":"0","exportMilliJoules":"0"}}\n{"a":2}\n';
    await writeFile(join(dir(), 'journal.jsonl'), journal);
    const b = await openOutbox(dataDir, 'M1');
    expect(pendingOf(b)).toEqual([1, 3]);
    expect(b.getPending(1)).toBe(reading(1).ocmf);
    expect(b.state().nextPagination).toBe(4);
    await b.close();
  });

  it('refuses a damaged journal and a state file of another meter, saying what to do', async () => {
    const a = await openOutbox(dataDir, 'M1');
    await a.close();
    await writeFile(join(dir(), 'journal.jsonl'), 'garbage\n{"a":1}\n');
    await expect(openOutbox(dataDir, 'M1')).rejects.toThrow(
      `${join(dir(), 'journal.jsonl')}:1 is not an outbox journal entry; the file is damaged (move the device folder away to start the meter afresh)`,
    );
    await writeFile(join(dir(), 'journal.jsonl'), '');
    const state = JSON.parse(await readFile(join(dir(), 'state.json'), 'utf8'));
    await writeFile(join(dir(), 'state.json'), JSON.stringify({ ...state, meterId: 'M2' }));
    await expect(openOutbox(dataDir, 'M1')).rejects.toThrow(`${join(dir(), 'state.json')} belongs to meter "M2", not "M1"`);
  });

  it('compacts a long journal into state.json, keeping only what is unacknowledged', async () => {
    const a = await openOutbox(dataDir, 'M1');
    for (let pg = 1; pg <= 1100; pg++) {
      await a.append(reading(pg));
      if (pg <= 1050) a.acknowledge(pg);
    }
    const lines = (await readFile(join(dir(), 'journal.jsonl'), 'utf8')).split('\n').length;
    expect(lines).toBeLessThan(1000);
    const b = await openOutbox(dataDir, 'M1');
    expect(pendingOf(b)).toEqual(Array.from({ length: 50 }, (_, i) => 1051 + i));
    expect(b.state().nextPagination).toBe(1101);
    await b.close();
    await a.close().catch(() => undefined);
    expect((await readdir(dir())).sort()).toEqual(['journal.jsonl', 'state.json']);
  });

  it('when full keeps the oldest readings and refuses new ones until acks make room', async () => {
    const o = await openOutbox(dataDir, 'M1', { capacity: 2 });
    await o.append(reading(1));
    await o.append(reading(2));
    expect(o.isFull()).toBe(true);
    expect(() => o.append(reading(3))).toThrow('outbox of M1 is full (2 readings); check isFull() first');
    o.acknowledge(1);
    expect(o.isFull()).toBe(false);
    await o.append(reading(3));
    expect(pendingOf(o)).toEqual([2, 3]);
    await o.close();
  });

  it('refuses readings that go back in time or decrease a register', async () => {
    const o = await openOutbox(dataDir, 'M1');
    await o.append(reading(1));
    expect(() => o.append({ ...reading(2), atMs: reading(1).atMs })).toThrow(`atMs: ${reading(1).atMs} is not after the last reading at ${reading(1).atMs}`);
    expect(() => o.append({ ...reading(2), registers: { importMilliJoules: 0n, exportMilliJoules: 10n ** 12n } })).toThrow('registers: a register never decreases');
    await o.close();
  });
});
