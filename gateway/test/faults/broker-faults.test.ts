// Hostile load against the real broker with our hooks and the real ingest and SQLite store:
// a meter over its reading rate waits while the others are served; a connection storm of
// valid, forged and garbage CONNECTs does not take the gateway down.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../../src/broker/start-broker.js';
import { createRateLimiter, type ReadingRateLimit } from '../../src/broker/reading-rate-limit.js';
import { GatewayEvents, type GatewayEventMap } from '../../src/events.js';
import { createIngest } from '../../src/ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, signedReading, T0, testMeter, type TestMeter } from '../../src/ingest/ingest-fixtures.js';
import { createMetrics } from '../../src/metrics.js';
import { createDirectory } from '../../src/registry/meter-directory.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { connectPacket, rawConnect } from './raw-mqtt.js';

const verifiers = inlineVerifiers();

const dir = mkdtempSync(join(tmpdir(), 'feedin-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const nowSec = () => Math.floor(Date.now() / 1000);
const jwtId = () => randomBytes(16).toString('base64url');
const jwt = (m: TestMeter) => signMeterJwt({ meterId: m.meterId, issuedAtSec: nowSec(), expiresAtSec: nowSec() + 300, jwtId: jwtId() }, m.privateKey);
const reading = (m: TestMeter, n: number) => signedReading(m, { pagination: n, importWh: 1_000n, exportWh: 5_000n + 10n * BigInt(n), timestampMs: T0 + n * MINUTE });

let running: { broker: Broker; store: ReadingStore; clients: MqttClient[] } | undefined;
afterEach(async () => {
  if (!running) return;
  for (const c of running.clients) c.end(true);
  await running.broker.close();
  await running.store.close();
  running = undefined;
});

async function start(meters: TestMeter[], readingRateLimit?: ReadingRateLimit) {
  const store = openSqliteStore(join(dir, `${Math.random().toString(36).slice(2)}.sqlite`));
  const directory = createDirectory();
  for (const m of meters) directory.upsert(m.entry);
  const clock = manualClock(T0 + 600 * MINUTE);
  const events = new GatewayEvents();
  const security: GatewayEventMap['security'][] = [];
  events.on('security', (e) => security.push(e));
  const metrics = createMetrics();
  const limits = { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 2048 };
  const ingest = await createIngest({ verifyPool: verifiers.verifyPool, store, directory, clock, limits, events, metrics, log: quiet });
  const broker = await startBroker({ verifyMeterJwt: verifiers.verifyMeterJwt, host: '127.0.0.1', port: 0, ingest, directory, clock, jwtMaxLifetimeSeconds: 600, maxPayloadBytes: 2048, events, metrics, log: quiet, ...(readingRateLimit ? { readingRateLimit } : {}) });
  running = { broker, store, clients: [] };
  const connectMeter = async (m: TestMeter) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: m.meterId, username: m.meterId, password: jwt(m), clean: false, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000 });
    running!.clients.push(client);
    return client;
  };
  return { broker, store, security, connectMeter };
}

const storedCount = async (store: ReadingStore, meterId: string) => (await store.readings(meterId)).length;

describe('reading rate limit (token bucket)', () => {
  it('lets a burst through, then spaces readings at the sustained rate, per meter', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3, 4, 5].map(() => limiter.delayMs('a'))).toEqual([0, 0, 0, 500, 1000]);
    expect(limiter.delayMs('b')).toBe(0);
    now = 3000; // 6 tokens earned, 2 owed, capped at the burst
    expect([1, 2, 3, 4].map(() => limiter.delayMs('a'))).toEqual([0, 0, 0, 500]);
    expect(() => createRateLimiter({ perSecond: 0, burst: 1 })).toThrow(RangeError);
  });

  it('holds back a meter over its rate while another meter is answered at once', async () => {
    const [flooder, neighbour] = [testMeter('flooder'), testMeter('neighbour')];
    // one token every 5 s after a burst of 5: the flooder's 12 readings need 35 s, the
    // neighbour's 5 fit its own burst
    const g = await start([flooder, neighbour], { perSecond: 0.2, burst: 5 });
    const f = await g.connectMeter(flooder);
    const n = await g.connectMeter(neighbour);
    for (let i = 1; i <= 12; i++) f.publish('feedin/v1/meters/flooder/readings', reading(flooder, i), { qos: 1 });
    for (let i = 1; i <= 5; i++) await n.publishAsync('feedin/v1/meters/neighbour/readings', reading(neighbour, i), { qos: 1 });
    expect(await storedCount(g.store, 'neighbour')).toBe(5);
    expect(await storedCount(g.store, 'flooder')).toBeLessThan(12);
  });
});

describe('connection storm', () => {
  it('survives 1,500 simultaneous connects (valid, forged, garbage) and keeps ingesting', async () => {
    const meters = Array.from({ length: 500 }, (_, i) => testMeter(`storm-${i}`));
    const survivor = testMeter('survivor');
    const g = await start([...meters, survivor]);
    const forger = testMeter('forger');
    const port = g.broker.port;
    const storm = [
      ...meters.map((m) => rawConnect(port, connectPacket(m.meterId, jwt(m)))),
      // forged: a registered id with a token signed by another key
      ...meters.map((m) => rawConnect(port, connectPacket(m.meterId, signMeterJwt({ meterId: m.meterId, issuedAtSec: nowSec(), expiresAtSec: nowSec() + 300, jwtId: jwtId() }, forger.privateKey)))),
      // garbage: not MQTT at all
      ...meters.map((_, i) => rawConnect(port, Buffer.from(`GET / HTTP/1.1\r\nHost: ${i}\r\n\r\n`))),
    ];
    const answers = await Promise.all(storm.map((c) => c.connack));
    const count = (from: number, to: number, what: number | 'closed') => answers.slice(from, to).filter((a) => a === what).length;
    expect(count(0, 500, 0)).toBe(500);
    // forged tokens: never CONNACK 0 (5 = not authorized), and they do not displace the valid session
    expect(count(500, 1000, 0)).toBe(0);
    expect(count(1000, 1500, 'closed')).toBe(500);
    const client = await g.connectMeter(survivor);
    await client.publishAsync('feedin/v1/meters/survivor/readings', reading(survivor, 1), { qos: 1 });
    expect(await storedCount(g.store, 'survivor')).toBe(1);
    for (const c of storm) c.socket.destroy();
  });
});
