// The InfluxDB 1.x schema of accepted readings (docs/storage.md) and the mapping between points
// and the port's StoredReading. One series per meter (tag `meter`); the point time is the
// reading's TM in ms, unique per meter because validation requires TM after the previous reading
// (docs/design.md §Validation rules (gateway)). Writing the same reading twice therefore overwrites
// the same point with the same values: forwarding is idempotent, so a retry can never duplicate a
// reading.
import { FieldType, escape, type IPoint, type ISchemaOptions } from 'influx';
import type { Hex } from '@feedin/protocol/hex';
import type { FrameSource, StoredReading } from './reading-store.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';

export const READINGS_MEASUREMENT = 'readings';
export const DOWNSAMPLED_MEASUREMENT = 'registers_15m';
export const RAW_RETENTION_POLICY = 'raw';
export const DOWNSAMPLED_RETENTION_POLICY = 'downsampled';
export const DOWNSAMPLE_QUERY_NAME = 'registers_15m';
/** every write and every query names its precision; the point time is the reading's TM in ms */
export const PRECISION = 'ms' as const;

// docs/design.md §Meter id: 1–32 characters of [A-Za-z0-9._-]. Checked before an id becomes a tag or
// a query literal, on top of the escaping, so a hostile id can neither inject InfluxQL nor create
// series.

export function readingsSchema(database: string): ISchemaOptions {
  return {
    database,
    measurement: READINGS_MEASUREMENT,
    tags: ['meter'],
    fields: {
      seq: FieldType.INTEGER,
      pagination: FieldType.INTEGER,
      import_wh: FieldType.INTEGER,
      export_wh: FieldType.INTEGER,
      import_wh_decimal: FieldType.STRING,
      export_wh_decimal: FieldType.STRING,
      received_at_ms: FieldType.INTEGER,
      payload_digest: FieldType.STRING,
      ocmf: FieldType.STRING,
      source: FieldType.STRING,
    },
  };
}

// Registers go into integer fields (Grafana and the continuous query do arithmetic on them).
// JSON readers, this package included, parse numbers as doubles, so a register past 2^53 − 1 Wh
// (9 PWh: no real meter) goes into a decimal string field instead and is read back exactly.
function registerFields(name: 'import_wh' | 'export_wh', wh: bigint): Record<string, number | string> {
  return wh <= BigInt(Number.MAX_SAFE_INTEGER) && wh >= BigInt(Number.MIN_SAFE_INTEGER) ? { [name]: Number(wh) } : { [`${name}_decimal`]: wh.toString() };
}

export function pointFromReading(r: StoredReading): IPoint {
  if (!isMeterId(r.meterId)) throw new TypeError(`influx store: meter id ${JSON.stringify(r.meterId)} is not ${METER_ID_RULE}`);
  return {
    measurement: READINGS_MEASUREMENT,
    tags: { meter: r.meterId },
    fields: {
      seq: r.seq,
      pagination: r.pagination,
      ...registerFields('import_wh', r.importWh),
      ...registerFields('export_wh', r.exportWh),
      received_at_ms: r.receivedAtMs,
      payload_digest: r.payloadDigest,
      ocmf: r.ocmf,
      source: r.source,
    },
    timestamp: String(r.timestampMs),
  };
}

/** A row of `SELECT * FROM readings` queried with precision ms (time is epoch ms). */
export interface ReadingPointRow {
  time: unknown;
  meter: string;
  seq: number;
  pagination: number;
  import_wh: number | null;
  export_wh: number | null;
  import_wh_decimal: string | null;
  export_wh_decimal: string | null;
  received_at_ms: number;
  payload_digest: string;
  ocmf: string;
  source: string;
}

function register(int: number | null, decimal: string | null, what: string): bigint {
  if (decimal !== null && decimal !== undefined) return BigInt(decimal);
  if (typeof int === 'number') return BigInt(int);
  throw new Error(`influx store: point without ${what}`);
}

export function readingFromPoint(row: ReadingPointRow, timestampMs: number): StoredReading {
  return {
    seq: row.seq,
    meterId: row.meter,
    pagination: row.pagination,
    importWh: register(row.import_wh, row.import_wh_decimal, 'import_wh'),
    exportWh: register(row.export_wh, row.export_wh_decimal, 'export_wh'),
    timestampMs,
    receivedAtMs: row.received_at_ms,
    payloadDigest: row.payload_digest as Hex,
    ocmf: row.ocmf,
    source: row.source as FrameSource,
  };
}

function epochMs(value: number, what: string): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`influx store: ${what} must be a safe integer of epoch ms, got ${value}`);
  return `${value}ms`;
}

/** InfluxQL for a meter's readings in an inclusive time range; every literal is validated and
 * escaped, nothing is pasted in raw. */
export function readingsQuery(database: string, meterId: string, fromMs: number | undefined, toMs: number | undefined, limit: number | undefined): string {
  if (!isMeterId(meterId)) throw new TypeError(`influx store: invalid meter id ${JSON.stringify(meterId)}`);
  const where = [`"meter" = ${escape.stringLit(meterId)}`];
  if (fromMs !== undefined) where.push(`time >= ${epochMs(fromMs, 'fromMs')}`);
  if (toMs !== undefined) where.push(`time <= ${epochMs(toMs, 'toMs')}`);
  let q = `SELECT * FROM ${escape.quoted(database)}.${escape.quoted(RAW_RETENTION_POLICY)}.${escape.quoted(READINGS_MEASUREMENT)} WHERE ${where.join(' AND ')} ORDER BY time ASC`;
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError(`influx store: limit must be a non-negative integer, got ${limit}`);
    q += ` LIMIT ${limit}`;
  }
  return q;
}

/** Continuous query: the last register values of every meter per 15 min (the claim interval
 * default), kept in the downsampled RP. Registers are cumulative, so the difference of two
 * consecutive rows is the energy of that interval. */
export function downsampleQuery(database: string): string {
  const db = escape.quoted(database);
  return `SELECT last("import_wh") AS "import_wh", last("export_wh") AS "export_wh", last("pagination") AS "pagination"
 INTO ${db}.${escape.quoted(DOWNSAMPLED_RETENTION_POLICY)}.${escape.quoted(DOWNSAMPLED_MEASUREMENT)}
 FROM ${db}.${escape.quoted(RAW_RETENTION_POLICY)}.${escape.quoted(READINGS_MEASUREMENT)} GROUP BY time(15m), "meter"`;
}
