// The one ingest path that MQTT, serial and HTTP frames all end in:
// decode → identify → verify → validate → durably store → emit, one small named step each
// (./steps, ./rules). A meter's frames are handled one at a time in arrival order; different
// meters run concurrently. Nothing thrown escapes: the transport always gets an outcome.
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { GatewayEvents } from '../events.js';
import type { GatewayMetrics } from '../metrics.js';
import type { VerifyPool } from './verify-pool.js';
import { meterKeyHistory, type MeterDirectory } from '../registry/meter-directory.js';
import type { FrameSource, ReadingStore } from '../store/reading-store.js';
import { createKeyedQueue } from './keyed-queue.js';
import { decodeFrame, type DecodedFrame } from './steps/decode-frame.js';
import { identifyMeter } from './steps/identify-meter.js';
import { createRecorder, StoreUnavailableError, type RejectionToRecord } from './steps/record-outcome.js';
import { validateReading } from './steps/validate-reading.js';
import { keyAt } from '@feedin/protocol/key-history';
import { verifySignature } from './steps/verify-signature.js';
import { lastAcceptedOf, loadValidationState } from './validation-state.js';

export type IngestStatus =
  /** durably stored as accepted */
  | 'accepted'
  /** a byte-identical (same signed payload) repeat of an accepted reading: answer as accepted */
  | 'duplicate'
  /** durably stored as rejected, with `reason`: answer (PUBACK / NAK) so the device moves on */
  | 'rejected'
  /** NOT recorded (the store failed): the transport must not acknowledge; the device resends */
  | 'unavailable';

export interface IngestOutcome {
  status: IngestStatus;
  meterId: string | null;
  /** PG as written in the frame, e.g. "F123"; null when it could not be read */
  pg: string | null;
  reason?: string;
  detail?: string;
}

export interface IngestSource {
  kind: FrameSource;
  /** the authenticated meter (MQTT client id); the frame's MS must match it */
  meterId?: string;
}

export interface Ingest {
  ingest(frame: string | Uint8Array, source: IngestSource): Promise<IngestOutcome>;
}

export interface IngestLimits {
  clockSkewSeconds: number;
  plausibilityMarginPercent: number;
  maxFrameBytes: number;
}

export interface IngestDeps {
  store: ReadingStore;
  directory: MeterDirectory;
  /** the shard this gateway settles (config gateway.shard); absent = every meter */
  shard?: number;
  clock: Clock;
  limits: IngestLimits;
  events: GatewayEvents;
  metrics: GatewayMetrics;
  /** signature checks (gateway-crypto.ts); the caller owns it and closes it */
  verifyPool: VerifyPool;
  log?: Pick<Console, 'error' | 'warn'>;
}

export async function createIngest(deps: IngestDeps): Promise<Ingest> {
  const { store, directory, clock, limits, events, metrics } = deps;
  const log = deps.log ?? console;
  // Validation state after a restart = the newest stored reading of each meter.
  const state = await loadValidationState(store);
  const queue = createKeyedQueue();
  const record = createRecorder({ store, events, metrics });

  async function rejectFrame(r: RejectionToRecord, pg: string | null, source: IngestSource, receivedAtMs: number, startedAt: number) {
    await record.rejected(r, source.kind, receivedAtMs, startedAt);
    return { status: 'rejected', meterId: r.meterId, pg, reason: r.reason, detail: r.detail } satisfies IngestOutcome;
  }

  async function ingestDecoded(frame: DecodedFrame, source: IngestSource, receivedAtMs: number, startedAt: number): Promise<IngestOutcome> {
    const { reading, record: ocmf, text, payloadDigest: digest } = frame;
    const pgRaw = ocmf.payload['PG'];
    const pg = typeof pgRaw === 'string' ? pgRaw : `F${reading.pagination}`;
    // Filed under the authenticated meter when there is one: that is who sent it.
    const filedUnder = source.meterId ?? reading.meterId;
    const reject = (reason: string, detail: string, security = false) =>
      rejectFrame({ meterId: filedUnder, pagination: reading.pagination, reason, detail, frame: text, security }, pg, source, receivedAtMs, startedAt);

    const meter = identifyMeter(reading, source.meterId, directory, deps.shard);
    if (!meter.ok) return reject(meter.reason, meter.detail, meter.reason === 'meter-mismatch');
    // Key rotation/revocation: the key valid when the reading was taken signs it.
    const key = keyAt(meterKeyHistory(meter.value), reading.timestampMs);
    if (!key.ok) return reject(key.reason, key.detail);
    const signature = await verifySignature(deps.verifyPool, ocmf, key.key.publicKey, frame.payloadSha256);
    if (!signature.ok) return reject(signature.reason, signature.detail);

    const last = state.get(reading.meterId);
    const verdict = await validateReading({
      reading,
      payloadDigest: digest,
      meter: meter.value,
      last,
      nowMs: clock.nowMs(),
      clockSkewSeconds: limits.clockSkewSeconds,
      plausibilityMarginPercent: limits.plausibilityMarginPercent,
      acceptedDigestOf: async (pagination) => {
        try {
          return (await store.byPagination(reading.meterId, pagination))?.payloadDigest;
        } catch (error) {
          throw new StoreUnavailableError(error);
        }
      },
    });
    // docs/design.md §Validation rules (gateway): a replay (same PG, different signed bytes) is
    // quarantined AND flagged.
    if (!verdict.ok) return reject(verdict.reason, verdict.detail, verdict.reason === 'replay');
    if (verdict.value.kind === 'duplicate') {
      metrics.readingsDuplicate.inc();
      return { status: 'duplicate', meterId: reading.meterId, pg };
    }

    const stored = {
      meterId: reading.meterId,
      pagination: reading.pagination,
      importWh: reading.importWh,
      exportWh: reading.exportWh,
      timestampMs: reading.timestampMs,
      receivedAtMs,
      payloadDigest: digest,
      ocmf: text,
      source: source.kind,
    };
    await record.accepted(stored, verdict.value.kind === 'gap' ? { expected: verdict.value.expected } : null, startedAt);
    // Only a durable reading moves the state on; a failed append leaves it for the resend.
    state.set(reading.meterId, lastAcceptedOf(stored));
    return { status: 'accepted', meterId: reading.meterId, pg };
  }

  async function ingestFrame(frame: string | Uint8Array, source: IngestSource, receivedAtMs: number, startedAt: number): Promise<IngestOutcome> {
    const decoded = decodeFrame(frame, limits.maxFrameBytes);
    if (!decoded.ok) {
      const meterId = source.meterId ?? decoded.claimedMeterId;
      return rejectFrame(
        { meterId, pagination: decoded.claimedPagination, reason: decoded.reason, detail: decoded.detail, frame: decoded.text },
        decoded.claimedPg,
        source,
        receivedAtMs,
        startedAt,
      );
    }
    return queue.run(decoded.value.reading.meterId, () => ingestDecoded(decoded.value, source, receivedAtMs, startedAt));
  }

  return {
    async ingest(frame, source) {
      const startedAt = performance.now();
      let receivedAtMs = Date.now();
      try {
        receivedAtMs = clock.nowMs();
        return await ingestFrame(frame, source, receivedAtMs, startedAt);
      } catch (error) {
        if (error instanceof StoreUnavailableError) return unavailable(error, source);
        log.error(`ingest: unexpected error on a frame from ${source.meterId ?? source.kind}`, error);
        return internalError(error, frame, source, receivedAtMs, startedAt);
      }
    },
  };

  function unavailable(error: StoreUnavailableError, source: IngestSource): IngestOutcome {
    log.error(`ingest: ${error.message}; frame from ${source.meterId ?? source.kind} not acknowledged`);
    return { status: 'unavailable', meterId: source.meterId ?? null, pg: null, reason: 'store-unavailable', detail: error.message };
  }

  // A bug must not lose the frame silently nor crash the process: record it as rejected
  // ('internal-error') so it is kept as evidence, or withhold the ack if even that fails.
  async function internalError(error: unknown, frame: string | Uint8Array, source: IngestSource, receivedAtMs: number, startedAt: number) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const text = (typeof frame === 'string' ? frame : new TextDecoder().decode(frame.subarray(0, limits.maxFrameBytes))).slice(0, limits.maxFrameBytes);
    try {
      return await rejectFrame({ meterId: source.meterId ?? null, pagination: null, reason: 'internal-error', detail, frame: text }, null, source, receivedAtMs, startedAt);
    } catch (again) {
      if (again instanceof StoreUnavailableError) return unavailable(again, source);
      log.error('ingest: could not record an internal error', again);
      return { status: 'unavailable', meterId: source.meterId ?? null, pg: null, reason: 'internal-error', detail } satisfies IngestOutcome;
    }
  }
}
