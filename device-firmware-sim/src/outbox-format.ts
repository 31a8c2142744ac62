// The on-disk format of a device's outbox (docs/device-sim.md "Files on disk"):
//   state.json     snapshot, replaced atomically: counters, registers, unacknowledged readings
//   journal.jsonl  one JSON object per line, appended since the snapshot:
//                  {"r":{pg,ocmf,atMs,importMilliJoules,exportMilliJoules}} a reading (fsync'd before publish)
//                  {"a":pg}                                   an acknowledgement (no fsync needed)
// bigints are decimal strings (JSON has no exact integers beyond 2^53).
import type { RegisterState } from './registers.js';

export const STATE_FORMAT_VERSION = 1;

export interface OutboxSnapshot {
  meterId: string;
  /** PG number the next reading gets (OCMF: starts at 1, +1 per reading, never repeats) */
  nextPagination: number;
  /** sandbox time of the last reading taken, ms; null before the first */
  lastReadingMs: number | null;
  registers: RegisterState;
  /** unacknowledged readings in PG order */
  pending: Array<{ pagination: number; ocmf: string }>;
}

export type JournalEntry =
  | { kind: 'reading'; pagination: number; ocmf: string; atMs: number; registers: RegisterState }
  | { kind: 'ack'; pagination: number };

export function serializeSnapshot(s: OutboxSnapshot): string {
  return `${JSON.stringify({
    version: STATE_FORMAT_VERSION,
    meterId: s.meterId,
    nextPagination: s.nextPagination,
    lastReadingMs: s.lastReadingMs,
    importMilliJoules: s.registers.importMilliJoules.toString(),
    exportMilliJoules: s.registers.exportMilliJoules.toString(),
    pending: s.pending.map((p) => ({ pg: p.pagination, ocmf: p.ocmf })),
  })}\n`;
}

export function serializeJournalEntry(e: JournalEntry): string {
  return e.kind === 'ack'
    ? `${JSON.stringify({ a: e.pagination })}\n`
    : `${JSON.stringify({ r: { pg: e.pagination, ocmf: e.ocmf, atMs: e.atMs, importMilliJoules: e.registers.importMilliJoules.toString(), exportMilliJoules: e.registers.exportMilliJoules.toString() } })}\n`;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPg = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;
const isEnergy = (v: unknown): v is string => typeof v === 'string' && /^\d{1,40}$/.test(v);

/** undefined when the text is not a snapshot of this format (the caller says what to fix). */
export function parseSnapshot(text: string): OutboxSnapshot | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRec(v) || v.version !== STATE_FORMAT_VERSION || typeof v.meterId !== 'string' || !isPg(v.nextPagination)) return undefined;
  if (!(v.lastReadingMs === null || Number.isSafeInteger(v.lastReadingMs)) || !isEnergy(v.importMilliJoules) || !isEnergy(v.exportMilliJoules)) return undefined;
  if (!Array.isArray(v.pending) || !v.pending.every((p) => isRec(p) && isPg(p.pg) && typeof p.ocmf === 'string')) return undefined;
  return {
    meterId: v.meterId,
    nextPagination: v.nextPagination,
    lastReadingMs: v.lastReadingMs as number | null,
    registers: { importMilliJoules: BigInt(v.importMilliJoules), exportMilliJoules: BigInt(v.exportMilliJoules) },
    pending: (v.pending as Rec[]).map((p) => ({ pagination: p.pg as number, ocmf: p.ocmf as string })),
  };
}

export function parseJournalLine(line: string): JournalEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRec(v)) return undefined;
  if (isPg(v.a)) return { kind: 'ack', pagination: v.a };
  const r = v.r;
  if (!isRec(r) || !isPg(r.pg) || typeof r.ocmf !== 'string' || !Number.isSafeInteger(r.atMs) || !isEnergy(r.importMilliJoules) || !isEnergy(r.exportMilliJoules)) return undefined;
  return { kind: 'reading', pagination: r.pg, ocmf: r.ocmf, atMs: r.atMs as number, registers: { importMilliJoules: BigInt(r.importMilliJoules), exportMilliJoules: BigInt(r.exportMilliJoules) } };
}
