// The real broker with our hooks over TCP, driven by a real mqtt.js client.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayEvents, type GatewayEventMap } from '../events.js';
import { createIngest } from '../ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, signedReading, T0, testMeter, type TestMeter } from '../ingest/ingest-fixtures.js';
import { createMetrics, type GatewayMetrics } from '../metrics.js';
import { createDirectory, type MutableMeterDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { MAX_READINGS_IN_FLIGHT } from './authorize-publish.js';
import { startBroker, type Broker } from './start-broker.js';

const verifiers = inlineVerifiers();

const dir = mkdtempSync(join(tmpdir(), 'feedin-broker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MAX_PAYLOAD = 2048;
const m1 = testMeter('m1');
const m2 = testMeter('m2');
// the longest meter id docs/design.md §Meter id allows: 32 characters
const long = testMeter('meter-with-a-32-character-id.xyz');
const reading = (meter: TestMeter, n: number, exportWh = 5_000n + 50n * BigInt(n)) =>
  signedReading(meter, { pagination: n, importWh: 1_000n, exportWh, timestampMs: T0 + n * MINUTE });

let store: ReadingStore;
let healthy: boolean;
/** while set, appends wait for it: lets a test hold a write "in flight" */
let appendGate: Promise<void> | null;
let appendsStarted: number;
let broker: Broker;
let directory: MutableMeterDirectory;
let metrics: GatewayMetrics;
let security: GatewayEventMap['security'][];
let presence: string[];
const clients: MqttClient[] = [];

beforeEach(async () => {
  const real = openSqliteStore(join(dir, `${Math.random().toString(36).slice(2)}.sqlite`));
  healthy = true;
  appendGate = null;
  appendsStarted = 0;
  store = {
    ...real,
    append: async (entries) => {
      appendsStarted++;
      if (appendGate) await appendGate;
      return healthy ? real.append(entries) : Promise.reject(new Error('disk full'));
    },
  };
  directory = createDirectory();
  for (const m of [m1, m2, long]) directory.upsert(m.entry);
  const clock = manualClock(T0 + 60 * MINUTE);
  const events = new GatewayEvents();
  security = [];
  presence = [];
  events.on('security', (e) => security.push(e));
  events.on('meter.connected', (e) => presence.push(`+${e.meterId}`));
  events.on('meter.disconnected', (e) => presence.push(`-${e.meterId}`));
  metrics = createMetrics();
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const ingest = await createIngest({
    verifyPool: verifiers.verifyPool,
    store,
    directory,
    clock,
    limits: { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: MAX_PAYLOAD },
    events,
    metrics,
    log: quiet,
  });
  broker = await startBroker({ verifyMeterJwt: verifiers.verifyMeterJwt, host: '127.0.0.1', port: 0, ingest, directory, clock, jwtMaxLifetimeSeconds: 600, maxPayloadBytes: MAX_PAYLOAD, events, metrics, log: quiet });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker.close();
  await store.close();
});

const nowSec = () => Math.floor(Date.now() / 1000);
const token = (meter: TestMeter, over: { sub?: string; iat?: number; exp?: number; key?: Uint8Array; jti?: string } = {}) =>
  signMeterJwt(
    { meterId: over.sub ?? meter.meterId, issuedAtSec: over.iat ?? nowSec(), expiresAtSec: over.exp ?? nowSec() + 300, jwtId: over.jti ?? randomBytes(16).toString('base64url') },
    over.key ?? meter.privateKey,
  );

function options(meter: TestMeter, over: Partial<IClientOptions> = {}): IClientOptions {
  return {
    clientId: meter.meterId,
    username: meter.meterId,
    password: token(meter),
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...over,
  };
}

async function connect(meter: TestMeter, over: Partial<IClientOptions> = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, options(meter, over));
  clients.push(client);
  return client;
}

async function refused(meter: TestMeter, over: Partial<IClientOptions> = {}): Promise<{ code: unknown; message: string }> {
  const error = await connect(meter, over).then(
    () => undefined,
    (e: Error & { code?: unknown }) => e,
  );
  if (!error) throw new Error('connection was accepted');
  return { code: error.code, message: error.message };
}

/** Subscribes to the meter's acks and collects them. */
async function acksOf(client: MqttClient, meterId: string): Promise<string[]> {
  const acks: string[] = [];
  client.on('message', (topic, payload) => {
    if (topic === `feedin/v1/meters/${meterId}/acks`) acks.push(payload.toString());
  });
  await client.subscribeAsync(`feedin/v1/meters/${meterId}/acks`, { qos: 1 });
  return acks;
}

const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())));

describe('broker: authentication', () => {
  const NOT_AUTHORIZED = { code: 5, message: 'Connection refused: Not authorized' };

  it('accepts a registered meter with a valid JWT, up to a 32-character id', async () => {
    await connect(m1);
    await connect(long);
    expect(broker.connectedMeters()).toBe(2);
    expect(presence).toEqual(['+m1', '+meter-with-a-32-character-id.xyz']);
  });

  it.each([
    ['no password', m1, { password: undefined }, 'no-password: no JWT given as password', 'm1'],
    ['an unknown meter', testMeter('ghost'), {}, 'unknown-meter: meter ghost is not registered', null],
    ['no client id', m1, { clientId: '', username: '', clean: true }, null, null],
    ['a username that is not the client id', m1, { username: 'm2' }, 'username-mismatch: username "m2" is not the client id', 'm1'],
    ['a JWT signed by another key', m1, { password: token(m1, { key: m2.privateKey }) }, 'bad-signature: the token is not signed by this meter key', 'm1'],
    ['an expired JWT', m1, { password: token(m1, { iat: nowSec() - 400, exp: nowSec() - 100 }) }, null, 'm1'],
    ['a JWT for another meter', m1, { password: token(m1, { sub: 'm2' }) }, 'wrong-subject: sub "m2" is not "m1"', 'm1'],
    ['a JWT living too long', m1, { password: token(m1, { exp: nowSec() + 3600 }) }, null, 'm1'],
  ])('refuses %s with CONNACK 5 and a security event', async (_name, meter, over, detail, meterId) => {
    expect(await refused(meter, over as Partial<IClientOptions>)).toEqual(NOT_AUTHORIZED);
    expect(security.length).toBe(1);
    expect(security[0]).toMatchObject({ kind: 'connect-refused', meterId });
    if (detail) expect(security[0]!.detail).toBe(detail);
    expect(broker.connectedMeters()).toBe(0);
    expect(metrics.securityEvents.get({ kind: 'connect-refused' })).toBe(1);
  });

  it('refuses a suspended meter', async () => {
    directory.suspend('m1', T0);
    expect(await refused(m1)).toEqual(NOT_AUTHORIZED);
    expect(security[0]!.detail).toBe('meter-suspended: meter m1 is suspended from 2026-11-22T03:00:00.000Z');
  });
});

describe('broker: readings', () => {
  it('PUBACKs a reading only once it is durably stored, then acks it on the acks topic', async () => {
    const client = await connect(m1);
    const acks = await acksOf(client, 'm1');
    let release!: () => void;
    appendGate = new Promise((resolve) => (release = resolve));
    let storedAtPuback: unknown = 'no puback yet';
    const pubacked = new Promise<void>((resolve, reject) =>
      client.publish('feedin/v1/meters/m1/readings', reading(m1, 1), { qos: 1 }, (error) =>
        error ? reject(error) : store.byPagination('m1', 1).then((r) => ((storedAtPuback = r), resolve()), reject),
      ),
    );
    // the write is in flight and held: a round trip later there is still no PUBACK
    await vi.waitFor(() => expect(appendsStarted).toBe(1), { timeout: 5_000 });
    await client.subscribeAsync('feedin/v1/meters/m1/status', { qos: 1 });
    expect(storedAtPuback).toBe('no puback yet');
    release();
    await pubacked;
    expect(storedAtPuback).toMatchObject({ meterId: 'm1', pagination: 1, ocmf: reading(m1, 1), source: 'mqtt' });
    await vi.waitFor(() => expect(acks).toEqual(['{"pg":"F1","status":"accepted"}']), { timeout: 5_000 });
  });

  it('PUBACKs a bad reading too, acks it as rejected and keeps it in the rejections', async () => {
    const client = await connect(m1);
    const acks = await acksOf(client, 'm1');
    const forged = signedReading(m1, { pagination: 1, importWh: 1n, exportWh: 2n, timestampMs: T0 }, m2.privateKey);
    await client.publishAsync('feedin/v1/meters/m1/readings', forged, { qos: 1 });
    expect(await store.rejections()).toMatchObject([{ meterId: 'm1', pagination: 1, reason: 'bad-signature', frame: forged, source: 'mqtt' }]);
    await vi.waitFor(() => expect(acks).toEqual(['{"pg":"F1","status":"rejected","reason":"bad-signature"}']), { timeout: 5_000 });
  });

  it('acks a resent reading as accepted without storing it twice', async () => {
    const client = await connect(m1);
    const acks = await acksOf(client, 'm1');
    await client.publishAsync('feedin/v1/meters/m1/readings', reading(m1, 1), { qos: 1 });
    await client.publishAsync('feedin/v1/meters/m1/readings', reading(m1, 1), { qos: 1 });
    await vi.waitFor(() => expect(acks).toEqual(['{"pg":"F1","status":"accepted"}', '{"pg":"F1","status":"accepted"}']), { timeout: 5_000 });
    expect(await store.highWaterSeq()).toBe(1);
  });

  it('records an oversize reading as rejected (PUBACK, rejected ack) and keeps the connection', async () => {
    const client = await connect(m1);
    const acks = await acksOf(client, 'm1');
    await client.publishAsync('feedin/v1/meters/m1/readings', 'x'.repeat(MAX_PAYLOAD + 1), { qos: 1 });
    await vi.waitFor(() => expect(acks).toEqual(['{"pg":null,"status":"rejected","reason":"oversize"}']), { timeout: 5_000 });
    expect(await store.rejections()).toMatchObject([{ meterId: 'm1', reason: 'oversize', detail: `frame is ${MAX_PAYLOAD + 1} bytes, over the ${MAX_PAYLOAD}-byte limit` }]);
    await client.publishAsync('feedin/v1/meters/m1/readings', reading(m1, 1), { qos: 1 });
    expect(client.connected).toBe(true);
  });

  it('cuts a connection that announces a packet far beyond any reading, before reading it', async () => {
    const client = await connect(m1);
    client.publish('feedin/v1/meters/m1/readings', Buffer.alloc(1_000_000, 0x41), { qos: 1 });
    await closed(client);
    expect(security).toEqual([
      { meterId: null, clientId: 'm1', kind: 'oversize-packet', detail: 'packet of 1000032 bytes announced, over the 5120-byte limit' },
    ]);
    expect(await store.rejections()).toEqual([]);
  });

  it('cuts an unauthenticated connection that announces a huge CONNECT', async () => {
    const socket = tcpConnect(broker.port, '127.0.0.1');
    // CONNECT with remaining length 268 435 455 (0xFF 0xFF 0xFF 0x7F): the MQTT maximum
    socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(security).toEqual([
      { meterId: null, clientId: null, kind: 'oversize-packet', detail: 'packet of 268435455 bytes announced, over the 5120-byte limit' },
    ]);
  });

  it('does not PUBACK when the store fails: disconnects; the resend after reconnect is accepted', async () => {
    // the device's store-and-forward queue survives the reconnect
    const stores = { incomingStore: new mqtt.Store(), outgoingStore: new mqtt.Store() };
    const client = await connect(m1, stores);
    healthy = false;
    let pubacked = false;
    client.publish('feedin/v1/meters/m1/readings', reading(m1, 1), { qos: 1 }, (error) => {
      if (!error) pubacked = true;
    });
    await closed(client);
    expect(pubacked).toBe(false);
    expect(await store.byPagination('m1', 1)).toBeUndefined();

    healthy = true;
    // every login needs a fresh token (its jti is accepted once)
    client.options.password = token(m1);
    client.reconnect(stores);
    await vi.waitFor(() => expect(pubacked).toBe(true), { timeout: 5_000 });
    expect(await store.byPagination('m1', 1)).toMatchObject({ meterId: 'm1', pagination: 1 });
  });
});

describe('broker: flooding', () => {
  it('cuts a meter with more readings awaiting PUBACK than MAX_READINGS_IN_FLIGHT', async () => {
    const client = await connect(m1);
    let release!: () => void;
    appendGate = new Promise((resolve) => (release = resolve));
    // small frames, so that one socket read holds more of them than the limit
    for (let n = 1; n <= 4 * MAX_READINGS_IN_FLIGHT; n++) client.publish('feedin/v1/meters/m1/readings', 'x', { qos: 1 });
    await closed(client);
    release();
    expect(security).toEqual([{ meterId: 'm1', clientId: 'm1', kind: 'too-many-in-flight', detail: `more than ${MAX_READINGS_IN_FLIGHT} readings awaiting PUBACK` }]);
  });
});

describe('broker: topics are per meter', () => {
  it('disconnects a meter publishing under another id, records it, and the other meters keep working', async () => {
    const intruder = await connect(m1);
    const victim = await connect(m2);
    const victimAcks = await acksOf(victim, 'm2');
    intruder.publish('feedin/v1/meters/m2/readings', reading(m2, 1), { qos: 1 });
    await closed(intruder);
    expect(security).toEqual([
      { meterId: 'm1', clientId: 'm1', kind: 'foreign-publish', detail: 'a meter may publish only under its own id (topic "feedin/v1/meters/m2/readings")' },
    ]);
    expect(await store.byPagination('m2', 1)).toBeUndefined();
    await victim.publishAsync('feedin/v1/meters/m2/readings', reading(m2, 1), { qos: 1 });
    await vi.waitFor(() => expect(victimAcks).toEqual(['{"pg":"F1","status":"accepted"}']), { timeout: 5_000 });
    expect(presence).toEqual(['+m1', '+m2', '-m1']);
  });

  it('disconnects a meter publishing to its own acks topic', async () => {
    const client = await connect(m1);
    client.publish('feedin/v1/meters/m1/acks', '{}', { qos: 1 });
    await closed(client);
    expect(security.map((s) => s.detail)).toEqual(['acks are published by the gateway (topic "feedin/v1/meters/m1/acks")']);
  });

  it.each(['feedin/v1/meters/m2/acks', 'feedin/v1/meters/+/acks', '#', '$SYS/#', 'feedin/v1/meters/m1/readings'])(
    'disconnects a meter subscribing to %s',
    async (topic) => {
      const client = await connect(m1);
      client.subscribe(topic, { qos: 1 });
      await closed(client);
      expect(security).toEqual([{ meterId: 'm1', clientId: 'm1', kind: 'foreign-subscribe', detail: `subscription to ${JSON.stringify(topic)} refused` }]);
    },
  );

  it('keeps a retained online status while connected and reports disconnects', async () => {
    const client = await connect(m1);
    const status = new Promise<string>((resolve) => client.on('message', (t, p) => t.endsWith('/status') && resolve(p.toString())));
    await client.subscribeAsync('feedin/v1/meters/m1/status', { qos: 1 });
    expect(await status).toBe('online');
    expect(metrics.mqttConnectedMeters.get()).toBe(1);
    await client.endAsync();
    await vi.waitFor(() => expect(presence).toEqual(['+m1', '-m1']), { timeout: 5_000 });
    expect(broker.connectedMeters()).toBe(0);
    expect(metrics.mqttConnectedMeters.get()).toBe(0);
  });
});
