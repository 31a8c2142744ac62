// Builds and signs OCMF readings the way a feedin device does. The payload text is produced
// once and signed as bytes; nothing downstream ever re-serialises it (docs/design.md §Signed
// reading).
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { FeedinError } from './errors.js';
import { bytesToHex, utf8 } from './hex.js';
import { formatOcmfTime } from './ocmf-time.js';
import { isMeterId, METER_ID_RULE } from './meter-id.js';
import type { MeterReading } from './ocmf-reading.js';

export const IMPORT_REGISTER = '1-0:1.8.0';
export const EXPORT_REGISTER = '1-0:2.8.0';

/** What a reading is built from: the fields parseReading gives back (ocmf-reading.ts), the two
 * status letters optional (default S and G), and the vendor fields a real meter may add. */
export type ReadingFields = Omit<MeterReading, 'clockStatus' | 'meterStatus'> &
  Partial<Pick<MeterReading, 'clockStatus' | 'meterStatus'>> & {
    vendor?: { GI?: string; GS?: string; GV?: string; MV?: string; MM?: string; MF?: string };
  };

export function buildOcmfPayload(f: ReadingFields): string {
  if (!isMeterId(f.meterId)) throw new FeedinError(`meterId: ${METER_ID_RULE}, got ${JSON.stringify(f.meterId)}`);
  if (!Number.isSafeInteger(f.pagination) || f.pagination < 1) throw new FeedinError(`pagination: a positive integer, got ${f.pagination}`);
  if (f.importWh < 0n || f.exportWh < 0n) throw new FeedinError('importWh/exportWh: registers are non-negative');
  const tm = formatOcmfTime(f.timestampMs, f.utcOffsetMinutes, f.clockStatus ?? 'S');
  const st = f.meterStatus ?? 'G';
  const v = f.vendor ?? {};
  // Key order follows the OCMF specification's examples; RV is a JSON integer (Wh).
  const payload = {
    FV: '1.0',
    GI: v.GI ?? 'feedin device-firmware-sim',
    GS: v.GS ?? f.meterId,
    GV: v.GV ?? '0.1.0',
    PG: `F${f.pagination}`,
    MV: v.MV ?? 'feedin',
    MM: v.MM ?? 'sim-pv-meter',
    MS: f.meterId,
    MF: v.MF ?? '0.1.0',
    IS: false,
    RD: [
      { TM: tm, RV: '__IMPORT__', RI: IMPORT_REGISTER, RU: 'Wh', RT: 'AC', ST: st },
      { TM: tm, RV: '__EXPORT__', RI: EXPORT_REGISTER, RU: 'Wh', RT: 'AC', ST: st },
    ],
  };
  // bigint registers are written as exact JSON integers (JSON.stringify cannot take bigints).
  return JSON.stringify(payload).replace('"__IMPORT__"', f.importWh.toString()).replace('"__EXPORT__"', f.exportWh.toString());
}

/** Signs the payload bytes (ECDSA secp256k1 over SHA-256, low-s, DER) and assembles the record. */
export function signOcmf(payloadText: string, privateKey: Uint8Array): string {
  const digest = sha256(utf8(payloadText));
  const der = secp256k1.sign(digest, privateKey, { prehash: false, lowS: true, format: 'der' });
  const signature = JSON.stringify({ SA: 'ECDSA-secp256k1-SHA256', SD: bytesToHex(der).slice(2).toUpperCase() });
  return `OCMF|${payloadText}|${signature}`;
}
