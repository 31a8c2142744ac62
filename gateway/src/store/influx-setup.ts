// Creates (idempotently) what the InfluxDB store writes into: the database, the raw retention
// policy (the default of the database) and the downsampled one, and the continuous query that
// fills the latter. Run before the first write, and again after InfluxDB was unreachable, so an
// InfluxDB that lost its data (a fresh container) is set up again.
import { escape, type InfluxDB } from 'influx';
import { DOWNSAMPLED_RETENTION_POLICY, DOWNSAMPLE_QUERY_NAME, RAW_RETENTION_POLICY, downsampleQuery } from './influx-schema.js';

export interface InfluxRetention {
  /** InfluxQL duration of raw readings, e.g. "INF" (evidence for the regulator) or "520w" */
  rawDuration: string;
  /** InfluxQL duration of the 15-minute downsampled registers */
  downsampledDuration: string;
}

export const DEFAULT_RETENTION: InfluxRetention = { rawDuration: 'INF', downsampledDuration: 'INF' };

// InfluxQL durations: INF or a sequence of <int><unit>; checked because they go into a statement.
const DURATION = /^(INF|(\d+(ns|u|µ|ms|s|m|h|d|w))+)$/;

export async function ensureInfluxSchema(influx: InfluxDB, database: string, retention: InfluxRetention): Promise<void> {
  for (const d of [retention.rawDuration, retention.downsampledDuration])
    if (!DURATION.test(d)) throw new TypeError(`influx store: retention ${JSON.stringify(d)} is not an InfluxQL duration (INF, 30d, 52w, …)`);
  const db = escape.quoted(database);
  await influx.query(`CREATE DATABASE ${db}`);
  await upsertRetentionPolicy(influx, db, RAW_RETENTION_POLICY, retention.rawDuration, true);
  await upsertRetentionPolicy(influx, db, DOWNSAMPLED_RETENTION_POLICY, retention.downsampledDuration, false);
  const cq = `CREATE CONTINUOUS QUERY ${escape.quoted(DOWNSAMPLE_QUERY_NAME)} ON ${db} BEGIN ${downsampleQuery(database)} END`;
  try {
    await influx.query(cq);
  } catch (error) {
    // an older definition of the same name: replace it
    if (!/already exists/.test(String(error))) throw error;
    await influx.query(`DROP CONTINUOUS QUERY ${escape.quoted(DOWNSAMPLE_QUERY_NAME)} ON ${db}`);
    await influx.query(cq);
  }
}

async function upsertRetentionPolicy(influx: InfluxDB, db: string, name: string, duration: string, isDefault: boolean): Promise<void> {
  const tail = `ON ${db} DURATION ${duration} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`;
  try {
    await influx.query(`CREATE RETENTION POLICY ${escape.quoted(name)} ${tail}`);
  } catch (error) {
    if (!/already exists/.test(String(error))) throw error;
    await influx.query(`ALTER RETENTION POLICY ${escape.quoted(name)} ${tail}`);
  }
}
