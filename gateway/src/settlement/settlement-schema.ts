// Tables of the settlement store. Amounts and registers are TEXT decimals (exact bigints).
// State tables (meter_state, payee_state, household_day) are versioned by batch_id: a row holds
// the value after that batch, the state after batch N is the newest row with batch_id ≤ N, and
// rolling back to N−1 after a rejection deletes the rows with batch_id ≥ N. Batches and claims
// are history: a rejected batch keeps its rows with status 'rejected', so ids are reused by the
// rebuilt batches and batches are keyed by row_id.
import type { Hex } from '@feedin/protocol/hex';
import type { FrozenReading } from './build-batch.js';
import type { ClaimFlag } from './price-claim.js';

export const SETTLEMENT_SCHEMA_VERSION = 1;

export const SETTLEMENT_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE IF NOT EXISTS batches (
  row_id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL,
  interval_start_ms INTEGER NOT NULL,
  interval_end_ms INTEGER NOT NULL,
  watermark INTEGER NOT NULL,
  claims_root TEXT NOT NULL,
  payouts_root TEXT NOT NULL,
  claim_count INTEGER NOT NULL,
  total_export_wh TEXT NOT NULL,
  total_amount TEXT NOT NULL,
  paid_through TEXT NOT NULL,
  local_day TEXT NOT NULL,
  status TEXT NOT NULL,
  built_at_ms INTEGER NOT NULL,
  tx_hash TEXT,
  block_number INTEGER,
  gas_used TEXT
) STRICT;
-- one live (not rejected) batch per id: the chain's sequence, mirrored
CREATE UNIQUE INDEX IF NOT EXISTS batches_live ON batches (batch_id) WHERE status <> 'rejected';

CREATE TABLE IF NOT EXISTS claims (
  batch_row INTEGER NOT NULL REFERENCES batches (row_id),
  meter_id TEXT NOT NULL,
  household_id TEXT NOT NULL,
  payee TEXT NOT NULL,
  export_wh TEXT NOT NULL,
  amount TEXT NOT NULL,
  leaf_hash TEXT NOT NULL,
  opening_seq INTEGER NOT NULL,
  opening_pagination INTEGER NOT NULL,
  opening_export_wh TEXT NOT NULL,
  opening_timestamp_ms INTEGER NOT NULL,
  opening_digest TEXT NOT NULL,
  closing_seq INTEGER NOT NULL,
  closing_pagination INTEGER NOT NULL,
  closing_export_wh TEXT NOT NULL,
  closing_timestamp_ms INTEGER NOT NULL,
  closing_digest TEXT NOT NULL,
  price_per_kwh TEXT NOT NULL,
  carry_in TEXT NOT NULL,
  carry_out TEXT NOT NULL,
  paid_wh TEXT NOT NULL,
  flags TEXT NOT NULL,
  PRIMARY KEY (batch_row, meter_id)
) STRICT;
CREATE INDEX IF NOT EXISTS claims_meter ON claims (meter_id, batch_row);
CREATE INDEX IF NOT EXISTS claims_payee ON claims (payee, batch_row);

CREATE TABLE IF NOT EXISTS meter_state (
  meter_id TEXT NOT NULL,
  batch_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  pagination INTEGER NOT NULL,
  export_wh TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  payload_digest TEXT NOT NULL,
  carry TEXT NOT NULL,
  PRIMARY KEY (meter_id, batch_id)
) STRICT;

CREATE TABLE IF NOT EXISTS payee_state (
  payee TEXT NOT NULL,
  batch_id INTEGER NOT NULL,
  cumulative TEXT NOT NULL,
  PRIMARY KEY (payee, batch_id)
) STRICT;

CREATE TABLE IF NOT EXISTS household_day (
  household_id TEXT NOT NULL,
  day TEXT NOT NULL,
  batch_id INTEGER NOT NULL,
  total TEXT NOT NULL,
  PRIMARY KEY (household_id, day, batch_id)
) STRICT;
`;

/** built: persisted, not yet on chain; submitted: mined, status not yet read back. */
export type LocalBatchStatus = 'built' | 'submitted' | 'pending' | 'frozen' | 'approved' | 'final' | 'rejected';

export interface LocalBatch {
  rowId: number;
  batchId: bigint;
  intervalStartMs: number;
  intervalEndMs: number;
  watermark: number;
  claimsRoot: Hex;
  payoutsRoot: Hex;
  claimCount: number;
  totalExportWh: bigint;
  totalAmount: bigint;
  /** every amount paid through this batch (budget cap) */
  paidThrough: bigint;
  localDay: string;
  status: LocalBatchStatus;
  /** sandbox time of the build */
  builtAtMs: number;
  txHash: Hex | null;
  blockNumber: number | null;
  gasUsed: bigint | null;
}

export interface StoredClaim {
  batchId: bigint;
  batchRow: number;
  meterId: string;
  householdId: string;
  payee: Hex;
  exportWh: bigint;
  amount: bigint;
  leafHash: Hex;
  opening: FrozenReading;
  closing: FrozenReading;
  pricing: { pricePerKWh: bigint; carryIn: bigint; carryOut: bigint; paidWh: bigint; flags: ClaimFlag[] };
  intervalStartMs: number;
  intervalEndMs: number;
  /** the status of the claim's batch when it was read */
  batchStatus: LocalBatchStatus;
}

export interface BatchRow {
  row_id: number;
  batch_id: number;
  interval_start_ms: number;
  interval_end_ms: number;
  watermark: number;
  claims_root: string;
  payouts_root: string;
  claim_count: number;
  total_export_wh: string;
  total_amount: string;
  paid_through: string;
  local_day: string;
  status: string;
  built_at_ms: number;
  tx_hash: string | null;
  block_number: number | null;
  gas_used: string | null;
}

export type ClaimRow = Record<string, string | number> & { batch_id: number; interval_start_ms: number; interval_end_ms: number; batch_status: string };

export function batchFromRow(r: BatchRow): LocalBatch {
  return {
    rowId: r.row_id,
    batchId: BigInt(r.batch_id),
    intervalStartMs: r.interval_start_ms,
    intervalEndMs: r.interval_end_ms,
    watermark: r.watermark,
    claimsRoot: r.claims_root as Hex,
    payoutsRoot: r.payouts_root as Hex,
    claimCount: r.claim_count,
    totalExportWh: BigInt(r.total_export_wh),
    totalAmount: BigInt(r.total_amount),
    paidThrough: BigInt(r.paid_through),
    localDay: r.local_day,
    status: r.status as LocalBatchStatus,
    builtAtMs: r.built_at_ms,
    txHash: r.tx_hash as Hex | null,
    blockNumber: r.block_number,
    gasUsed: r.gas_used === null ? null : BigInt(r.gas_used),
  };
}

function reading(r: ClaimRow, side: 'opening' | 'closing'): FrozenReading {
  return {
    seq: r[`${side}_seq`] as number,
    pagination: r[`${side}_pagination`] as number,
    exportWh: BigInt(r[`${side}_export_wh`] as string),
    timestampMs: r[`${side}_timestamp_ms`] as number,
    payloadDigest: r[`${side}_digest`] as Hex,
  };
}

export function claimFromRow(r: ClaimRow): StoredClaim {
  const flags = r.flags as string;
  return {
    batchId: BigInt(r.batch_id),
    batchRow: r.batch_row as number,
    meterId: r.meter_id as string,
    householdId: r.household_id as string,
    payee: r.payee as Hex,
    exportWh: BigInt(r.export_wh as string),
    amount: BigInt(r.amount as string),
    leafHash: r.leaf_hash as Hex,
    opening: reading(r, 'opening'),
    closing: reading(r, 'closing'),
    pricing: {
      pricePerKWh: BigInt(r.price_per_kwh as string),
      carryIn: BigInt(r.carry_in as string),
      carryOut: BigInt(r.carry_out as string),
      paidWh: BigInt(r.paid_wh as string),
      flags: flags === '' ? [] : (flags.split(',') as ClaimFlag[]),
    },
    intervalStartMs: r.interval_start_ms,
    intervalEndMs: r.interval_end_ms,
    batchStatus: r.batch_status as LocalBatchStatus,
  };
}
