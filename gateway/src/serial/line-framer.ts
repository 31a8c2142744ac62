// Serial framing: a byte stream → `\n`-terminated lines (DESIGN "Transports": one OCMF string per
// line; a `\r` before the `\n` is tolerated). Memory stays bounded: a line longer than the limit
// is not buffered but discarded up to its newline and reported once as oversize, with its first
// bytes kept as evidence. Pure: no port, no clock.

export type FramedLine =
  /** a complete line without its `\r\n` / `\n` */
  | { kind: 'line'; bytes: Buffer }
  /** a line over the limit: its first `maxLineBytes + 1` bytes and its full length */
  | { kind: 'oversize'; prefix: Buffer; lineBytes: number };

export interface LineFramer {
  /** the lines completed by this chunk, in order */
  push(chunk: Uint8Array): FramedLine[];
  /** forgets a partial line (the port closed: its end will never come) */
  reset(): void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export function createLineFramer(maxLineBytes: number): LineFramer {
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes: a positive integer, got ${maxLineBytes}`);
  // One byte more than the limit may wait for its newline: it can be the `\r` of `\r\n`.
  const keepBytes = maxLineBytes + 1;
  let parts: Buffer[] = [];
  let buffered = 0;
  /** bytes of the current line seen so far while it is being discarded */
  let discarding: { prefix: Buffer; lineBytes: number } | null = null;

  const take = (segment: Buffer) => {
    if (discarding) {
      discarding.lineBytes += segment.length;
      return;
    }
    parts.push(segment);
    buffered += segment.length;
    if (buffered > keepBytes) {
      const all = Buffer.concat(parts);
      discarding = { prefix: all.subarray(0, keepBytes), lineBytes: all.length };
      parts = [];
      buffered = 0;
    }
  };

  const finishLine = (): FramedLine => {
    if (discarding) {
      const { prefix, lineBytes } = discarding;
      discarding = null;
      return { kind: 'oversize', prefix, lineBytes };
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    buffered = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > maxLineBytes) return { kind: 'oversize', prefix: bytes.subarray(0, keepBytes), lineBytes: bytes.length };
    return { kind: 'line', bytes };
  };

  return {
    push(chunk) {
      const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const lines: FramedLine[] = [];
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
        // Copies: the chunk's memory belongs to the port and may be reused.
        take(Buffer.from(data.subarray(start, nl)));
        lines.push(finishLine());
        start = nl + 1;
      }
      if (start < data.length) take(Buffer.from(data.subarray(start)));
      return lines;
    },
    reset() {
      parts = [];
      buffered = 0;
      discarding = null;
    },
  };
}
