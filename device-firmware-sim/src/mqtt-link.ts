// The MQTT connection of one meter (each meter is its own device, so each has its own client).
// Every connection attempt is a fresh mqtt.js client: its CONNECT carries a freshly signed JWT
// (docs/design.md §Clocks: short exp, wall-clock iat/exp; a new jti, since the gateway accepts each
// token once — mqtt.js' own reconnect would resend the old password) and no client-side resend
// queue survives a connection, because resending is the outbox's job (one owner of retransmission
// means no double resends). The broker session itself persists (clean: false), so acks queued while
// offline still arrive.
import mqtt, { type MqttClient } from 'mqtt';
import { meterTopic } from '@feedin/protocol/mqtt-topics';
import { backoffDelayMs, type Backoff } from '@feedin/protocol/backoff';

export interface LinkSession {
  /** QoS 1 publish of a reading; `done` runs on PUBACK or with an error if the connection ends first */
  publishReading(ocmf: string, done: (error?: Error) => void): void;
}

export interface MqttLinkParameters {
  meterId: string;
  host: string;
  port: number;
  /** MQTT over TLS, trusting this CA (PEM), e.g. the sandbox CA <data dir>/tls/ca.pem */
  tls?: { caPem: string; servername?: string };
  /** signs the CONNECT password (the device signer's signJwt) */
  signJwt(claims: { issuedAtSec: number; expiresAtSec: number }): string;
  wallNowMs(): number;
  /** JWT lifetime; the gateway refuses tokens living longer than mqtt.jwtMaxLifetimeSeconds */
  jwtLifetimeSec: number;
  keepaliveSec?: number;
  backoff?: Backoff;
  onConnected(session: LinkSession): void;
  onDisconnected(): void;
  onAck(payload: Buffer): void;
  log(message: string): void;
}

export interface MqttLink {
  start(): void;
  isConnected(): boolean;
  /** fault injection: cut the TCP connection without DISCONNECT (the broker sends the will) */
  drop(): void;
  /** publishes retained `offline`, disconnects cleanly and stops reconnecting */
  stop(): Promise<void>;
}

const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

const STOP_GRACE_MS = 2_000;

/** true when `work` settled successfully within `ms` */
async function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createMqttLink(p: MqttLinkParameters): MqttLink {
  const backoff = p.backoff ?? { initialMs: 250, maxMs: 30_000 };
  let client: MqttClient | undefined;
  let connected = false;
  let stopped = true;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let lastProblem = '';

  const scheduleRetry = () => {
    if (stopped || retryTimer) return;
    // With jitter, so a fleet does not reconnect in lockstep after an outage.
    const delayMs = backoffDelayMs(attempt++, backoff);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delayMs);
  };

  const connect = () => {
    if (stopped) return;
    const issuedAtSec = Math.floor(p.wallNowMs() / 1000);
    const c = mqtt.connect({
      host: p.host,
      port: p.port,
      protocol: p.tls ? 'mqtts' : 'mqtt',
      ...(p.tls ? { ca: p.tls.caPem, rejectUnauthorized: true, ...(p.tls.servername ? { servername: p.tls.servername } : {}) } : {}),
      protocolVersion: 4,
      clientId: p.meterId,
      username: p.meterId,
      password: p.signJwt({ issuedAtSec, expiresAtSec: issuedAtSec + p.jwtLifetimeSec }),
      clean: false,
      keepalive: p.keepaliveSec ?? 30,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      will: { topic: meterTopic(p.meterId, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client = c;
    c.on('connect', () => {
      if (client !== c) return;
      connected = true;
      attempt = 0;
      if (lastProblem) p.log(`${p.meterId}: connected again (after: ${lastProblem})`);
      lastProblem = '';
      // Readings go out only after the SUBACK, so no ack can be published before we listen.
      c.subscribe(meterTopic(p.meterId, 'acks'), { qos: 1 }, (error, granted) => {
        if (client !== c || !connected) return;
        if (error || granted?.some((g) => g.qos === 128)) {
          p.log(`${p.meterId}: the broker refused the acks subscription${error ? `: ${error.message}` : ''}`);
          return void c.stream.destroy();
        }
        c.publish(meterTopic(p.meterId, 'status'), 'online', { qos: 1, retain: true });
        p.onConnected({
          publishReading: (ocmf, done) => {
            if (client !== c || !connected) return done(new Error('connection closed'));
            c.publish(meterTopic(p.meterId, 'readings'), ocmf, { qos: 1 }, (err) => done(err ?? undefined));
          },
        });
      });
    });
    c.on('message', (topic, payload) => {
      if (client === c && topic === meterTopic(p.meterId, 'acks')) p.onAck(payload);
    });
    c.on('error', (error: Error & { code?: number | string }) => {
      const problem = typeof error.code === 'number' ? `CONNACK refused: ${CONNACK_REASONS[error.code] ?? error.code}` : error.message;
      // Log each kind of trouble once, not on every retry of a long outage.
      if (problem !== lastProblem) p.log(`${p.meterId}: ${problem}`);
      lastProblem = problem;
    });
    c.on('close', () => {
      if (client !== c) return;
      const wasConnected = connected;
      connected = false;
      client = undefined;
      c.end(true);
      if (wasConnected) p.onDisconnected();
      if (!lastProblem) lastProblem = 'connection closed';
      scheduleRetry();
    });
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      connect();
    },
    isConnected: () => connected,
    drop() {
      if (!client || !connected) return;
      lastProblem = 'connection dropped (fault injection)';
      client.stream.destroy();
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      const c = client;
      client = undefined;
      const wasConnected = connected;
      connected = false;
      if (!c) return;
      if (wasConnected) {
        // A broker that went away silently never answers: bound the polite goodbye, then cut.
        const offline = new Promise<void>((resolve) => c.publish(meterTopic(p.meterId, 'status'), 'offline', { qos: 1, retain: true }, () => resolve()));
        const polite = await withinMs(offline.then(() => c.endAsync(false)), STOP_GRACE_MS);
        if (!polite) await c.endAsync(true).catch(() => undefined);
        p.onDisconnected();
      } else await c.endAsync(true).catch(() => undefined);
    },
  };
}
