// The gateway's answers on a serial line (DESIGN "Transports"): `ACK <meterId> <PG>` or
// `NAK <meterId> <PG> <reason>`, one per `\n`-terminated line. They come over a noisy wire, so a
// bad line answers a result with a reason, never an exception. Also the small bounded line
// splitter the device reads them with.
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { AckMessage } from './ack-message.js';

export interface SerialAnswer extends AckMessage {
  meterId: string;
}

const ANSWER = /^(ACK|NAK) ([A-Za-z0-9._-]{1,32}) F([1-9]\d{0,15})(?: (\S+))?$/;

export function parseSerialAnswer(line: string): Result<SerialAnswer, 'malformed-answer'> {
  const m = ANSWER.exec(line.trim());
  if (!m) return fail('malformed-answer', `not an answer like "ACK m1 F12" or "NAK m1 F12 reason": ${JSON.stringify(line.slice(0, 80))}`);
  const [, verb, meterId, digits, reason] = m;
  const pagination = Number(digits);
  if (!Number.isSafeInteger(pagination)) return fail('malformed-answer', `PG F${digits} is too large`);
  if (verb === 'ACK') return ok({ meterId: meterId!, pagination, status: 'accepted' });
  return ok({ meterId: meterId!, pagination, status: 'rejected', reason: reason ?? 'no reason given' });
}

/** Splits a byte stream into lines; a line longer than `maxLineBytes` is dropped (an answer is short). */
export function createAnswerSplitter(maxLineBytes = 256): (chunk: Buffer) => string[] {
  let partial = '';
  let overflow = false;
  return (chunk) => {
    const parts = (partial + chunk.toString('latin1')).split('\n');
    partial = parts.pop()!;
    const lines: string[] = [];
    for (const part of parts) {
      if (!overflow) lines.push(part.replace(/\r$/, ''));
      overflow = false;
    }
    if (partial.length > maxLineBytes) {
      partial = '';
      overflow = true;
    }
    return lines;
  };
}
