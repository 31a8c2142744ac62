// The gateway under test, in its own process so that its CPU and RSS are its own: the real
// broker (aedes over TCP, JWT auth), the real ingest (decode, verify, validate) and the real
// durable SQLite store, wired as `feedin up` wires them, minus chain and dashboard. Driven over
// IPC by ingest-bench.ts: {start} → {ready, port}; {rss} → {rss, connected}; {profile-start} /
// {profile-stop, path} → {profiled} (a V8 CPU profile of exactly the measured phase); {stop} → exit.
// With `durability` the store is the JetStream log (docs/durability.md): the child first waits as
// standby for the shard's lease ({standby}), then rebuilds its view from the stream and listens
// ({ready}); the durability fault tests run two of these for one shard and kill one.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { decodePublicKey } from '@feedin/protocol/public-key';
import type { Hex } from '@feedin/protocol/hex';
import { GatewayEvents } from '@feedin/gateway/events';
import { createMetrics } from '@feedin/gateway/metrics';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import type { LogMode } from '@feedin/gateway/log/open-log-mode';
import type { ReadingStore } from '@feedin/gateway/store/reading-store';
import { startGatewayCore } from '@feedin/gateway/gateway-core';
import { gatewayCryptoOptionsFromEnv } from '@feedin/gateway/gateway-crypto';
import type { Ingest } from '@feedin/gateway/ingest/ingest';
import { pgOf } from './plain-ack.js';

export interface GatewayChildStart {
  type: 'start';
  dataDir: string;
  meters: Array<{ meterId: string; publicKeyHex: string; capacityW: number }>;
  clockSkewSeconds: number;
  plausibilityMarginPercent: number;
  maxPayloadBytes: number;
  /** fixed MQTT port (a standby takes over the same one); 0 = any */
  port?: number;
  durability?: { servers: string[]; shard: string; replicas: number; leaseSeconds: number };
  /** the bench's MQTT-layer measure (issue 16): aedes with every hook, but a plain responder in
   * place of ingest (no decode, no verify, no store), answering each reading as accepted */
  plain?: boolean;
}

export type GatewayChildReply =
  | { type: 'standby' }
  | { type: 'ready'; port: number; rssBytes: number; rebuiltReadings: number }
  | { type: 'log-status'; acknowledging: boolean; fencedReason: string | null }
  | { type: 'rss'; rssBytes: number; heapUsedBytes: number; connected: number; accepted: number; rejected: number }
  | { type: 'profiled' };

const PAYEE = '0x00000000000000000000000000000000000000b0' as Hex;

async function start(msg: GatewayChildStart): Promise<void> {
  const directory = createDirectory();
  for (const m of msg.meters) {
    const key = decodePublicKey(m.publicKeyHex, 'secp256k1');
    if (!key.ok) throw new Error(`bench: key of ${m.meterId} did not decode`);
    directory.upsert({ meterId: m.meterId, publicKey: key.value, payee: PAYEE, capacityW: m.capacityW, active: true, suspendedFromMs: null });
  }
  const clock = { nowMs: () => Date.now(), wallNowMs: () => Date.now(), speed: 1 };
  const events = new GatewayEvents();
  const metrics = createMetrics();
  let accepted = 0;
  let rejected = 0;
  events.on('reading.accepted', () => accepted++);
  events.on('reading.rejected', () => rejected++);
  let logMode: LogMode | undefined;
  let store: ReadingStore;
  if (msg.durability) {
    // Loaded only in log mode: the NATS client's module tree does not fit the small stack the
    // ack-storm fault test gives this process (test/e2e/faults-ack-storm.test.ts).
    const { openLogMode } = await import('@feedin/gateway/log/open-log-mode');
    logMode = await openLogMode({
      ...msg.durability,
      viewPath: join(msg.dataDir, 'readings-view.sqlite'),
      log: (line) => console.error(line),
      onStandby: () => process.send!({ type: 'standby' } satisfies GatewayChildReply),
    });
    await logMode.store.catchUp();
    store = logMode.store;
  } else store = openSqliteStore(join(msg.dataDir, 'readings.sqlite'));
  const rebuiltReadings = (await store.latestPerMeter()).size;
  // The bench's MQTT-layer measure (issue 16): every reading answered as accepted, nothing decoded.
  const ingestStandIn: Ingest | undefined = msg.plain
    ? {
        async ingest(frame, source) {
          accepted++;
          return { status: 'accepted', meterId: source.meterId ?? null, pg: pgOf(frame) };
        },
      }
    : undefined;
  const quiet = { info: () => {}, warn: (...a: unknown[]) => console.warn(...a), error: (...a: unknown[]) => console.error(...a) };
  // The core `feedin up` runs (gateway-core.ts), with the same FEEDIN_VERIFY_THREADS / FEEDIN_NATIVE_SECP256K1.
  const core = await listen(() =>
    startGatewayCore({
      store,
      directory,
      clock,
      events,
      metrics,
      crypto: gatewayCryptoOptionsFromEnv(process.env),
      limits: { clockSkewSeconds: msg.clockSkewSeconds, plausibilityMarginPercent: msg.plausibilityMarginPercent },
      maxPayloadBytes: msg.maxPayloadBytes,
      jwtMaxLifetimeSeconds: 3600,
      broker: { host: '127.0.0.1', port: msg.port ?? 0 },
      log: quiet,
      ...(ingestStandIn ? { ingestStandIn } : {}),
    }),
  );
  const { broker } = core;
  global.gc?.();
  const reply = (r: GatewayChildReply) => process.send!(r);
  reply({ type: 'ready', port: broker.port, rssBytes: process.memoryUsage.rss(), rebuiltReadings });
  const session = new Session();
  process.on('message', (m: { type: string; path?: string }) => {
    if (m.type === 'profile-start') {
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.start', () => reply({ type: 'profiled' })));
    }
    if (m.type === 'profile-stop')
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(m.path!, JSON.stringify(result.profile));
        session.disconnect();
        reply({ type: 'profiled' });
      });
    if (m.type === 'rss') {
      global.gc?.();
      const mem = process.memoryUsage();
      reply({ type: 'rss', rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, connected: broker.connectedMeters(), accepted, rejected });
    }
    if (m.type === 'log-status') {
      const status = logMode?.store.logStatus();
      reply({ type: 'log-status', acknowledging: status?.acknowledging ?? true, fencedReason: status?.fencedReason ?? null });
    }
    if (m.type === 'stop') void core.close().then(() => (logMode ? logMode.close() : store.close())).finally(() => process.exit(0));
  });
}

/** A standby takes over the port of an active that just died: retry while the port is still taken. */
async function listen<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 100) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

process.once('message', (msg: GatewayChildStart) => {
  start(msg).catch((error: unknown) => {
    console.error('bench gateway:', error);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
