// The gateway's answer on feedin/v1/meters/{id}/acks (docs/design.md §Transports):
// {"pg":"F123","status":"accepted"|"rejected","reason":…}. The gateway encodes it, the device
// parses it; it comes over the network, so a bad one answers a result with a reason.
import { fail, ok, type Result } from './result.js';

export type AckStatus = 'accepted' | 'rejected';

export interface AckMessage {
  pagination: number;
  status: AckStatus;
  /** the gateway's machine-readable reason (rejections; may also explain an accepted duplicate) */
  reason?: string;
}

/**
 * @param pg the reading's `PG` as the gateway read it from the frame (`F123`), or null when the
 *   frame had none; echoed as received so the device can match it to what it sent
 */
export function encodeAck(pg: string | null, status: AckStatus, reason?: string): string {
  // A duplicate was accepted before: the device only needs to know it may forget it.
  return status === 'rejected' ? JSON.stringify({ pg, status, reason }) : JSON.stringify({ pg, status });
}

const PAGINATION = /^F([1-9]\d{0,15})$/;

/** Reads an OCMF pagination `F<n>`; undefined unless n is a safe positive integer. */
export function parsePagination(pg: unknown): number | undefined {
  const m = typeof pg === 'string' ? PAGINATION.exec(pg) : null;
  const n = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function parseAck(payload: Uint8Array): Result<AckMessage, 'malformed-ack'> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return fail('malformed-ack', 'an ack is a UTF-8 JSON object');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('malformed-ack', 'an ack is a JSON object');
  const { pg, status, reason } = v as { pg?: unknown; status?: unknown; reason?: unknown };
  const pagination = parsePagination(pg);
  if (pagination === undefined) return fail('malformed-ack', `pg ${JSON.stringify(pg ?? null)} is not an OCMF pagination like "F123"`);
  if (status !== 'accepted' && status !== 'rejected') return fail('malformed-ack', `status ${JSON.stringify(status ?? null)} is neither "accepted" nor "rejected"`);
  const text = reason === undefined || reason === null ? undefined : typeof reason === 'string' ? reason : JSON.stringify(reason);
  return ok(text === undefined ? { pagination, status } : { pagination, status, reason: text });
}
