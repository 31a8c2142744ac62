// Settlement's own durable state: one SQLite file (better-sqlite3, WAL, synchronous FULL) next to
// the reading store. Every multi-row change is one transaction, so a crash leaves either the
// state before or the state after a batch, never half of one (crash-safe resume).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Hex } from '@feedin/protocol/hex';
import type { BuiltBatch, FrozenReading } from './build-batch.js';
import {
  SETTLEMENT_SCHEMA_SQL,
  SETTLEMENT_SCHEMA_VERSION,
  batchFromRow,
  claimFromRow,
  type BatchRow,
  type ClaimRow,
  type LocalBatch,
  type LocalBatchStatus,
  type StoredClaim,
} from './settlement-schema.js';

export type { LocalBatch, LocalBatchStatus, StoredClaim } from './settlement-schema.js';

export interface MeterState {
  frozen: FrozenReading;
  /** milli-base-units */
  carry: bigint;
}

export interface BatchListQuery {
  limit?: number;
  /** only batches with batchId < before */
  before?: bigint;
  /** include rejected batches (history) */
  includeRejected?: boolean;
}

export interface ClaimQuery {
  limit?: number;
  /** only claims of batches with batchId < before */
  before?: bigint;
  /** (payee claims) the page after this claim: batches older than its batch, or its batch's later meters */
  after?: { batchId: bigint; meterId: string };
}

/** A payee's claims of sandbox-local days, summed (live batches only). */
export interface PayeeDayTotals {
  amount: bigint;
  exportWh: bigint;
  paidWh: bigint;
  claims: number;
}

export interface SettlementStore {
  meta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /** the live (not rejected) batch with this id */
  batch(batchId: bigint): LocalBatch | undefined;
  /** the newest live batch */
  lastBatch(): LocalBatch | undefined;
  /** live batches with a status in `statuses`, oldest first */
  batchesWithStatus(statuses: readonly LocalBatchStatus[], limit?: number): LocalBatch[];
  /** the newest live batch with a status in `statuses` */
  newestWithStatus(statuses: readonly LocalBatchStatus[]): LocalBatch | undefined;
  countWithStatus(statuses: readonly LocalBatchStatus[]): number;
  /** highest block of any recorded submission (0 when none) */
  lastRecordedBlock(): number;
  /** newest first */
  listBatches(query?: BatchListQuery): LocalBatch[];
  claims(batchRow: number): StoredClaim[];
  claim(batchRow: number, meterId: string): StoredClaim | undefined;
  claimsOfMeter(meterId: string, query?: ClaimQuery): StoredClaim[];
  claimsOfPayee(payee: Hex, query?: ClaimQuery): StoredClaim[];
  /** the payee's claims of the sandbox-local days fromDay..toDay (YYYY-MM-DD, inclusive), summed */
  payeeDayTotals(payee: Hex, fromDay: string, toDay: string): PayeeDayTotals;
  /** per-meter state after batch `throughBatchId` (default: after the newest batch) */
  meterStates(throughBatchId?: bigint): Map<string, MeterState>;
  payeeCumulative(throughBatchId?: bigint): Map<Hex, bigint>;
  householdDayTotals(day: string, throughBatchId?: bigint): Map<string, bigint>;
  /** Persists a built batch with its claims and state changes as status 'built' (one transaction). */
  recordBuilt(batch: BuiltBatch, builtAtMs: number): LocalBatch;
  recordSubmitted(batchId: bigint, tx: { txHash: Hex; blockNumber: number; gasUsed: bigint | null }): void;
  setStatus(batchId: bigint, status: Exclude<LocalBatchStatus, 'rejected'>): void;
  /** Marks live batches ≥ batchId rejected and rolls the state back to after batchId − 1. */
  rejectFrom(batchId: bigint, meta?: Record<string, string>): LocalBatch[];
  close(): void;
}

export function openSettlementStore(path: string): SettlementStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    // durability: a batch recorded as built must survive power loss before it is sent
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== 0 && version !== SETTLEMENT_SCHEMA_VERSION)
      throw new Error(`settlement store ${path} has schema version ${version}, this gateway understands ${SETTLEMENT_SCHEMA_VERSION}: use a fresh data dir`);
    db.exec(SETTLEMENT_SCHEMA_SQL);
    db.pragma(`user_version = ${SETTLEMENT_SCHEMA_VERSION}`);
  } catch (error) {
    db.close();
    throw error;
  }

  const MAX = Number.MAX_SAFE_INTEGER;
  const q = {
    meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    batch: db.prepare(`SELECT * FROM batches WHERE batch_id = ? AND status <> 'rejected'`),
    lastBatch: db.prepare(`SELECT * FROM batches WHERE status <> 'rejected' ORDER BY batch_id DESC LIMIT 1`),
    list: db.prepare(
      `SELECT * FROM batches WHERE batch_id < @before AND (@all = 1 OR status <> 'rejected') ORDER BY batch_id DESC, row_id DESC LIMIT @limit`,
    ),
    insertBatch: db.prepare(
      `INSERT INTO batches (batch_id, interval_start_ms, interval_end_ms, watermark, claims_root, payouts_root, claim_count,
         total_export_wh, total_amount, paid_through, local_day, status, built_at_ms)
       VALUES (@batchId, @start, @end, @watermark, @claimsRoot, @payoutsRoot, @claimCount, @totalExportWh, @totalAmount,
         @paidThrough, @localDay, 'built', @builtAtMs)`,
    ),
    insertClaim: db.prepare(
      `INSERT INTO claims VALUES (@batchRow, @meterId, @householdId, @payee, @exportWh, @amount, @leafHash,
         @oSeq, @oPg, @oWh, @oTs, @oDigest, @cSeq, @cPg, @cWh, @cTs, @cDigest, @price, @carryIn, @carryOut, @paidWh, @flags)`,
    ),
    claims: db.prepare(
      `SELECT c.*, b.batch_id, b.interval_start_ms, b.interval_end_ms, b.status AS batch_status FROM claims c JOIN batches b ON b.row_id = c.batch_row
       WHERE c.batch_row = ? ORDER BY c.meter_id`,
    ),
    claim: db.prepare(
      `SELECT c.*, b.batch_id, b.interval_start_ms, b.interval_end_ms, b.status AS batch_status FROM claims c JOIN batches b ON b.row_id = c.batch_row
       WHERE c.batch_row = ? AND c.meter_id = ?`,
    ),
    claimsOfMeter: db.prepare(
      `SELECT c.*, b.batch_id, b.interval_start_ms, b.interval_end_ms, b.status AS batch_status FROM claims c JOIN batches b ON b.row_id = c.batch_row
       WHERE c.meter_id = @key AND b.status <> 'rejected' AND b.batch_id < @before ORDER BY b.batch_id DESC LIMIT @limit`,
    ),
    claimsOfPayee: db.prepare(
      `SELECT c.*, b.batch_id, b.interval_start_ms, b.interval_end_ms, b.status AS batch_status FROM claims c JOIN batches b ON b.row_id = c.batch_row
       WHERE c.payee = @key AND b.status <> 'rejected' AND (b.batch_id < @before OR (b.batch_id = @before AND c.meter_id > @afterMeter))
       ORDER BY b.batch_id DESC, c.meter_id LIMIT @limit`,
    ),
    payeeDays: db.prepare(
      `SELECT b.local_day AS day, c.amount, c.export_wh, c.paid_wh FROM claims c JOIN batches b ON b.row_id = c.batch_row
       WHERE c.payee = ? AND b.status <> 'rejected' AND b.local_day >= ? AND b.local_day <= ?`,
    ),
    meterStates: db.prepare(
      `SELECT s.* FROM meter_state s JOIN (SELECT meter_id, MAX(batch_id) AS b FROM meter_state WHERE batch_id <= ? GROUP BY meter_id) m
       ON s.meter_id = m.meter_id AND s.batch_id = m.b`,
    ),
    payeeStates: db.prepare(
      `SELECT s.* FROM payee_state s JOIN (SELECT payee, MAX(batch_id) AS b FROM payee_state WHERE batch_id <= ? GROUP BY payee) m
       ON s.payee = m.payee AND s.batch_id = m.b`,
    ),
    householdDay: db.prepare(
      `SELECT s.* FROM household_day s JOIN (SELECT household_id, MAX(batch_id) AS b FROM household_day WHERE day = @day AND batch_id <= @through GROUP BY household_id) m
       ON s.household_id = m.household_id AND s.day = @day AND s.batch_id = m.b`,
    ),
    insertMeterState: db.prepare(`INSERT INTO meter_state VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    insertPayeeState: db.prepare(`INSERT INTO payee_state VALUES (?, ?, ?)`),
    insertHouseholdDay: db.prepare(`INSERT INTO household_day VALUES (?, ?, ?, ?)`),
    submitted: db.prepare(
      `UPDATE batches SET tx_hash = @txHash, block_number = @blockNumber, gas_used = @gasUsed,
         status = CASE WHEN status = 'built' THEN 'submitted' ELSE status END
       WHERE batch_id = @batchId AND status <> 'rejected'`,
    ),
    setStatus: db.prepare(`UPDATE batches SET status = ? WHERE batch_id = ? AND status <> 'rejected'`),
    liveFrom: db.prepare(`SELECT * FROM batches WHERE batch_id >= ? AND status <> 'rejected' ORDER BY batch_id`),
    rejectFrom: db.prepare(`UPDATE batches SET status = 'rejected' WHERE batch_id >= ? AND status <> 'rejected'`),
    lastBlock: db.prepare('SELECT MAX(block_number) AS b FROM batches'),
    dropMeterState: db.prepare('DELETE FROM meter_state WHERE batch_id >= ?'),
    dropPayeeState: db.prepare('DELETE FROM payee_state WHERE batch_id >= ?'),
    dropHouseholdDay: db.prepare('DELETE FROM household_day WHERE batch_id >= ?'),
  };

  const through = (batchId: bigint | undefined): number => (batchId === undefined ? MAX : Number(batchId));
  const setMeta = (key: string, value: string): void => void q.setMeta.run(key, value);

  const recordBuilt = db.transaction((b: BuiltBatch, builtAtMs: number): LocalBatch => {
    const id = Number(b.batchId);
    const { lastInsertRowid } = q.insertBatch.run({
      batchId: id,
      start: b.intervalStartMs,
      end: b.intervalEndMs,
      watermark: b.watermark,
      claimsRoot: b.claimsRoot,
      payoutsRoot: b.payoutsRoot,
      claimCount: b.claimCount,
      totalExportWh: b.totalExportWh.toString(),
      totalAmount: b.totalAmount.toString(),
      paidThrough: b.paidThrough.toString(),
      localDay: b.localDay,
      builtAtMs,
    });
    const batchRow = Number(lastInsertRowid);
    for (const c of b.claims) {
      q.insertClaim.run({
        batchRow,
        meterId: c.leaf.meterId,
        householdId: c.householdId,
        payee: c.leaf.payee,
        exportWh: c.leaf.exportWh.toString(),
        amount: c.leaf.amount.toString(),
        leafHash: c.leafHash,
        oSeq: c.opening.seq,
        oPg: c.opening.pagination,
        oWh: c.opening.exportWh.toString(),
        oTs: c.opening.timestampMs,
        oDigest: c.opening.payloadDigest,
        cSeq: c.closing.seq,
        cPg: c.closing.pagination,
        cWh: c.closing.exportWh.toString(),
        cTs: c.closing.timestampMs,
        cDigest: c.closing.payloadDigest,
        price: c.pricing.pricePerKWh.toString(),
        carryIn: c.pricing.carryIn.toString(),
        carryOut: c.pricing.carryOut.toString(),
        paidWh: c.pricing.paidWh.toString(),
        flags: c.pricing.flags.join(','),
      });
    }
    for (const s of b.meterStates)
      q.insertMeterState.run(s.meterId, id, s.frozen.seq, s.frozen.pagination, s.frozen.exportWh.toString(), s.frozen.timestampMs, s.frozen.payloadDigest, s.carry.toString());
    for (const [payee, cumulative] of b.payeeCumulative) q.insertPayeeState.run(payee, id, cumulative.toString());
    for (const [household, total] of b.householdDayTotals) q.insertHouseholdDay.run(household, b.localDay, id, total.toString());
    return batchFromRow(q.batch.get(id) as BatchRow);
  });

  const rejectFrom = db.transaction((batchId: bigint, meta: Record<string, string> | undefined): LocalBatch[] => {
    const id = Number(batchId);
    const rejected = (q.liveFrom.all(id) as BatchRow[]).map(batchFromRow);
    q.rejectFrom.run(id);
    q.dropMeterState.run(id);
    q.dropPayeeState.run(id);
    q.dropHouseholdDay.run(id);
    for (const [key, value] of Object.entries(meta ?? {})) setMeta(key, value);
    return rejected.map((b) => ({ ...b, status: 'rejected' as const }));
  });

  return {
    meta: (key) => (q.meta.get(key) as { value: string } | undefined)?.value,
    setMeta,
    batch(batchId) {
      const row = q.batch.get(Number(batchId)) as BatchRow | undefined;
      return row && batchFromRow(row);
    },
    lastBatch() {
      const row = q.lastBatch.get() as BatchRow | undefined;
      return row && batchFromRow(row);
    },
    batchesWithStatus(statuses, limit = 1_000) {
      if (statuses.length === 0) return [];
      const rows = db
        .prepare(`SELECT * FROM batches WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY batch_id LIMIT ?`)
        .all(...statuses, limit) as BatchRow[];
      return rows.map(batchFromRow);
    },
    newestWithStatus(statuses) {
      if (statuses.length === 0) return undefined;
      const row = db
        .prepare(`SELECT * FROM batches WHERE status IN (${statuses.map(() => '?').join(',')}) ORDER BY batch_id DESC LIMIT 1`)
        .get(...statuses) as BatchRow | undefined;
      return row && batchFromRow(row);
    },
    countWithStatus(statuses) {
      if (statuses.length === 0) return 0;
      const row = db.prepare(`SELECT COUNT(*) AS n FROM batches WHERE status IN (${statuses.map(() => '?').join(',')})`).get(...statuses) as { n: number };
      return row.n;
    },
    lastRecordedBlock: () => (q.lastBlock.get() as { b: number | null }).b ?? 0,
    listBatches(query = {}) {
      const rows = q.list.all({
        before: query.before === undefined ? MAX : Number(query.before),
        all: query.includeRejected ? 1 : 0,
        limit: query.limit ?? 100,
      }) as BatchRow[];
      return rows.map(batchFromRow);
    },
    claims: (batchRow) => (q.claims.all(batchRow) as ClaimRow[]).map(claimFromRow),
    claim(batchRow, meterId) {
      const row = q.claim.get(batchRow, meterId) as ClaimRow | undefined;
      return row && claimFromRow(row);
    },
    claimsOfMeter: (meterId, query = {}) =>
      (q.claimsOfMeter.all({ key: meterId, before: through(query.before), limit: query.limit ?? 100 }) as ClaimRow[]).map(claimFromRow),
    claimsOfPayee(payee, query = {}) {
      // Meter ids are [A-Za-z0-9._-]: '~' sorts after every one, so "after" a batch's last meter.
      const [before, afterMeter] = query.after ? [Number(query.after.batchId), query.after.meterId] : [through(query.before), '~'];
      return (q.claimsOfPayee.all({ key: payee, before, afterMeter, limit: query.limit ?? 100 }) as ClaimRow[]).map(claimFromRow);
    },
    payeeDayTotals(payee, fromDay, toDay) {
      const totals: PayeeDayTotals = { amount: 0n, exportWh: 0n, paidWh: 0n, claims: 0 };
      for (const r of q.payeeDays.all(payee, fromDay, toDay) as Array<{ amount: string; export_wh: string; paid_wh: string }>) {
        totals.amount += BigInt(r.amount);
        totals.exportWh += BigInt(r.export_wh);
        totals.paidWh += BigInt(r.paid_wh);
        totals.claims += 1;
      }
      return totals;
    },
    meterStates(throughBatchId) {
      const out = new Map<string, MeterState>();
      for (const r of q.meterStates.all(through(throughBatchId)) as Array<Record<string, string | number>>) {
        out.set(r.meter_id as string, {
          frozen: {
            seq: r.seq as number,
            pagination: r.pagination as number,
            exportWh: BigInt(r.export_wh as string),
            timestampMs: r.timestamp_ms as number,
            payloadDigest: r.payload_digest as Hex,
          },
          carry: BigInt(r.carry as string),
        });
      }
      return out;
    },
    payeeCumulative(throughBatchId) {
      const rows = q.payeeStates.all(through(throughBatchId)) as Array<{ payee: Hex; cumulative: string }>;
      return new Map(rows.map((r) => [r.payee, BigInt(r.cumulative)]));
    },
    householdDayTotals(day, throughBatchId) {
      const rows = q.householdDay.all({ day, through: through(throughBatchId) }) as Array<{ household_id: string; total: string }>;
      return new Map(rows.map((r) => [r.household_id, BigInt(r.total)]));
    },
    recordBuilt: (batch, builtAtMs) => recordBuilt(batch, builtAtMs),
    recordSubmitted(batchId, tx) {
      q.submitted.run({ batchId: Number(batchId), txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed === null ? null : tx.gasUsed.toString() });
    },
    setStatus(batchId, status) {
      q.setStatus.run(status, Number(batchId));
    },
    rejectFrom: (batchId, meta) => rejectFrom(batchId, meta),
    close() {
      db.close();
    },
  };
}
