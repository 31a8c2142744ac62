// Step 5+6 — durably store, then tell: the store append resolves only once the entries are on
// disk; only then are metrics, events and the caller's answer produced ("durably recorded then
// answered"). A store failure becomes StoreUnavailableError so the transport withholds its ack.
import type { GatewayEvents } from '../../events.js';
import type { GatewayMetrics } from '../../metrics.js';
import type { FrameSource, NewReading, ReadingStore, StoreEntry } from '../../store/reading-store.js';

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`reading store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export interface RejectionToRecord {
  meterId: string | null;
  pagination: number | null;
  reason: string;
  detail: string;
  frame: string;
  /** a replay is also a security event */
  security?: boolean;
}

export interface Recorder {
  accepted(reading: NewReading, gap: { expected: number } | null, startedAt: number): Promise<number>;
  rejected(rejection: RejectionToRecord, source: FrameSource, receivedAtMs: number, startedAt: number): Promise<number>;
}

export function createRecorder(deps: { store: ReadingStore; events: GatewayEvents; metrics: GatewayMetrics }): Recorder {
  const { store, events, metrics } = deps;

  async function append(entries: StoreEntry[]): Promise<number[]> {
    try {
      return await store.append(entries);
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  const observe = (startedAt: number) => metrics.ingestSeconds.observe((performance.now() - startedAt) / 1000);

  return {
    async accepted(reading, gap, startedAt) {
      const entries: StoreEntry[] = [];
      if (gap)
        entries.push({
          kind: 'gap',
          gap: { meterId: reading.meterId, expectedPagination: gap.expected, receivedPagination: reading.pagination, receivedAtMs: reading.receivedAtMs },
        });
      entries.push({ kind: 'accepted', reading });
      const seqs = await append(entries);
      const seq = seqs[seqs.length - 1]!;
      observe(startedAt);
      metrics.readingsAccepted.inc();
      if (gap) {
        metrics.paginationGaps.inc();
        events.emit('reading.gap', { meterId: reading.meterId, expected: gap.expected, received: reading.pagination });
      }
      events.emit('reading.accepted', {
        meterId: reading.meterId,
        pagination: reading.pagination,
        timestampMs: reading.timestampMs,
        importWh: reading.importWh.toString(),
        exportWh: reading.exportWh.toString(),
        seq,
      });
      return seq;
    },

    async rejected(r, source, receivedAtMs, startedAt) {
      const [seq] = await append([
        {
          kind: 'rejected',
          rejection: { meterId: r.meterId, pagination: r.pagination, reason: r.reason, detail: r.detail, frame: r.frame, receivedAtMs, source },
        },
      ]);
      observe(startedAt);
      metrics.readingsRejected.inc({ reason: r.reason });
      events.emit('reading.rejected', { meterId: r.meterId, pagination: r.pagination, reason: r.reason, detail: r.detail, seq: seq! });
      if (r.security) {
        metrics.securityEvents.inc({ kind: r.reason });
        events.emit('security', { meterId: r.meterId, clientId: null, kind: r.reason, detail: r.detail });
      }
      return seq!;
    },
  };
}
