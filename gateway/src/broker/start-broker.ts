// The embedded MQTT broker (aedes 1.x over TCP). Every hook is set at construction, so aedes'
// allow-all defaults are never live, not even for a moment (DESIGN "Transports").
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { GatewayEvents } from '../events.js';
import type { Ingest } from '../ingest/ingest.js';
import type { GatewayMetrics } from '../metrics.js';
import type { MeterDirectory } from '../registry/meter-directory.js';
import { createAuthenticate } from './authenticate.js';
import { createAuthorizePublish } from './authorize-publish.js';
import { createAuthorizeSubscribe } from './authorize-subscribe.js';
import { trackMeterPresence } from './meter-presence.js';
import { guardPacketSize } from './packet-size-guard.js';
import { indexRetainedByTopic, type RetainedPersistence } from './retained-by-topic.js';
import { createRateLimiter, DEFAULT_READING_RATE_LIMIT, type ReadingRateLimit } from './reading-rate-limit.js';
import { createSecurityRecorder, type BrokerLog } from './security.js';
import { parseMeterTopic } from '@feedin/protocol/mqtt-topics';

export interface StartBrokerParameters {
  host: string;
  /** 0 = any free port (see Broker.port) */
  port: number;
  ingest: Ingest;
  directory: MeterDirectory;
  clock: Clock;
  jwtMaxLifetimeSeconds: number;
  /** readings larger than this are recorded as rejected 'oversize'; packets far larger cut the connection */
  maxPayloadBytes: number;
  events: GatewayEvents;
  metrics: GatewayMetrics;
  log: BrokerLog;
  /** readings per meter: sustained per second and burst (default DEFAULT_READING_RATE_LIMIT) */
  readingRateLimit?: ReadingRateLimit;
}

export interface Broker {
  port: number;
  close(): Promise<void>;
  connectedMeters(): number;
}

/** Packets up to this size are read and answered (an oversize reading gets a durable 'oversize'
 * rejection and its PUBACK); beyond it the connection is cut: it is no meter reading. */
export function hardPacketLimitBytes(maxPayloadBytes: number): number {
  return 2 * maxPayloadBytes + 1024;
}

export async function startBroker(p: StartBrokerParameters): Promise<Broker> {
  const security = createSecurityRecorder(p);
  // The publish hook answers through the broker it is a hook of: resolved once constructed.
  const ref: { broker?: Aedes } = {};
  const authorizePublish = createAuthorizePublish({
    ingest: p.ingest,
    security,
    log: p.log,
    broker: () => ref.broker!,
    rateLimiter: createRateLimiter(p.readingRateLimit ?? DEFAULT_READING_RATE_LIMIT),
  });

  const aedes = await Aedes.createBroker({
    // DESIGN: meter ids are up to 32 characters (MQTT 3.1 allowed 23; 3.1.1 servers MAY allow more).
    maxClientsIdLength: 32,
    connectTimeout: 10_000,
    drainTimeout: 30_000,
    // No limit on messages in flight inside aedes' emitter. With a limit (default 100), messages
    // beyond it wait in a queue that the emitter drains synchronously, one finished message
    // starting the next through its client's socket read: at 10,000 meters subscribed to their
    // acks under full load that chain overflowed the stack and killed the gateway ("Maximum call
    // stack size exceeded" in Client.nextBatch, found by the ingest bench). The limit guards
    // fan-out to many subscribers; here every topic has one (a meter's own acks), in-flight
    // readings are bounded per meter (MAX_READINGS_IN_FLIGHT) and a frozen meter is cut after
    // drainTimeout.
    concurrency: 0,
    preConnect: (_client, _packet, done) => done(null, true),
    authenticate: createAuthenticate({ directory: p.directory, clock: p.clock, jwtMaxLifetimeSeconds: p.jwtMaxLifetimeSeconds, security }),
    authorizePublish,
    authorizeSubscribe: createAuthorizeSubscribe({ security }),
    // Deliver only a meter's own acks and status to it; readings go to nobody.
    authorizeForward: (client, packet) => {
      const topic = parseMeterTopic(packet.topic);
      return topic && topic.meterId === client.id && topic.kind !== 'readings' ? packet : null;
    },
    published: (_packet, _client, done) => done(null),
  });
  ref.broker = aedes;
  // aedes' own in-memory persistence (its types do not declare the property)
  indexRetainedByTopic((aedes as unknown as { persistence: RetainedPersistence }).persistence);
  const presence = trackMeterPresence(aedes, p);

  aedes.on('clientError', (client, error) => p.log.info(`mqtt: client ${client.id} disconnected: ${error.message}`));
  aedes.on('connectionError', (client, error) => p.log.info(`mqtt: connection ${client.id ?? '(no id)'} failed: ${error.message}`));

  const limit = hardPacketLimitBytes(p.maxPayloadBytes);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const client = aedes.handle(socket);
    guardPacketSize(socket, limit, (detail) => security('oversize-packet', { meterId: null, clientId: client.id ?? null }, detail));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(p.port, p.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => p.log.error('mqtt: server error', error));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`mqtt: unexpected listen address ${String(address)}`);

  let closing: Promise<void> | undefined;
  return {
    port: address.port,
    connectedMeters: () => presence.connectedMeters(),
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await serverClosed;
      })();
      return closing;
    },
  };
}
