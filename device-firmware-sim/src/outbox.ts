// Durable store-and-forward for one meter (docs/design.md §Store-and-forward: devices keep
// unacknowledged readings on disk and resend after reconnect). The outbox also owns the meter's
// fiscal state — next PG, registers, time of the last reading — so a restarted device continues
// both and never repeats a PG.
//
// Durability: a reading is on disk (journal line fsync'd) before append() resolves, and the
// device publishes only after that. Acks are journalled without fsync: losing one in a crash
// only means an identical resend, which the gateway answers as an idempotent duplicate.
// The snapshot (state.json) is rewritten atomically when the journal has grown as long as the
// outbox itself, so the cost per reading stays constant even with 100,000 readings waiting.
//
// Full outbox: the device keeps the oldest readings and takes no new ones until acks make room
// (the caller counts those as skipped). No PG is consumed by a skipped reading and the registers
// keep integrating, so the next reading carries all the energy: nothing is lost, no gap appears.
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { deviceDir } from './device-paths.js';
import { STATE_FORMAT_VERSION, parseJournalLine, parseSnapshot, serializeJournalEntry, serializeSnapshot, type JournalEntry, type OutboxSnapshot } from './outbox-format.js';
import type { RegisterState } from './registers.js';

export const DEFAULT_OUTBOX_CAPACITY = 100_000;
const MIN_JOURNAL_LINES_BEFORE_COMPACTION = 1_000;

export interface OutboxState {
  nextPagination: number;
  lastReadingMs: number | null;
  registers: RegisterState;
}

export interface NewOutboxReading {
  pagination: number;
  ocmf: string;
  /** sandbox time of the reading (its TM), ms */
  atMs: number;
  registers: RegisterState;
}

export interface Outbox {
  readonly meterId: string;
  readonly capacity: number;
  state(): OutboxState;
  /** unacknowledged readings, in PG order */
  pending(): IterableIterator<[pagination: number, ocmf: string]>;
  pendingCount(): number;
  getPending(pagination: number): string | undefined;
  isFull(): boolean;
  /** records the next reading durably; resolves once it is on disk */
  append(reading: NewOutboxReading): Promise<void>;
  /** forgets an acknowledged reading; false when it was not pending (a late or repeated ack) */
  acknowledge(pagination: number): boolean;
  /** waits for queued writes, writes a fresh snapshot and closes the journal */
  close(): Promise<void>;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function replay(snapshot: OutboxSnapshot, journalText: string, journalPath: string): { state: OutboxState; pending: Map<number, string> } {
  const state: OutboxState = { nextPagination: snapshot.nextPagination, lastReadingMs: snapshot.lastReadingMs, registers: snapshot.registers };
  const pending = new Map(snapshot.pending.map((p) => [p.pagination, p.ocmf] as const));
  const lines = journalText.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    const entry: JournalEntry | undefined = parseJournalLine(line);
    if (!entry) {
      // A crash during an append can leave a torn last line; that reading was never published.
      if (lines.slice(i + 1).every((l) => l === '')) return;
      throw new Error(`${journalPath}:${i + 1} is not an outbox journal entry; the file is damaged (move the device folder away to start the meter afresh)`);
    }
    if (entry.kind === 'ack') pending.delete(entry.pagination);
    // Entries already in the snapshot repeat when a crash hit between snapshot and truncation.
    else if (entry.pagination >= state.nextPagination) {
      pending.set(entry.pagination, entry.ocmf);
      state.nextPagination = entry.pagination + 1;
      state.lastReadingMs = entry.atMs;
      state.registers = entry.registers;
    }
  });
  return { state, pending };
}

export async function openOutbox(dataDir: string, meterId: string, opts: { capacity?: number } = {}): Promise<Outbox> {
  const capacity = opts.capacity ?? DEFAULT_OUTBOX_CAPACITY;
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity: a positive integer, got ${capacity}`);
  const dir = deviceDir(dataDir, meterId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const statePath = join(dir, 'state.json');
  const journalPath = join(dir, 'journal.jsonl');

  const stateText = await readText(statePath);
  const snapshot: OutboxSnapshot | undefined =
    stateText === undefined ? { meterId, nextPagination: 1, lastReadingMs: null, registers: { importMilliJoules: 0n, exportMilliJoules: 0n }, pending: [] } : parseSnapshot(stateText);
  if (!snapshot) throw new Error(`${statePath} is not a device state file (format ${STATE_FORMAT_VERSION}); move it away to start the meter afresh`);
  if (snapshot.meterId !== meterId) throw new Error(`${statePath} belongs to meter ${JSON.stringify(snapshot.meterId)}, not ${JSON.stringify(meterId)}`);
  const replayed = replay(snapshot, (await readText(journalPath)) ?? '', journalPath);

  let state = replayed.state;
  const pending = replayed.pending;
  let journal: FileHandle | undefined;
  let journalLines = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  const compact = async () => {
    await writeFileAtomic(statePath, serializeSnapshot({ meterId, ...state, pending: [...pending].map(([pagination, ocmf]) => ({ pagination, ocmf })) }));
    await journal?.close();
    // Truncating after the snapshot is in place: a crash in between replays entries it already has.
    journal = await open(journalPath, 'w', 0o600);
    journalLines = 0;
  };
  await compact();

  const writeEntry = async (entry: JournalEntry, durable: boolean) => {
    if (!journal) throw new Error(`outbox of ${meterId} is closed`);
    await journal.appendFile(serializeJournalEntry(entry));
    if (durable) await journal.datasync();
    journalLines++;
    if (journalLines >= Math.max(MIN_JOURNAL_LINES_BEFORE_COMPACTION, pending.size)) await compact();
  };

  return {
    meterId,
    capacity,
    state: () => ({ ...state, registers: { ...state.registers } }),
    pending: () => pending.entries(),
    pendingCount: () => pending.size,
    getPending: (pagination) => pending.get(pagination),
    isFull: () => pending.size >= capacity,
    append(reading) {
      // Misuse, not data: the device must number and order its own readings correctly.
      if (reading.pagination !== state.nextPagination) throw new RangeError(`pagination: expected ${state.nextPagination} (OCMF: PG grows by exactly 1), got ${reading.pagination}`);
      if (state.lastReadingMs !== null && reading.atMs <= state.lastReadingMs) throw new RangeError(`atMs: ${reading.atMs} is not after the last reading at ${state.lastReadingMs}`);
      if (reading.registers.importMilliJoules < state.registers.importMilliJoules || reading.registers.exportMilliJoules < state.registers.exportMilliJoules) throw new RangeError('registers: a register never decreases');
      if (pending.size >= capacity) throw new RangeError(`outbox of ${meterId} is full (${capacity} readings); check isFull() first`);
      // The PG is taken now, before the write: if the write fails it is skipped, never reused.
      state = { nextPagination: reading.pagination + 1, lastReadingMs: reading.atMs, registers: reading.registers };
      pending.set(reading.pagination, reading.ocmf);
      return enqueue(() => writeEntry({ kind: 'reading', ...reading }, true)).catch((error: unknown) => {
        pending.delete(reading.pagination);
        throw error;
      });
    },
    acknowledge(pagination) {
      if (!pending.delete(pagination)) return false;
      void enqueue(() => writeEntry({ kind: 'ack', pagination }, false)).catch(() => undefined);
      return true;
    },
    async close() {
      await enqueue(async () => {
        if (!journal) return;
        await compact();
        await journal?.close();
        journal = undefined;
      });
    },
  };
}
