// Finds P1 telegrams in a byte stream: from a '/' to the '!' and the (up to 4) hex digits of its
// CRC. Serial lines drop and garble bytes and a reader may start mid-telegram, so the framer
// resynchronises on the next '/', and the buffer never holds more than `maxTelegramBytes`
// (zigbee-herdsman style: framing here, decoding in parse-telegram, I/O elsewhere). Pure.
//
// A telegram contains no '/' after its first byte (OBIS codes, values and hex-encoded texts never
// use one), so a '/' seen before the '!' means the earlier start was a truncated telegram (or
// noise) and the new '/' is the real start. The CRC end is found without waiting for the line
// end: 4 hex digits, or a non-hex byte after '!' (DSMR 2.2/3.0 have no CRC: "!\r\n").
import { MAX_TELEGRAM_CHARS } from './parse-telegram.js';

export type FramerEvent =
  | { kind: 'telegram'; text: string }
  /** bytes thrown away while resynchronising; `bytes` counts them, `reason` says why */
  | { kind: 'discarded'; reason: 'no-start' | 'truncated' | 'oversize'; bytes: number };

export interface TelegramFramer {
  /** feeds bytes; returns what they completed, in stream order */
  push(chunk: Uint8Array | string): FramerEvent[];
  /** end of stream: a complete telegram without its line end is emitted; the rest discarded */
  flush(): FramerEvent[];
  /** bytes held while waiting for the rest of a telegram (≤ maxTelegramBytes) */
  buffered(): number;
}

const SLASH = 0x2f;
const BANG = 0x21;
const CRC_DIGITS = 4;

function isHex(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/** The line end after a CRC (and idle-line fill) is not data lost: it is not reported. */
function isLineGap(text: string): boolean {
  return /^[\r\n\0 ]*$/.test(text);
}

export function createTelegramFramer(opts: { maxTelegramBytes?: number } = {}): TelegramFramer {
  const max = opts.maxTelegramBytes ?? MAX_TELEGRAM_CHARS;
  if (!Number.isSafeInteger(max) || max < 16) throw new RangeError(`maxTelegramBytes: an integer ≥ 16, got ${max}`);
  // Latin1 string as the buffer: one char per byte, so CRC bytes stay exact and slicing is cheap.
  let buf = '';
  // Where the scan for '!' resumes, so a telegram arriving in many small chunks is scanned once.
  let scanFrom = 0;

  const drain = (events: FramerEvent[], atEnd: boolean) => {
    for (;;) {
      const start = buf.indexOf('/');
      if (start < 0) {
        if (!isLineGap(buf)) events.push({ kind: 'discarded', reason: 'no-start', bytes: buf.length });
        buf = '';
        scanFrom = 0;
        return;
      }
      if (start > 0) {
        if (!isLineGap(buf.slice(0, start))) events.push({ kind: 'discarded', reason: 'no-start', bytes: start });
        buf = buf.slice(start);
        scanFrom = Math.max(0, scanFrom - start);
      }
      let i = Math.max(1, scanFrom);
      let restart = -1;
      let bang = -1;
      for (; i < buf.length; i++) {
        const c = buf.charCodeAt(i);
        if (c === SLASH) {
          restart = i;
          break;
        }
        if (c === BANG) {
          bang = i;
          break;
        }
      }
      if (restart > 0) {
        events.push({ kind: 'discarded', reason: 'truncated', bytes: restart });
        buf = buf.slice(restart);
        scanFrom = 0;
        continue;
      }
      if (bang < 0) {
        scanFrom = buf.length;
        if (buf.length > max) {
          events.push({ kind: 'discarded', reason: 'oversize', bytes: buf.length });
          buf = '';
          scanFrom = 0;
        }
        return;
      }
      if (bang + 1 + CRC_DIGITS > max) {
        events.push({ kind: 'discarded', reason: 'oversize', bytes: bang + 1 });
        buf = buf.slice(bang + 1);
        scanFrom = 0;
        continue;
      }
      let end = bang + 1;
      while (end < buf.length && end - bang - 1 < CRC_DIGITS && isHex(buf.charCodeAt(end))) end++;
      const complete = end - bang - 1 === CRC_DIGITS || end < buf.length || atEnd;
      if (!complete) {
        scanFrom = bang; // wait for the rest of the CRC
        return;
      }
      events.push({ kind: 'telegram', text: buf.slice(0, end) });
      buf = buf.slice(end);
      scanFrom = 0;
    }
  };

  return {
    push(chunk) {
      buf += typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
      const events: FramerEvent[] = [];
      drain(events, false);
      return events;
    },
    flush() {
      const events: FramerEvent[] = [];
      drain(events, true);
      if (buf.length > 0) events.push({ kind: 'discarded', reason: 'truncated', bytes: buf.length });
      buf = '';
      scanFrom = 0;
      return events;
    },
    buffered: () => buf.length,
  };
}
