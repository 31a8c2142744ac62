// The gateway's answer on feedin/v1/meters/{id}/acks (DESIGN "Transports"):
// {"pg":"F123","status":"accepted"|"rejected","reason":…}. It comes over the network, so a bad
// one answers a result with a reason, never an exception.
import { fail, ok, type Result } from '@feedin/protocol/result';

export interface AckMessage {
  pagination: number;
  status: 'accepted' | 'rejected';
  /** the gateway's machine-readable reason (rejections; may also explain an accepted duplicate) */
  reason?: string;
}

export function parseAckMessage(payload: Uint8Array): Result<AckMessage, 'malformed-ack'> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return fail('malformed-ack', 'an ack is a UTF-8 JSON object');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('malformed-ack', 'an ack is a JSON object');
  const { pg, status, reason } = v as { pg?: unknown; status?: unknown; reason?: unknown };
  const m = typeof pg === 'string' ? /^F([1-9]\d{0,15})$/.exec(pg) : null;
  const pagination = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(pagination)) return fail('malformed-ack', `pg ${JSON.stringify(pg ?? null)} is not an OCMF pagination like "F123"`);
  if (status !== 'accepted' && status !== 'rejected') return fail('malformed-ack', `status ${JSON.stringify(status ?? null)} is neither "accepted" nor "rejected"`);
  const text = reason === undefined || reason === null ? undefined : typeof reason === 'string' ? reason : JSON.stringify(reason);
  return ok(text === undefined ? { pagination, status } : { pagination, status, reason: text });
}
