// One DSMR P1 telegram (text from '/' through '!' and its CRC) → import/export registers in Wh,
// the meter's timestamp and equipment id, and every register as written. Pure: no I/O, no clock.
//
// Versions (DSMR P1 Companion Standard 2.2, 3.0, 4.x, 5.0.2; Fluvius e-MUCS P1 1.7.x; Luxembourg
// Smarty P1, a DSMR 4.2/5 profile):
// - CRC16 follows the '!' in 4.x/5.x/e-MUCS/Smarty; 2.2 and 3.0 end with a bare '!'. A CRC that is
//   present is always checked. A telegram that declares 4.x/5.x (1-3:0.2.8 ≥ 40, or the Belgian
//   0-0:96.1.4 version line) but carries no CRC is refused: its integrity cannot be checked.
// - Some meters print the CRC without its leading zeros ("!38" for 0x0038): 1 to 4 hex digits are
//   read as a number and compared with the computed CRC.
// - import = 1-0:1.8.1 + 1-0:1.8.2 and export = 2.8.1 + 2.8.2 (docs/design.md §Serial). Smarty
//   meters with one register per direction write only the totals 1-0:1.8.0 / 1-0:2.8.0, which are
//   used when no tariff register is present. A consumption-only meter has no 2.8.x and a fragment
//   may lack 1.8.x: the missing direction is null (absent, not zero: a meter that does not
//   measure export has not measured zero export). Whether a reading can be signed is the
//   device's decision, not the parser's.
// - equipment id: 0-0:96.1.1 (Smarty: 0-0:42.0.0), hex-decoded when it is hex-encoded ASCII.
import { fail, ok, type Result } from '@feedin/protocol/result';
import { crc16Arc, p1Bytes } from './crc16.js';
import { energyWh } from './energy-register.js';
import { p1TimestampToIso } from './p1-timestamp.js';

export type CrcStatus = 'valid' | 'invalid' | 'absent';

export interface P1Telegram {
  crc: CrcStatus;
  /** header after '/', e.g. "ISk5\2MT382-1000" (manufacturer code and meter type) */
  identification: string;
  /** null: the telegram has no import register (1-0:1.8.x) */
  importWh: bigint | null;
  /** null: the telegram has no export register (1-0:2.8.x), e.g. a consumption-only meter */
  exportWh: bigint | null;
  /** 0-0:1.0.0 as ISO 8601 UTC; null in DSMR 2.2/3.0, which have no timestamp */
  timestamp: string | null;
  equipmentId: string | null;
  /** OBIS code → value groups as written, "(a)(b)" → ["a","b"]; one group → a plain string */
  registers: Record<string, string | string[]>;
}

export type P1ParseReason =
  | 'not-a-telegram'
  | 'malformed-crc'
  | 'crc-mismatch'
  | 'missing-crc'
  | 'malformed-line'
  | 'malformed-value'
  | 'unsupported-unit'
  | 'malformed-timestamp';

export type P1ParseResult = Result<P1Telegram, P1ParseReason>;

/** Telegrams are a few kB; anything far larger is not one (and is not worth scanning). */
export const MAX_TELEGRAM_CHARS = 16_384;

const OBIS_LINE = /^(\d{1,3}-\d{1,3}:[\d.:*]+)((?:\([^()]*\))+)$/;
const CONTINUATION = /^((?:\([^()]*\))+)$/;
const GROUP = /\(([^()]*)\)/g;

export function parseP1Telegram(input: string): P1ParseResult {
  const result = parseBody(input);
  if (result.ok || result.reason === 'not-a-telegram' || result.reason === 'malformed-crc') return result;
  // A body that does not parse under a CRC that does not match is a damaged telegram (line
  // noise), not a meter speaking a dialect: say so, as the CRC is the stronger evidence.
  const crc = checkCrc(input.replace(/^[\s\0]+/, '').replace(/\s+$/, ''));
  return crc.status === 'invalid' ? fail('crc-mismatch', `CRC16 ${crc.expected} does not match the telegram (${crc.computed}); ${result.detail}`) : result;
}

function checkCrc(text: string): { status: CrcStatus; expected: string; computed: string } {
  const end = text.lastIndexOf('!');
  const expected = text.slice(end + 1).trim().toUpperCase();
  if (expected === '') return { status: 'absent', expected, computed: '' };
  const crc = crc16Arc(p1Bytes(text.slice(0, end + 1)));
  const computed = crc.toString(16).toUpperCase().padStart(4, '0');
  return { status: /^[0-9A-F]{1,4}$/.test(expected) && parseInt(expected, 16) === crc ? 'valid' : 'invalid', expected, computed };
}

function parseBody(input: string): P1ParseResult {
  const text = input.replace(/^[\s\0]+/, '').replace(/\s+$/, '');
  if (text.length > MAX_TELEGRAM_CHARS) return fail('not-a-telegram', `longer than ${MAX_TELEGRAM_CHARS} characters`);
  const end = text.lastIndexOf('!');
  if (!text.startsWith('/') || end < 0) return fail('not-a-telegram', "a P1 telegram starts with '/' and ends with '!'");
  const crcText = text.slice(end + 1).trim();
  if (crcText !== '' && !/^[0-9A-Fa-f]{1,4}$/.test(crcText)) return fail('malformed-crc', `after '!' expected 1-4 hex digits or nothing, got ${JSON.stringify(crcText.slice(0, 16))}`);

  const lines = text.slice(0, end).split(/\r?\n/);
  const identification = lines[0]!.slice(1).trim();
  if (identification === '') return fail('not-a-telegram', 'empty identification line after /');
  const registers: Record<string, string[]> = {};
  let last: string[] | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const obis = OBIS_LINE.exec(line);
    if (obis) {
      // A repeated code keeps its first value: a telegram that says two things is not trusted twice.
      last = groups(obis[2]!);
      registers[obis[1]!] ??= last;
      continue;
    }
    // DSMR 2.2/3.0 put the gas reading of 0-n:24.3.0 on the next line, as a bare "(value)".
    if (CONTINUATION.test(line) && last) {
      last.push(...groups(line));
      continue;
    }
    return fail('malformed-line', `line ${i + 1} is not an OBIS register: ${JSON.stringify(line.slice(0, 80))}`);
  }

  const crc = checkCrc(text).status;
  if (crc === 'absent' && declaresCrc(registers)) return fail('missing-crc', 'a DSMR 4.x/5.x telegram must end with !XXXX (CRC16); it is truncated or damaged');

  const importWh = sumEnergy(registers, ['1-0:1.8.1', '1-0:1.8.2'], '1-0:1.8.0');
  if (!importWh.ok) return importWh;
  const exportWh = sumEnergy(registers, ['1-0:2.8.1', '1-0:2.8.2'], '1-0:2.8.0');
  if (!exportWh.ok) return exportWh;

  let timestamp: string | null = null;
  const tst = first(registers, '0-0:1.0.0');
  if (tst !== undefined) {
    const iso = p1TimestampToIso(tst);
    if (!iso.ok) return iso;
    timestamp = iso.value;
  }
  const id = first(registers, '0-0:96.1.1') ?? first(registers, '0-0:42.0.0');
  return ok({
    crc,
    identification,
    importWh: importWh.value,
    exportWh: exportWh.value,
    timestamp,
    equipmentId: id === undefined || id === '' ? null : decodeHexAscii(id),
    registers: Object.fromEntries(Object.entries(registers).map(([k, v]) => [k, v.length === 1 ? v[0]! : v])),
  });
}

function groups(text: string): string[] {
  return [...text.matchAll(GROUP)].map((m) => m[1]!);
}

function first(registers: Record<string, string[]>, code: string): string | undefined {
  return registers[code]?.[0];
}

/** DSMR 4.0 introduced the CRC together with the 1-3:0.2.8 version line ("40", "42", "50"). */
function declaresCrc(registers: Record<string, string[]>): boolean {
  const version = first(registers, '1-3:0.2.8');
  if (version !== undefined && /^\d+$/.test(version) && Number(version) >= 40) return true;
  return registers['0-0:96.1.4'] !== undefined;
}

/** null when none of the codes is present. */
function sumEnergy(registers: Record<string, string[]>, tariffCodes: string[], totalCode: string): Result<bigint | null, P1ParseReason> {
  const present = tariffCodes.filter((c) => registers[c] !== undefined);
  const codes = present.length > 0 ? present : registers[totalCode] !== undefined ? [totalCode] : [];
  if (codes.length === 0) return ok(null);
  let total = 0n;
  for (const code of codes) {
    const wh = energyWh(first(registers, code)!);
    if (!wh.ok) return fail(wh.reason, `${code}: ${wh.detail}`);
    total += wh.value;
  }
  return ok(total);
}

/** "4B384547303034303436333935353037" → "K8EG004046395507"; anything else is returned as is. */
export function decodeHexAscii(value: string): string {
  if (value.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i += 2) {
    const code = parseInt(value.slice(i, i + 2), 16);
    if (code < 0x20 || code > 0x7e) return value; // not printable ASCII: an id that is really hex
    out += String.fromCharCode(code);
  }
  return out;
}
