// Step 1 — decode: bytes → UTF-8 text → OCMF record → meter reading. Nothing here trusts the
// frame: every failure is a result with a reason, and the text is kept (truncated) so even a
// frame that cannot be read is recorded as evidence.
import type { Hex } from '@feedin/protocol/hex';
import type { OcmfRecord } from '@feedin/protocol/ocmf-parse';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import type { MeterReading } from '@feedin/protocol/ocmf-reading';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { payloadSha256 } from '../verify-fast.js';
import { isMeterId } from '@feedin/protocol/meter-id';

export interface DecodedFrame {
  text: string;
  record: OcmfRecord;
  reading: MeterReading;
  /** SHA-256 of the payload's UTF-8 bytes: what the signature signs, and (as hex) the digest
   * claims point at. Computed once here for both. */
  payloadSha256: Uint8Array;
  payloadDigest: Hex;
}

export type DecodeReason = 'oversize' | 'malformed' | 'unsupported-encoding';

export type DecodeResult =
  | { ok: true; value: DecodedFrame }
  | {
      ok: false;
      reason: DecodeReason;
      detail: string;
      /** the frame as text (lossy for non-UTF-8 bytes), at most maxFrameBytes characters */
      text: string;
      /** MS / PG when they could be read, so the rejection is filed under the claimed meter */
      claimedMeterId: string | null;
      claimedPagination: number | null;
      /** PG exactly as written (for the device's ack), when it is a short string */
      claimedPg: string | null;
    };

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function decodeFrame(frame: string | Uint8Array, maxFrameBytes: number): DecodeResult {
  const bytes = typeof frame === 'string' ? Buffer.byteLength(frame, 'utf8') : frame.byteLength;
  const lossy = () => (typeof frame === 'string' ? frame : lossyUtf8.decode(frame.subarray(0, maxFrameBytes))).slice(0, maxFrameBytes);
  const rejected = (reason: DecodeReason, detail: string, text: string, record?: OcmfRecord): DecodeResult => {
    const ms = record?.payload['MS'];
    const pg = record?.payload['PG'];
    return {
      ok: false,
      reason,
      detail,
      text: text.slice(0, maxFrameBytes),
      claimedMeterId: isMeterId(ms) ? ms : null,
      claimedPagination: typeof pg === 'string' && /^[FT]\d{1,15}$/.test(pg) ? Number(pg.slice(1)) : null,
      claimedPg: typeof pg === 'string' && pg.length <= 20 ? pg : null,
    };
  };

  if (bytes > maxFrameBytes) return rejected('oversize', `frame is ${bytes} bytes, over the ${maxFrameBytes}-byte limit`, lossy());
  let text: string;
  if (typeof frame === 'string') text = frame;
  else {
    try {
      text = fatalUtf8.decode(frame);
    } catch {
      return rejected('malformed', 'frame is not valid UTF-8', lossy());
    }
  }

  const record = parseOcmf(text);
  if (!record.ok) return rejected(record.reason, record.detail, text);
  const reading = readingFromRecord(record.value);
  // One gateway reason for every unreadable payload; the protocol's finer reason leads the detail.
  if (!reading.ok) return rejected('malformed', `${reading.reason}: ${reading.detail}`, text, record.value);
  const sha = payloadSha256(record.value);
  return { ok: true, value: { text, record: record.value, reading: reading.value, payloadSha256: sha, payloadDigest: `0x${sha.toString('hex')}` } };
}
