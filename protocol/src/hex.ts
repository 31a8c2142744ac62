// Byte ↔ hex helpers. Bad hex is a programmer's mistake here (callers validate untrusted text
// first), so it throws with the offending parameter named. Table-driven: Merkle trees of 100,000
// claims convert a few hundred thousand hashes.
import { FeedinError } from './errors.js';

export type Hex = `0x${string}`;

const HEX = /^[0-9a-fA-F]*$/;
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
/** char code → nibble value, or -1 */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

const HEX_CODES = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

export function bytesToHex(bytes: Uint8Array): Hex {
  // One flat string from char codes: `+=` would build a rope that every later comparison (sorting
  // a Merkle tree's leaves) has to flatten again.
  if (bytes.length > 4096) {
    let out = '0x';
    for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]!];
    return out as Hex;
  }
  const codes = new Array<number>(2 + 2 * bytes.length);
  codes[0] = 0x30;
  codes[1] = 0x78;
  for (let i = 0; i < bytes.length; i++) {
    codes[2 + 2 * i] = HEX_CODES[bytes[i]! >>> 4]!;
    codes[3 + 2 * i] = HEX_CODES[bytes[i]! & 15]!;
  }
  return String.fromCharCode.apply(null, codes) as Hex;
}

/** Writes the hex digits of `hex` (with or without 0x) into `out` so that they end at `end`
 * (right-aligned, like an ABI word); returns false on a non-hex digit or an odd count. */
export function writeHexInto(out: Uint8Array, end: number, hex: string): boolean {
  const from = hex.startsWith('0x') || hex.startsWith('0X') ? 2 : 0;
  const digits = hex.length - from;
  if (digits % 2 !== 0 || digits / 2 > end) return false;
  for (let at = hex.length - 2, o = end - 1; at >= from; at -= 2, o--) {
    const hi = NIBBLE[hex.charCodeAt(at)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(at + 1)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    out[o] = (hi << 4) | lo;
  }
  return true;
}

export function hexToBytes(hex: string): Uint8Array {
  const from = hex.startsWith('0x') || hex.startsWith('0X') ? 2 : 0;
  const bad = () => new FeedinError(`hex: expected an even number of hex digits, got ${JSON.stringify(hex.slice(0, 80))}`);
  if ((hex.length - from) % 2 !== 0) throw bad();
  const out = new Uint8Array((hex.length - from) / 2);
  for (let i = 0, at = from; i < out.length; i++, at += 2) {
    const hi = NIBBLE[hex.charCodeAt(at)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(at + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw bad();
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function isHex(text: string): boolean {
  const body = text.startsWith('0x') ? text.slice(2) : text;
  return body.length % 2 === 0 && HEX.test(body);
}

const encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Standard or URL-safe base64, with or without padding; undefined when it is not base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(std) || std.replace(/=+$/, '').length % 4 === 1) return undefined;
  const padded = std.padEnd(Math.ceil(std.length / 4) * 4, '=');
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
