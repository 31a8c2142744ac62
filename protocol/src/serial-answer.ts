// The gateway's answer to one serial line (docs/design.md §Serial): `ACK <meterId> <PG>` or
// `NAK <meterId> <PG> <reason>`, `\n`-terminated. The gateway encodes it; the device parses it
// from a noisy wire, so a bad line answers a result with a reason, never an exception.
import type { AckMessage, AckStatus } from './ack.js';
import { METER_ID_SOURCE } from './meter-id.js';
import { fail, ok, type Result } from './result.js';

export interface SerialAnswer extends AckMessage {
  meterId: string;
}

const TOKEN = /^[A-Za-z0-9._:-]{1,64}$/;

/** A field that could not be read from the line, or would not survive as one space-free token,
 * is `-`, so `NAK - - malformed` answers noise. */
const token = (value: string | null | undefined): string => (value && TOKEN.test(value) ? value : '-');

export function encodeSerialAnswer(meterId: string | null, pg: string | null, status: AckStatus, reason?: string): string {
  return status === 'accepted' ? `ACK ${token(meterId)} ${token(pg)}\n` : `NAK ${token(meterId)} ${token(pg)} ${token(reason ?? 'rejected')}\n`;
}

const ANSWER = new RegExp(`^(ACK|NAK) (${METER_ID_SOURCE}) F([1-9]\\d{0,15})(?: (\\S+))?$`);

export function parseSerialAnswer(line: string): Result<SerialAnswer, 'malformed-answer'> {
  const m = ANSWER.exec(line.trim());
  if (!m) return fail('malformed-answer', `not an answer like "ACK m1 F12" or "NAK m1 F12 reason": ${JSON.stringify(line.slice(0, 80))}`);
  const [, verb, meterId, digits, reason] = m;
  const pagination = Number(digits);
  if (!Number.isSafeInteger(pagination)) return fail('malformed-answer', `PG F${digits} is too large`);
  if (verb === 'ACK') return ok({ meterId: meterId!, pagination, status: 'accepted' });
  return ok({ meterId: meterId!, pagination, status: 'rejected', reason: reason ?? 'no reason given' });
}
