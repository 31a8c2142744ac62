// Tables of the embedded store and the mapping between rows and the port's types. Registers are
// TEXT decimals: exact for any size a meter may report (an INTEGER column would overflow past
// 2^63 and turn a valid reading into a store failure). Readings are never updated or deleted.
import type { Hex } from '@feedin/protocol/hex';
import type { FrameSource, StoredGap, StoredReading, StoredRejection } from './reading-store.js';

export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS readings (
  seq INTEGER PRIMARY KEY,
  meter_id TEXT NOT NULL,
  pagination INTEGER NOT NULL,
  import_wh TEXT NOT NULL,
  export_wh TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  payload_digest TEXT NOT NULL,
  ocmf TEXT NOT NULL,
  source TEXT NOT NULL
) STRICT;
-- OCMF: one reading per PG per meter; the store refuses to count energy twice even if a caller errs.
CREATE UNIQUE INDEX IF NOT EXISTS readings_meter_pagination ON readings (meter_id, pagination);
CREATE INDEX IF NOT EXISTS readings_meter_time ON readings (meter_id, timestamp_ms, seq);

CREATE TABLE IF NOT EXISTS rejections (
  seq INTEGER PRIMARY KEY,
  meter_id TEXT,
  pagination INTEGER,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  frame TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  source TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS rejections_meter ON rejections (meter_id, seq);
CREATE INDEX IF NOT EXISTS rejections_reason ON rejections (reason, seq);

CREATE TABLE IF NOT EXISTS gaps (
  seq INTEGER PRIMARY KEY,
  meter_id TEXT NOT NULL,
  expected_pagination INTEGER NOT NULL,
  received_pagination INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS gaps_meter ON gaps (meter_id, seq);
`;

export interface ReadingRow {
  seq: number;
  meter_id: string;
  pagination: number;
  import_wh: string;
  export_wh: string;
  timestamp_ms: number;
  received_at_ms: number;
  payload_digest: string;
  ocmf: string;
  source: string;
}

export interface RejectionRow {
  seq: number;
  meter_id: string | null;
  pagination: number | null;
  reason: string;
  detail: string;
  frame: string;
  received_at_ms: number;
  source: string;
}

export interface GapRow {
  seq: number;
  meter_id: string;
  expected_pagination: number;
  received_pagination: number;
  received_at_ms: number;
}

export function readingFromRow(row: ReadingRow): StoredReading {
  return {
    seq: row.seq,
    meterId: row.meter_id,
    pagination: row.pagination,
    importWh: BigInt(row.import_wh),
    exportWh: BigInt(row.export_wh),
    timestampMs: row.timestamp_ms,
    receivedAtMs: row.received_at_ms,
    payloadDigest: row.payload_digest as Hex,
    ocmf: row.ocmf,
    source: row.source as FrameSource,
  };
}

export function rejectionFromRow(row: RejectionRow): StoredRejection {
  return {
    seq: row.seq,
    meterId: row.meter_id,
    pagination: row.pagination,
    reason: row.reason,
    detail: row.detail,
    frame: row.frame,
    receivedAtMs: row.received_at_ms,
    source: row.source as FrameSource,
  };
}

export function gapFromRow(row: GapRow): StoredGap {
  return {
    seq: row.seq,
    meterId: row.meter_id,
    expectedPagination: row.expected_pagination,
    receivedPagination: row.received_pagination,
    receivedAtMs: row.received_at_ms,
  };
}
