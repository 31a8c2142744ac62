// The embedded MQTT broker (aedes 1.x over TCP, and over TLS when given a certificate). Every
// hook is set at construction, so aedes' allow-all defaults are never live, not even for a
// moment (docs/design.md §Transports). Sockets that have not logged in are bounded in number and
// time.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { GatewayEvents } from '../events.js';
import type { Ingest } from '../ingest/ingest.js';
import type { VerifyMeterJwt } from '../ingest/verify-jwt-fast.js';
import type { GatewayMetrics } from '../metrics.js';
import type { MeterDirectory } from '../registry/meter-directory.js';
import { createAuthenticate } from './authenticate.js';
import { createAuthorizePublish } from './authorize-publish.js';
import { createAuthorizeSubscribe } from './authorize-subscribe.js';
import { createLoginReplayGuard } from './login-replay.js';
import { createTakeoverLimiter, DEFAULT_TAKEOVER_LIMIT, type TakeoverLimit } from './session-takeover.js';
import { trackMeterPresence } from './meter-presence.js';
import { guardPacketSize } from './packet-size-guard.js';
import { indexRetainedByTopic, type RetainedPersistence } from './retained-by-topic.js';
import { createRateLimiter, DEFAULT_READING_RATE_LIMIT, type ReadingRateLimit } from './reading-rate-limit.js';
import { createSecurityRecorder, type BrokerLog } from './security.js';
import { cutSuspendedMeters } from './cut-suspended.js';
import { parseMeterTopic } from '@feedin/protocol/mqtt-topics';

export interface StartBrokerParameters {
  host: string;
  /** 0 = any free port (see Broker.port) */
  port: number;
  ingest: Ingest;
  directory: MeterDirectory;
  clock: Clock;
  jwtMaxLifetimeSeconds: number;
  /** checks the login JWTs (gateway-crypto.ts) */
  verifyMeterJwt: VerifyMeterJwt;
  /** the shard this gateway settles (config gateway.shard): meters of other shards are refused */
  shard?: number;
  /** readings larger than this are recorded as rejected 'oversize'; packets far larger cut the connection */
  maxPayloadBytes: number;
  events: GatewayEvents;
  metrics: GatewayMetrics;
  log: BrokerLog;
  /** readings per meter: sustained per second and burst (default DEFAULT_READING_RATE_LIMIT) */
  readingRateLimit?: ReadingRateLimit;
  /** takeovers of a live session per meter (default DEFAULT_TAKEOVER_LIMIT) */
  takeoverLimit?: TakeoverLimit;
  /** sockets that have not logged in: at most `max` at once, CONNECT within `connectTimeoutMs` */
  unauthenticated?: UnauthenticatedLimit;
  /** MQTT over TLS (MQTT 3.1.1 §5.4: port 8883) with this PEM key and certificate chain */
  tls?: { host: string; port: number; keyPem: string; certPem: string };
  /** refused connections are logged as one summary line per this period (default 60 s) */
  securitySummaryEveryMs?: number;
}

export interface UnauthenticatedLimit {
  max: number;
  connectTimeoutMs: number;
}

export const DEFAULT_UNAUTHENTICATED_LIMIT: UnauthenticatedLimit = { max: 1000, connectTimeoutMs: 10_000 };

export interface Broker {
  port: number;
  /** the TLS listener's port, when there is one */
  tlsPort: number | undefined;
  close(): Promise<void>;
  connectedMeters(): number;
  /** sockets accepted that have not logged in yet */
  pendingConnections(): number;
  /** logs the summary of refused connections now (it is also logged periodically and on close) */
  flushSecuritySummary(): void;
}

/** Packets up to this size are read and answered (an oversize reading gets a durable 'oversize'
 * rejection and its PUBACK); beyond it the connection is cut: it is no meter reading. */
export function hardPacketLimitBytes(maxPayloadBytes: number): number {
  return 2 * maxPayloadBytes + 1024;
}

export async function startBroker(p: StartBrokerParameters): Promise<Broker> {
  const security = createSecurityRecorder({ ...p, summaryEveryMs: p.securitySummaryEveryMs });
  const unauthenticated = p.unauthenticated ?? DEFAULT_UNAUTHENTICATED_LIMIT;
  const replay = createLoginReplayGuard({ startedAtSec: Math.floor(p.clock.wallNowMs() / 1000) });
  const takeovers = createTakeoverLimiter(p.takeoverLimit ?? DEFAULT_TAKEOVER_LIMIT);
  const presenceRef: { isConnected?: (meterId: string) => boolean } = {};
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
    // docs/design.md §Meter id: up to 32 characters (MQTT 3.1 allowed 23; 3.1.1 servers MAY allow more).
    maxClientsIdLength: 32,
    connectTimeout: unauthenticated.connectTimeoutMs,
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
    authenticate: createAuthenticate({
      directory: p.directory,
      clock: p.clock,
      shard: p.shard,
      jwtMaxLifetimeSeconds: p.jwtMaxLifetimeSeconds,
      verifyMeterJwt: p.verifyMeterJwt,
      security,
      replay,
      sessions: { isConnected: (meterId) => presenceRef.isConnected?.(meterId) ?? false, takeovers },
    }),
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
  presenceRef.isConnected = presence.isConnected;
  const suspendedCut = cutSuspendedMeters({ broker: aedes, directory: p.directory, clock: p.clock, security });

  // Sockets not yet logged in. 'client' fires once authenticate accepted the login.
  const pending = new Set<Client>();
  aedes.on('client', (client) => pending.delete(client));
  // A refused login was recorded by authenticate (counted, summarised): no line of its own here.
  aedes.on('clientError', (client, error) => {
    if (pending.has(client)) return;
    p.log.info(`mqtt: client ${client.id} disconnected: ${error.message}`);
  });
  aedes.on('connectionError', (client, error) => {
    const timeout = error.message === 'connect did not arrive in time';
    security(timeout ? 'connect-timeout' : 'protocol-error', { meterId: null, clientId: client.id ?? null }, timeout ? 'connect-timeout' : `protocol-error: ${error.message}`);
  });

  const limit = hardPacketLimitBytes(p.maxPayloadBytes);
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    if (pending.size >= unauthenticated.max) {
      // Refused before aedes sees it: a flood of idle sockets cannot hold the broker's memory.
      security('unauthenticated-limit', { meterId: null, clientId: null }, `more than ${unauthenticated.max} connections waiting to log in`);
      return void socket.destroy();
    }
    sockets.add(socket);
    const client = aedes.handle(socket);
    pending.add(client);
    socket.on('close', () => {
      sockets.delete(socket);
      pending.delete(client);
    });
    guardPacketSize(socket, limit, (detail) => security('oversize-packet', { meterId: null, clientId: client.id ?? null }, detail));
  };
  const server: Server = createServer(onConnection);
  const port = await listen(server, p.port, p.host);
  server.on('error', (error) => p.log.error('mqtt: server error', error));
  // TLS sockets join after the handshake ('secureConnection'); a failed handshake never reaches aedes.
  const tlsServer = p.tls ? createTlsServer({ key: p.tls.keyPem, cert: p.tls.certPem, minVersion: 'TLSv1.2' }, onConnection) : undefined;
  if (tlsServer) {
    tlsServer.on('tlsClientError', () => security('protocol-error', { meterId: null, clientId: null }, 'protocol-error: TLS handshake failed'));
    tlsServer.on('error', (error) => p.log.error('mqtt: TLS server error', error));
  }
  const tlsPort = tlsServer && p.tls ? await listen(tlsServer, p.tls.port, p.tls.host).catch(async (error: unknown) => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }) : undefined;

  let closing: Promise<void> | undefined;
  return {
    port,
    tlsPort,
    connectedMeters: () => presence.connectedMeters(),
    pendingConnections: () => pending.size,
    flushSecuritySummary: () => security.flush(),
    close() {
      closing ??= (async () => {
        suspendedCut.stop();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        const tlsClosed = new Promise<void>((resolve) => (tlsServer ? tlsServer.close(() => resolve()) : resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await Promise.all([serverClosed, tlsClosed]);
        security.stop();
      })();
      return closing;
    },
  };
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`mqtt: unexpected listen address ${String(address)}`);
  return address.port;
}
