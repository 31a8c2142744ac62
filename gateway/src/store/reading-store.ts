// The storage port of the gateway: every accepted and every rejected frame is recorded here
// before the device gets its answer (PUBACK / ACK / NAK). Adapters: embedded (SQLite) and,
// later, InfluxDB; both must pass the one conformance suite in ./reading-store.conformance.ts.
import type { Hex } from '@feedin/protocol/hex';

export type FrameSource = 'mqtt' | 'serial' | 'http';

/** A reading that passed every validation rule. `seq` is assigned by the store, strictly
 * increasing across all meters: a batch remembers the highest seq it saw (its watermark). */
export interface StoredReading {
  seq: number;
  meterId: string;
  pagination: number;
  importWh: bigint;
  exportWh: bigint;
  timestampMs: number;
  receivedAtMs: number;
  /** SHA-256 of the payload bytes exactly as signed (0x-hex) */
  payloadDigest: Hex;
  /** the whole OCMF string exactly as received */
  ocmf: string;
  source: FrameSource;
}

export type NewReading = Omit<StoredReading, 'seq'>;

/** A frame that was durably refused, with a machine-readable reason. */
export interface StoredRejection {
  seq: number;
  meterId: string | null;
  pagination: number | null;
  reason: string;
  detail: string;
  /** the frame as received (truncated to the broker's size limit) */
  frame: string;
  receivedAtMs: number;
  source: FrameSource;
}

export type NewRejection = Omit<StoredRejection, 'seq'>;

/** An accepted reading whose PG skipped numbers (OCMF: PG counts by exactly 1). Recorded in the
 * same append as that reading, so the gap is as durable as the reading that revealed it. */
export interface StoredGap {
  seq: number;
  meterId: string;
  /** the PG number that should have come next */
  expectedPagination: number;
  /** the PG number that came instead (> expected) */
  receivedPagination: number;
  receivedAtMs: number;
}

export type NewGap = Omit<StoredGap, 'seq'>;

export type StoreEntry =
  | { kind: 'accepted'; reading: NewReading }
  | { kind: 'rejected'; rejection: NewRejection }
  | { kind: 'gap'; gap: NewGap };

export interface ReadingQuery {
  /** inclusive: timestampMs ≥ fromMs */
  fromMs?: number;
  /** inclusive: timestampMs ≤ toMs */
  toMs?: number;
  limit?: number;
}

export interface RejectionQuery {
  meterId?: string;
  reason?: string;
  limit?: number;
}

export interface GapQuery {
  meterId?: string;
  limit?: number;
}

export interface ReadingStore {
  /** Durably records the entries (all or none) and resolves with their seqs in order. Readings,
   * rejections and gaps share one seq counter. Resolution means the data is on disk (fsync'd or
   * equivalent); a rejected promise means nothing of these entries was recorded. */
  append(entries: StoreEntry[]): Promise<number[]>;
  /** The newest accepted reading of each meter: the validation state after a restart. */
  latestPerMeter(): Promise<Map<string, StoredReading>>;
  /** The accepted reading of a meter with this pagination, if any (duplicate / replay check). */
  byPagination(meterId: string, pagination: number): Promise<StoredReading | undefined>;
  /** The last accepted reading of the meter with timestampMs ≤ atMs and seq ≤ maxSeq. */
  latestAtOrBefore(meterId: string, atMs: number, maxSeq: number): Promise<StoredReading | undefined>;
  /** Accepted readings of a meter ordered by timestamp. */
  readings(meterId: string, query?: ReadingQuery): Promise<StoredReading[]>;
  /** Rejections, newest first. */
  rejections(query?: RejectionQuery): Promise<StoredRejection[]>;
  /** Recorded pagination gaps, newest first. */
  gaps(query?: GapQuery): Promise<StoredGap[]>;
  /** Highest seq assigned so far (0 when empty). */
  highWaterSeq(): Promise<number>;
  /** Cheap liveness probe for /api/health. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
