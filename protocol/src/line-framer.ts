// Serial framing (docs/design.md §Serial): a byte stream → `\n`-terminated lines; a `\r`
// before the `\n` is tolerated. The gateway frames readings with it and the device frames the
// gateway's answers. Memory stays bounded: a line longer than the limit is not buffered but
// discarded up to its newline and reported once as oversize, with its first bytes kept as
// evidence. Pure: no port, no clock.

export type FramedLine =
  /** a complete line without its `\r\n` / `\n` (a copy: the chunk's memory is the caller's) */
  | { kind: 'line'; bytes: Uint8Array }
  /** a line over the limit: its first `maxLineBytes + 1` bytes and its full length */
  | { kind: 'oversize'; prefix: Uint8Array; lineBytes: number };

export interface LineFramer {
  /** the lines completed by this chunk, in order */
  push(chunk: Uint8Array): FramedLine[];
  /** forgets a partial line (the port closed: its end will never come) */
  reset(): void;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function createLineFramer(maxLineBytes: number): LineFramer {
  if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) throw new RangeError(`maxLineBytes: a positive integer, got ${maxLineBytes}`);
  // One byte more than the limit may wait for its newline: it can be the `\r` of `\r\n`.
  const keepBytes = maxLineBytes + 1;
  let parts: Uint8Array[] = [];
  let buffered = 0;
  /** bytes of the current line seen so far while it is being discarded */
  let discarding: { prefix: Uint8Array; lineBytes: number } | null = null;

  const take = (segment: Uint8Array) => {
    if (discarding) {
      discarding.lineBytes += segment.length;
      return;
    }
    parts.push(segment);
    buffered += segment.length;
    if (buffered > keepBytes) {
      const all = concat(parts, buffered);
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
    let bytes = concat(parts, buffered);
    parts = [];
    buffered = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > maxLineBytes) return { kind: 'oversize', prefix: bytes.subarray(0, keepBytes), lineBytes: bytes.length };
    return { kind: 'line', bytes };
  };

  return {
    push(chunk) {
      const lines: FramedLine[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        // Copies (slice): the chunk's memory belongs to the port and may be reused.
        take(chunk.slice(start, nl));
        lines.push(finishLine());
        start = nl + 1;
      }
      if (start < chunk.length) take(chunk.slice(start));
      return lines;
    },
    reset() {
      parts = [];
      buffered = 0;
      discarding = null;
    },
  };
}
