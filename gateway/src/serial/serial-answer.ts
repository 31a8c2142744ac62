// The gateway's answer to one serial line (DESIGN "Transports"): `ACK <meterId> <PG>` or
// `NAK <meterId> <PG> <reason>`, `\n`-terminated. A field that could not be read from the line
// (or would not survive as one space-free token) is `-`, so `NAK - - malformed` answers noise.
import type { IngestOutcome } from '../ingest/ingest.js';

const TOKEN = /^[A-Za-z0-9._:-]{1,64}$/;

const token = (value: string | null | undefined): string => (value && TOKEN.test(value) ? value : '-');

/** The answer line for an outcome, or null when there must be no answer: the frame was not
 * recorded ('unavailable'), so the device has to resend it, exactly like a withheld PUBACK. */
export function serialAnswer(outcome: IngestOutcome): string | null {
  switch (outcome.status) {
    case 'accepted':
    case 'duplicate':
      return `ACK ${token(outcome.meterId)} ${token(outcome.pg)}\n`;
    case 'rejected':
      return `NAK ${token(outcome.meterId)} ${token(outcome.pg)} ${token(outcome.reason ?? 'rejected')}\n`;
    case 'unavailable':
      return null;
  }
}

