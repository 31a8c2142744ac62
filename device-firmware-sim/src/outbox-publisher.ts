// Store-and-forward (docs/design.md §Store-and-forward): the one publisher between a meter's
// durable outbox and its link, for the simulated meter and every real-meter reader alike. On each
// (re)connection it publishes the unacknowledged readings in PG order, at most `window` in flight;
// an ack removes a reading from the outbox. A rejected reading is dropped after it is logged:
// resending the same signed bytes cannot change the verdict (never retried forever).
import type { AckMessage } from '@feedin/protocol/ack';
import type { LinkSession } from './mqtt-link.js';
import type { Outbox } from './outbox.js';

export interface OutboxPublisher {
  /** the link is up: publish everything unacknowledged, oldest first */
  onConnected(session: LinkSession): void;
  onDisconnected(): void;
  onAck(ack: AckMessage): void;
  /** a reading was appended to the outbox: publish it if the window allows */
  flush(): void;
  readonly counts: { readonly sent: number; readonly acked: number; readonly rejected: number };
}

export function createOutboxPublisher(p: { meterId: string; outbox: Outbox; window?: number; log(message: string): void }): OutboxPublisher {
  const { outbox } = p;
  const window = p.window ?? 64;
  const counts = { sent: 0, acked: 0, rejected: 0 };
  let session: LinkSession | undefined;
  let sentThrough = 0;
  let inFlight = 0;

  const flush = () => {
    const s = session;
    if (!s) return;
    const end = outbox.state().nextPagination;
    while (sentThrough + 1 < end && inFlight < window) {
      const pg = ++sentThrough;
      const ocmf = outbox.getPending(pg);
      if (ocmf === undefined) continue; // acknowledged meanwhile
      inFlight++;
      counts.sent++;
      s.publishReading(ocmf, () => {
        if (session !== s) return;
        inFlight--;
        flush();
      });
    }
  };

  return {
    onConnected(s) {
      session = s;
      inFlight = 0;
      const first = outbox.pending().next();
      sentThrough = (first.done ? outbox.state().nextPagination : first.value[0]) - 1;
      flush();
    },
    onDisconnected() {
      session = undefined;
    },
    onAck({ pagination, status, reason }) {
      if (!outbox.acknowledge(pagination)) return; // a repeated ack, or one for a reading already answered
      if (status === 'accepted') counts.acked++;
      else {
        counts.rejected++;
        p.log(`${p.meterId}: reading F${pagination} rejected by the gateway: ${reason ?? 'no reason given'}`);
      }
    },
    flush,
    counts,
  };
}
