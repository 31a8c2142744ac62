// aedes `authorizePublish` hook. For readings this is where the durable write happens: aedes
// sends the QoS 1 PUBACK right after this hook calls back and before its `published` handler
// runs, so calling back only after ingest has recorded the frame makes a PUBACK mean "durably
// accepted or durably rejected" (docs/design.md §Transports). Calling back with an error makes
// aedes drop the connection without a PUBACK (MQTT-3.3.5-2), which is how a store failure and a
// foreign topic are answered.
import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Ingest, IngestOutcome } from '../ingest/ingest.js';
import type { RateLimiter } from './reading-rate-limit.js';
import type { BrokerLog, SecurityRecorder } from './security.js';
import { encodeAck } from '@feedin/protocol/ack';
import { writeAckCorked } from './ack-writer.js';
import { meterTopic, parseMeterTopic } from '@feedin/protocol/mqtt-topics';

/** QoS 1 readings of one connection being ingested at once. A device normally has one or a few;
 * aedes itself stops reading a socket after roughly a socket buffer of pending packets, so this
 * mostly bounds floods of tiny frames. */
export const MAX_READINGS_IN_FLIGHT = 64;

export interface AuthorizePublishDeps {
  ingest: Ingest;
  security: SecurityRecorder;
  log: BrokerLog;
  /** the broker, to publish the device's ack; set once aedes is constructed */
  broker: () => Aedes;
  /** per-meter token bucket: readings over the rate wait (reading-rate-limit.ts) */
  rateLimiter?: RateLimiter;
}

/** The JSON a device receives on feedin/v1/meters/{id}/acks (protocol's encodeAck). */
export function ackPayload(outcome: IngestOutcome): string {
  return outcome.status === 'rejected' ? encodeAck(outcome.pg, 'rejected', outcome.reason) : encodeAck(outcome.pg, 'accepted');
}

export function createAuthorizePublish(deps: AuthorizePublishDeps) {
  function refuse(client: Client, topic: string, detail: string, done: (error?: Error | null) => void): void {
    deps.security('foreign-publish', { meterId: client.id, clientId: client.id }, `${detail} (topic ${JSON.stringify(topic)})`);
    done(new Error(`publish to ${topic} is not allowed for ${client.id}`));
  }

  /** Ingests the reading, then answers: the ack to the meter's acks topic and, through `settle`,
   * the PUBACK (or, for a reading not recorded, the dropped connection). For a clean session the
   * ack and the PUBACK leave in one write (ack-writer.ts). */
  async function publishReading(client: Client, packet: PublishPacket, settle: (error: Error | null) => void): Promise<void> {
    // A reading is evidence for the gateway, not a message for other subscribers.
    packet.retain = false;
    const payload = typeof packet.payload === 'string' ? packet.payload : new Uint8Array(packet.payload);
    const outcome = await deps.ingest.ingest(payload, { kind: 'mqtt', meterId: client.id });
    if (outcome.status === 'unavailable') return settle(new Error(`reading not recorded, not acknowledged: ${outcome.detail ?? outcome.reason}`));
    const topic = meterTopic(client.id, 'acks');
    const ack = Buffer.from(ackPayload(outcome));
    if (writeAckCorked(client, topic, ack, () => settle(null)) !== 'broker') return;
    deps.broker().publish({ cmd: 'publish', topic, payload: ack, qos: 1, retain: false, dup: false }, (error) => {
      // The reading is recorded either way; a lost ack is repaired by the device's resend (duplicate).
      if (error) deps.log.warn(`mqtt: could not publish the ack to ${client.id}: ${error.message}`);
      settle(null);
    });
  }

  // aedes keeps reading a client's socket while its publishes wait here, so a meter that floods
  // readings without waiting for PUBACKs would queue without bound; beyond this it is cut off.
  const inFlight = new Map<Client, number>();

  return function authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const topic = parseMeterTopic(packet.topic);
    // client is null only for a will aedes publishes after the client is gone: let only status through.
    if (client === null) return done(topic?.kind === 'status' ? null : new Error('will refused'));
    if (!topic || topic.meterId !== client.id) return refuse(client, packet.topic, 'a meter may publish only under its own id', done);
    if (topic.kind === 'status') return done(null);
    if (topic.kind === 'acks') return refuse(client, packet.topic, 'acks are published by the gateway', done);
    const pending = (inFlight.get(client) ?? 0) + 1;
    if (pending > MAX_READINGS_IN_FLIGHT) {
      deps.security('too-many-in-flight', { meterId: client.id, clientId: client.id }, `more than ${MAX_READINGS_IN_FLIGHT} readings awaiting PUBACK`);
      return done(new Error(`too many readings in flight for ${client.id}`));
    }
    inFlight.set(client, pending);
    let settled = false;
    const settle = (error: Error | null) => {
      // once: a throw after the answer must not answer again
      if (settled) return;
      settled = true;
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left === 0) inFlight.delete(client);
      else inFlight.set(client, left);
      done(error);
    };
    const delayMs = deps.rateLimiter?.delayMs(client.id) ?? 0;
    const run = () => publishReading(client, packet, settle);
    const started = delayMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(run) : run();
    started.catch((error: unknown) => {
      // ingest never throws; if it ever does, do not ack what may not be recorded.
      deps.log.error(`mqtt: reading from ${client.id} failed`, error);
      settle(error instanceof Error ? error : new Error(String(error)));
    });
  };
}
