// `feedin audit meter <id> --from --to`: one meter's chain of signed readings over a time range,
// each re-verified with the registry key valid at its TM (a reading signed by a key revoked at its
// time is `key-revoked`), with every pagination gap (seen in the chain itself, not
// taken from the gateway's word), every rejection, every claim a cap cut, and the plausibility
// flags a signature alone cannot show.
import { bytesToHex, type Hex } from '@feedin/protocol/hex';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord, type MeterReading } from '@feedin/protocol/ocmf-reading';
import { verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { chainFindings, type PlausibilityFinding } from '@feedin/protocol/plausibility';
import { keyAt } from '@feedin/protocol/key-history';
import { meterKeyHistory, type MeterDirectory } from '../registry/meter-directory.js';
import { outagesBetween, type SandboxOutage } from '../settlement/outages.js';
import type { SettlementStore } from '../settlement/settlement-store.js';
import type { ReadingStore } from '../store/reading-store.js';

export interface AuditedReading {
  seq: number;
  pagination: number;
  timestampMs: number;
  importWh: string;
  exportWh: string;
  payloadDigest: Hex;
  /** re-verified here with the registry key valid at its TM: 'valid', or the reason it is not
   * ('key-revoked' when that key is revoked at the reading's TM) */
  signature: string;
  clockStatus: string;
  meterStatus: string;
}

export interface ReadingGap {
  /** last PG before the gap and first PG after it */
  afterPagination: number;
  beforePagination: number;
  missing: number;
  fromMs: number;
  toMs: number;
}

export interface AuditMeterReturnType {
  meterId: string;
  fromMs: number;
  toMs: number;
  publicKey: Hex | null;
  capacityW: number | null;
  readings: AuditedReading[];
  gaps: ReadingGap[];
  /** times the sandbox itself was down (a wall-clock sandbox cannot pause): no meter could be read */
  outages: SandboxOutage[];
  rejections: Array<{ seq: number; pagination: number | null; reason: string; detail: string; receivedAtMs: number; source: string }>;
  /** claims in the range that a cap cut (or that had no tariff) */
  cappedClaims: Array<{ batchId: string; intervalStartMs: number; exportWh: string; paidWh: string; amount: string; flags: string[] }>;
  claimCount: number;
  findings: PlausibilityFinding[];
  summary: { readings: number; invalidSignatures: number; gaps: number; missingReadings: number; outages: number; rejections: number; cappedClaims: number; findings: number };
}

export async function auditMeter(p: {
  meterId: string;
  fromMs: number;
  toMs: number;
  store: ReadingStore;
  settlementStore: SettlementStore;
  directory: MeterDirectory;
  /** the export plausibility margin of the sandbox config (limits.plausibilityMarginPercent) */
  marginPercent?: number;
}): Promise<AuditMeterReturnType> {
  const meter = p.directory.get(p.meterId);
  const stored = await p.store.readings(p.meterId, { fromMs: p.fromMs, toMs: p.toMs });
  const decoded: MeterReading[] = [];
  const readings: AuditedReading[] = stored.map((r) => {
    const record = parseOcmf(r.ocmf);
    let signature = 'malformed';
    let clockStatus = '';
    let meterStatus = '';
    if (record.ok) {
      const reading = readingFromRecord(record.value);
      // The key-history rule (protocol/key-history): the key valid at the reading's own TM.
      const at = meter && reading.ok ? keyAt(meterKeyHistory(meter), reading.value.timestampMs) : undefined;
      if (!meter) signature = 'meter not in registry';
      else if (!reading.ok) signature = reading.reason;
      else if (at && !at.ok) signature = at.reason;
      else if (at?.ok) {
        const verified = verifyOcmf(record.value, at.key.publicKey);
        signature = verified.ok ? 'valid' : verified.reason;
      }
      if (reading.ok) {
        decoded.push(reading.value);
        clockStatus = reading.value.clockStatus;
        meterStatus = reading.value.meterStatus;
      }
    }
    return { seq: r.seq, pagination: r.pagination, timestampMs: r.timestampMs, importWh: r.importWh.toString(), exportWh: r.exportWh.toString(), payloadDigest: r.payloadDigest, signature, clockStatus, meterStatus };
  });

  // OCMF: PG counts by exactly 1, so any jump between stored neighbours is a gap.
  const byPagination = [...readings].sort((a, b) => a.pagination - b.pagination);
  const gaps: ReadingGap[] = [];
  for (let i = 1; i < byPagination.length; i++) {
    const a = byPagination[i - 1]!;
    const b = byPagination[i]!;
    if (b.pagination > a.pagination + 1) gaps.push({ afterPagination: a.pagination, beforePagination: b.pagination, missing: b.pagination - a.pagination - 1, fromMs: a.timestampMs, toMs: b.timestampMs });
  }

  const rejections = (await p.store.rejections({ meterId: p.meterId }))
    .filter((r) => r.receivedAtMs >= p.fromMs && r.receivedAtMs <= p.toMs)
    .reverse()
    .map((r) => ({ seq: r.seq, pagination: r.pagination, reason: r.reason, detail: r.detail, receivedAtMs: r.receivedAtMs, source: r.source }));

  const claims = p.settlementStore.claimsOfMeter(p.meterId).filter((c) => c.intervalEndMs > p.fromMs && c.intervalStartMs < p.toMs);
  const cappedClaims = claims
    .filter((c) => c.pricing.flags.length > 0)
    .sort((a, b) => a.intervalStartMs - b.intervalStartMs)
    .map((c) => ({ batchId: c.batchId.toString(), intervalStartMs: c.intervalStartMs, exportWh: c.exportWh.toString(), paidWh: c.pricing.paidWh.toString(), amount: c.amount.toString(), flags: [...c.pricing.flags] }));

  const findings = chainFindings(
    decoded.sort((a, b) => a.pagination - b.pagination),
    { capacityW: meter?.capacityW, marginPercent: p.marginPercent },
  );
  const outages = outagesBetween(p.settlementStore, p.fromMs, p.toMs);
  return {
    meterId: p.meterId,
    fromMs: p.fromMs,
    toMs: p.toMs,
    publicKey: meter ? bytesToHex(meter.publicKey.point) : null,
    capacityW: meter?.capacityW ?? null,
    readings,
    gaps,
    outages,
    rejections,
    cappedClaims,
    claimCount: claims.length,
    findings,
    summary: {
      readings: readings.length,
      invalidSignatures: readings.filter((r) => r.signature !== 'valid').length,
      gaps: gaps.length,
      missingReadings: gaps.reduce((n, g) => n + g.missing, 0),
      outages: outages.length,
      rejections: rejections.length,
      cappedClaims: cappedClaims.length,
      findings: findings.length,
    },
  };
}
