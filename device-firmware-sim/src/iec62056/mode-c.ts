// IEC 62056-21 (Edition 1.0, 2002-05) "Direct local data exchange", protocol mode C, the messages
// of a data readout through the optical port. Pure: bytes and text in, results out.
// - §6.3.1 request message: "/" "?" [device address] "!" CR LF, sent at 300 baud, 7E1 (§6.4.5.2).
// - §6.3.2 identification message: "/" XXX Z [\W] identification CR LF — XXX the manufacturer's
//   three-letter code, Z the highest baud rate the meter offers (mode C: '0' 300 … '6' 19200,
//   §6.3.14 item 13), "\W" the optional enhanced identification (item 24, e.g. "\2").
// - §6.3.3 acknowledgement/option select message: ACK V Z Y CR LF — V '0' normal protocol,
//   Z the baud rate the reader chose, Y '0' data readout. Both sides switch to Z after it.
// - §6.3.4 data message: STX data block "!" CR LF ETX BCC. The block check character (ISO/IEC
//   1155) is the XOR of every byte after STX up to and including ETX.
// - data sets (§6.3.5-6.3.8): address "(" value ["*" unit] ")", several per line; the address is
//   an OBIS code in short form ("1.8.0", "1-0:1.8.0", "1.8.0*255"); a "*NN" suffix other than
//   255 is a stored value of billing period NN, not the current register, and is not read here.
import { fail, ok, type Result } from '@feedin/protocol/result';
import { energyWh } from '../p1/energy-register.js';

export const SIGN_ON_BAUD = 300;
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
/** mode C baud rate characters (§6.3.14 item 13) */
export const MODE_C_BAUD: Readonly<Record<string, number>> = Object.freeze({ '0': 300, '1': 600, '2': 1200, '3': 2400, '4': 4800, '5': 9600, '6': 19200 });

export type ModeCFailure = 'malformed-identification' | 'not-mode-c' | 'bcc-mismatch' | 'malformed-data' | 'missing-register' | 'malformed-value' | 'unsupported-unit';

export interface Identification {
  manufacturer: string;
  baudChar: string;
  baudRate: number;
  /** "\2" and the like, or "" */
  enhanced: string;
  /** the meter type text after Z (and \W) */
  identification: string;
}

export function requestMessage(deviceAddress = ''): string {
  if (!/^[0-9A-Za-z ]{0,32}$/.test(deviceAddress)) throw new RangeError(`deviceAddress: up to 32 characters of 0-9, A-Z, a-z and space (IEC 62056-21 §6.3.1), got ${JSON.stringify(deviceAddress)}`);
  return `/?${deviceAddress}!\r\n`;
}

/** "/ISK5\2ME382-1003" (CR LF stripped or not) */
export function parseIdentification(line: string): Result<Identification, ModeCFailure> {
  const m = /^\/([A-Za-z]{3})(.)(\\\d)?([^\r\n/!]{1,16})\r?\n?$/.exec(line);
  if (!m) return fail('malformed-identification', `not "/XXXZ identification": ${JSON.stringify(line.slice(0, 40))}`);
  const [, manufacturer, baudChar, enhanced = '', identification] = m as unknown as [string, string, string, string | undefined, string];
  const baudRate = MODE_C_BAUD[baudChar];
  if (baudRate === undefined) return fail('not-mode-c', `baud rate character ${JSON.stringify(baudChar)} is not mode C ('0'-'6'); modes A/B are not supported`);
  return ok({ manufacturer, baudChar, baudRate, enhanced, identification: identification.trim() });
}

/** ACK '0' Z '0' CR LF: normal protocol, baud rate Z, data readout */
export function acknowledgement(baudChar: string): Uint8Array {
  if (MODE_C_BAUD[baudChar] === undefined) throw new RangeError(`baudChar: '0'-'6', got ${JSON.stringify(baudChar)}`);
  return Uint8Array.from([ACK, 0x30, baudChar.charCodeAt(0), 0x30, 0x0d, 0x0a]);
}

export function blockCheck(bytes: Uint8Array): number {
  let bcc = 0;
  for (const b of bytes) bcc ^= b;
  return bcc;
}

/** STX … ETX BCC → the data block text, its BCC checked. `message` starts at STX. */
export function checkDataMessage(message: Uint8Array): Result<string, ModeCFailure> {
  if (message[0] !== STX) return fail('malformed-data', 'a data message starts with STX');
  const etx = message.indexOf(ETX, 1);
  if (etx < 0 || etx + 1 >= message.length) return fail('malformed-data', 'no ETX and BCC at the end of the data message');
  const bcc = blockCheck(message.subarray(1, etx + 1));
  if (bcc !== message[etx + 1]) return fail('bcc-mismatch', `BCC 0x${message[etx + 1]!.toString(16).padStart(2, '0')} does not match the data message (0x${bcc.toString(16).padStart(2, '0')}); discarded`);
  const text = Buffer.from(message.subarray(1, etx)).toString('latin1');
  if (!/!\r\n$/.test(text)) return fail('malformed-data', 'the data block does not end with "!" CR LF');
  return ok(text.slice(0, -3));
}

export interface ModeCRegisters {
  importWh: bigint;
  exportWh: bigint;
  /** every current data set, OBIS short code → value as written */
  registers: Record<string, string>;
}

/** The data block's registers; import = 1.8.0 (else the sum of the tariffs 1.8.1-1.8.9), export = 2.8.0 (else 2.8.x). */
export function parseDataBlock(text: string): Result<ModeCRegisters, ModeCFailure> {
  const registers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const sets = [...line.matchAll(/([^()\s]+)\(([^()]*)\)/g)];
    if (sets.length === 0) return fail('malformed-data', `not a data set: ${JSON.stringify(line.slice(0, 60))}`);
    for (const [, address, value] of sets) {
      const code = shortObis(address!);
      if (code !== undefined) registers[code] ??= value!;
    }
  }
  const importWh = energy(registers, '1.8');
  if (!importWh.ok) return importWh;
  const exportWh = energy(registers, '2.8');
  if (!exportWh.ok) return exportWh;
  return ok({ importWh: importWh.value, exportWh: exportWh.value, registers });
}

/** "1-0:1.8.0*255" → "1.8.0"; a billing-period value "1.8.0*12" → undefined */
function shortObis(address: string): string | undefined {
  const m = /^(?:\d+-\d+:)?(\d+\.\d+\.\d+)(?:\*(\d+))?$/.exec(address);
  if (!m) return address; // C.1.0, F.F and other service codes, kept as written
  if (m[2] !== undefined && m[2] !== '255') return undefined;
  return m[1]!;
}

function energy(registers: Record<string, string>, prefix: '1.8' | '2.8'): Result<bigint, ModeCFailure> {
  const total = registers[`${prefix}.0`];
  const codes = total !== undefined ? [`${prefix}.0`] : Object.keys(registers).filter((c) => new RegExp(`^${prefix.replace('.', '\\.')}\\.[1-9]$`).test(c));
  if (codes.length === 0) return fail('missing-register', `no ${prefix}.0 nor tariff ${prefix}.1-${prefix}.9 register in the data block`);
  let sum = 0n;
  for (const code of codes) {
    const wh = energyWh(registers[code]!);
    if (!wh.ok) return fail(wh.reason, `${code}: ${wh.detail}`);
    sum += wh.value;
  }
  return ok(sum);
}
