// The meter reading inside a parsed OCMF payload: meter id (MS), fiscal pagination (PG), the
// import (OBIS 1.8.0) and export (OBIS 2.8.0) registers in integer Wh, time and statuses.
// Vendors write RV as numbers or strings, RU as Wh or kWh and OBIS codes in several spellings.
import { JsonNumber, isObject, type ExactJson } from './exact-json.js';
import { isMeterId, METER_ID_RULE } from './meter-id.js';
import type { OcmfRecord } from './ocmf-parse.js';
import { parseOcmfTime } from './ocmf-time.js';
import { fail, ok, type Result } from './result.js';

export interface MeterReading {
  meterId: string;
  /** fiscal pagination (PG F<n>): 1 for the first reading of the meter, +1 for each next one */
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

/** OBIS `A-B:C.D.E[*F]` (also `.F`) in decimal or the zero-padded form `01-00:01.08.00*FF` →
 * `C.D.E`. Letters in C/D/E (`1-b:1.8.e`) are not the total registers we read: no match. */
function obisQuantity(ri: string): string | undefined {
  const m = /^\s*(?:[0-9a-zA-Z]{1,3})-(?:[0-9a-zA-Z]{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*.][0-9a-fA-F]{1,3})?\s*$/.exec(ri);
  return m ? `${Number(m[1])}.${Number(m[2])}.${Number(m[3])}` : undefined;
}

/** Exact decimal text → integer Wh for unit `RU`; 'bad-unit' when not a whole number of Wh. */
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

// OCMF "Readings": a field equal to the previous reading's is omitted, so each RD entry inherits
// what it does not state. RV is never inherited (an entry without RV reports only an event).
const INHERITED = ['TM', 'TX', 'RI', 'RU', 'RT', 'EF', 'ST'] as const;

type Entry = { [key: string]: ExactJson };

/** RD with inheritance applied; undefined when an entry is not an object. */
function expandReadings(rd: ExactJson[]): Entry[] | undefined {
  const out: Entry[] = [];
  let previous: Entry = {};
  for (const raw of rd) {
    if (!isObject(raw)) return undefined;
    // Copied only when it inherits something: the parsed payload itself stays as signed.
    let entry: Entry = raw;
    for (const key of INHERITED)
      if (entry[key] === undefined && previous[key] !== undefined) {
        if (entry === raw) entry = { ...raw };
        entry[key] = previous[key];
      }
    out.push(entry);
    previous = entry;
  }
  return out;
}

/**
 * The register state a record reports. Our devices write one import (1-0:1.8.0) and one export
 * (1-0:2.8.0) reading with the same TM. Other vendors may write several readings per register
 * (transaction begin/end): the last one of each is the meter's latest state. The reading's time,
 * clock status and meter status are those of the export reading, the register claims are paid
 * from; an import reading with another TM is accepted as it stands.
 */
export function readingFromRecord(record: OcmfRecord): Result<MeterReading, ReadingReason> {
  const p = record.payload;
  const ms = p['MS'];
  if (!isMeterId(ms)) return fail('bad-meter-id', `MS ${JSON.stringify(ms ?? null)} is not a meter id of ${METER_ID_RULE}`);
  const pg = p['PG'];
  // OCMF: PG is "T<n>" (transaction) or "F<n>" (fiscal); feedin devices count fiscally from 1.
  const pgMatch = typeof pg === 'string' ? /^[FT](\d{1,15})$/.exec(pg) : null;
  const pagination = pgMatch ? Number(pgMatch[1]) : NaN;
  if (!Number.isSafeInteger(pagination) || pagination < 1) return fail('bad-pagination', `PG ${JSON.stringify(pg ?? null)} is not F<n> or T<n> with n ≥ 1`);
  const rd = p['RD'];
  if (!Array.isArray(rd) || rd.length === 0) return fail('missing-register', 'RD holds no readings');
  const entries = expandReadings(rd);
  if (!entries) return fail('malformed', 'an RD entry is not an object');

  const last = (quantity: string) => entries.findLast((e) => e['RV'] !== undefined && typeof e['RI'] === 'string' && obisQuantity(e['RI']) === quantity);
  const importEntry = last('1.8.0');
  const exportEntry = last('2.8.0');
  if (!importEntry) return fail('missing-register', 'no import register (OBIS 1.8.0) in RD');
  if (!exportEntry) return fail('missing-register', 'no export register (OBIS 2.8.0) in RD');
  const unit = (e: Entry) => (typeof e['RU'] === 'string' ? e['RU'] : '');
  const importWh = toWh(importEntry['RV'], unit(importEntry));
  if (!importWh.ok) return importWh;
  const exportWh = toWh(exportEntry['RV'], unit(exportEntry));
  if (!exportWh.ok) return exportWh;
  const tm = exportEntry['TM'];
  if (typeof tm !== 'string') return fail('malformed', 'the export reading has no TM');
  const time = parseOcmfTime(tm);
  if (!time.ok) return time;
  const st = exportEntry['ST'];
  return ok({
    meterId: ms,
    pagination,
    importWh: importWh.value,
    exportWh: exportWh.value,
    timestampMs: time.value.timestampMs,
    utcOffsetMinutes: time.value.utcOffsetMinutes,
    clockStatus: time.value.clockStatus,
    // OCMF makes ST mandatory; a record without it gets '' (not 'G'), so "meter status G" rules reject it.
    meterStatus: typeof st === 'string' ? st : '',
  });
}
