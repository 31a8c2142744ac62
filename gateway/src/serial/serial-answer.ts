// The answer line for an ingest outcome (docs/design.md §Serial); the line itself is
// protocol's encodeSerialAnswer, which the device's parser reads.
import { encodeSerialAnswer } from '@feedin/protocol/serial-answer';
import type { IngestOutcome } from '../ingest/ingest.js';

/** The answer line for an outcome, or null when there must be no answer: the frame was not
 * recorded ('unavailable'), so the device has to resend it, exactly like a withheld PUBACK. */
export function serialAnswer(outcome: IngestOutcome): string | null {
  switch (outcome.status) {
    case 'accepted':
    case 'duplicate':
      return encodeSerialAnswer(outcome.meterId, outcome.pg, 'accepted');
    case 'rejected':
      return encodeSerialAnswer(outcome.meterId, outcome.pg, 'rejected', outcome.reason);
    case 'unavailable':
      return null;
  }
}
