// The gateway under test, in its own process so that its CPU and RSS are its own: the real
// broker (aedes over TCP, JWT auth), the real ingest (decode, verify, validate) and the real
// durable SQLite store, wired as `feedin up` wires them, minus chain and dashboard. Driven over
// IPC by ingest-bench.ts: {start} → {ready, port}; {rss} → {rss, connected}; {profile-start} /
// {profile-stop, path} → {profiled} (a V8 CPU profile of exactly the measured phase); {stop} → exit.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { decodePublicKey } from '@feedin/protocol/public-key';
import type { Hex } from '@feedin/protocol/hex';
import { GatewayEvents } from '@feedin/gateway/events';
import { createMetrics } from '@feedin/gateway/metrics';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import { createIngest, type Ingest } from '@feedin/gateway/ingest/ingest';
import { startBroker } from '@feedin/gateway/broker/start-broker';
import { pgOf } from './plain-ack.js';

export interface GatewayChildStart {
  type: 'start';
  dataDir: string;
  meters: Array<{ meterId: string; publicKeyHex: string; capacityW: number }>;
  clockSkewSeconds: number;
  plausibilityMarginPercent: number;
  maxPayloadBytes: number;
  /** the bench's MQTT-layer measure (issue 16): aedes with every hook, but a plain responder in
   * place of ingest (no decode, no verify, no store), answering each reading as accepted */
  plain?: boolean;
}

export type GatewayChildReply =
  | { type: 'ready'; port: number; rssBytes: number }
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
  const store = openSqliteStore(join(msg.dataDir, 'readings.sqlite'));
  const ingest: Ingest = msg.plain
    ? {
        async ingest(frame, source) {
          accepted++;
          return { status: 'accepted', meterId: source.meterId ?? null, pg: pgOf(frame) };
        },
      }
    : await createIngest({
        store,
        directory,
        clock,
        limits: { clockSkewSeconds: msg.clockSkewSeconds, plausibilityMarginPercent: msg.plausibilityMarginPercent, maxFrameBytes: msg.maxPayloadBytes },
        events,
        metrics,
      });
  const quiet = { info: () => {}, warn: (...a: unknown[]) => console.warn(...a), error: (...a: unknown[]) => console.error(...a) };
  const broker = await startBroker({ host: '127.0.0.1', port: 0, ingest, directory, clock, jwtMaxLifetimeSeconds: 3600, maxPayloadBytes: msg.maxPayloadBytes, events, metrics, log: quiet });
  global.gc?.();
  const reply = (r: GatewayChildReply) => process.send!(r);
  reply({ type: 'ready', port: broker.port, rssBytes: process.memoryUsage.rss() });
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
    if (m.type === 'stop') void broker.close().then(() => store.close()).finally(() => process.exit(0));
  });
}

process.once('message', (msg: GatewayChildStart) => {
  start(msg).catch((error: unknown) => {
    console.error('bench gateway:', error);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
