// The meter reading inside a parsed OCMF payload: meter id (MS), fiscal pagination (PG), the
// import (OBIS 1.8.0) and export (OBIS 2.8.0) registers in integer Wh, time and statuses.
// Vendors write RV as numbers or strings, RU as Wh or kWh and OBIS codes in several spellings.
import { JsonNumber, isObject, type ExactJson } from './exact-json.js';
import { METER_ID_PATTERN } from './ocmf-build.js';
import type { OcmfRecord } from './ocmf-parse.js';
import { parseOcmfTime } from './ocmf-time.js';
import { fail, ok, type Result } from './result.js';

export interface MeterReading {
  meterId: string;
  pagination: number;
  importWh: bigint;
  exportWh: bigint;
  timestampMs: number;
  utcOffsetMinutes: number;
  /** OCMF clock status letter of TM (S = synchronised) */
  clockStatus: string;
  /** OCMF ST of the readings: 'G' good; '' when the record gives none */
  meterStatus: string;
}

export type ReadingReason = 'malformed' | 'bad-meter-id' | 'bad-pagination' | 'missing-register' | 'bad-unit';

/** OBIS `A-B:C.D.E[*F]` in decimal or the zero-padded form `01-00:01.08.00*FF` → `C.D.E`. */
function obisQuantity(ri: string): string | undefined {
  const m = /^\s*(?:[0-9a-zA-Z]{1,3})-(?:[0-9a-zA-Z]{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\*[0-9a-fA-F]{1,3})?\s*$/.exec(ri);
  return m ? `${Number(m[1])}.${Number(m[2])}.${Number(m[3])}` : undefined;
}

/** Exact decimal text → integer Wh for unit `RU`; undefined when not a whole number of Wh. */
function toWh(raw: ExactJson | undefined, unit: string): Result<bigint, 'malformed' | 'bad-unit'> {
  const text = raw instanceof JsonNumber ? raw.text : typeof raw === 'string' ? raw.replace(/\s+/g, '') : undefined;
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return fail('malformed', `RV ${JSON.stringify(raw instanceof JsonNumber ? raw.text : raw)} is not a non-negative decimal number`);
  const scale = unit === 'Wh' ? 0 : unit === 'kWh' ? 3 : unit === 'MWh' ? 6 : -1;
  if (scale < 0) return fail('bad-unit', `RU ${JSON.stringify(unit)} is not Wh, kWh or MWh`);
  const [whole, frac = ''] = text.split('.') as [string, string?];
  const fracDigits = frac.replace(/0+$/, '');
  if (fracDigits.length > scale) return fail('bad-unit', `RV ${text} ${unit} is not a whole number of Wh`);
  return ok(BigInt(whole + fracDigits.padEnd(scale, '0')));
}

export function readingFromRecord(record: OcmfRecord): Result<MeterReading, ReadingReason> {
  const p = record.payload;
  const ms = p['MS'];
  if (typeof ms !== 'string' || !METER_ID_PATTERN.test(ms)) return fail('bad-meter-id', `MS ${JSON.stringify(ms ?? null)} is not a meter id of 1-32 [A-Za-z0-9._-]`);
  const pg = p['PG'];
  const pgMatch = typeof pg === 'string' ? /^[FT](\d{1,15})$/.exec(pg) : null;
  const pagination = pgMatch ? Number(pgMatch[1]) : NaN;
  if (!Number.isSafeInteger(pagination) || pagination < 1) return fail('bad-pagination', `PG ${JSON.stringify(pg ?? null)} is not F<n> with n ≥ 1`);
  const rd = p['RD'];
  if (!Array.isArray(rd) || rd.length === 0) return fail('missing-register', 'RD holds no readings');

  let importWh: bigint | undefined;
  let exportWh: bigint | undefined;
  let tm: string | undefined;
  let status: string | undefined;
  for (const entry of rd) {
    if (!isObject(entry)) return fail('malformed', 'an RD entry is not an object');
    if (typeof entry['TM'] === 'string' && tm === undefined) tm = entry['TM'];
    const ri = entry['RI'];
    const quantity = typeof ri === 'string' ? obisQuantity(ri) : undefined;
    if (quantity !== '1.8.0' && quantity !== '2.8.0') continue;
    const unit = typeof entry['RU'] === 'string' ? entry['RU'] : '';
    const wh = toWh(entry['RV'], unit);
    if (!wh.ok) return wh;
    if (quantity === '1.8.0') importWh = wh.value;
    else exportWh = wh.value;
    if (typeof entry['ST'] === 'string') status ??= entry['ST'];
  }
  if (importWh === undefined) return fail('missing-register', 'no import register (OBIS 1.8.0) in RD');
  if (exportWh === undefined) return fail('missing-register', 'no export register (OBIS 2.8.0) in RD');
  if (tm === undefined) return fail('malformed', 'no TM in RD');
  const time = parseOcmfTime(tm);
  if (!time.ok) return time;
  return ok({
    meterId: ms,
    pagination,
    importWh,
    exportWh,
    timestampMs: time.value.timestampMs,
    utcOffsetMinutes: time.value.utcOffsetMinutes,
    clockStatus: time.value.clockStatus,
    meterStatus: status ?? '',
  });
}
