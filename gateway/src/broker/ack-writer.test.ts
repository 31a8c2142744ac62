// The ack written straight to a clean session's socket (ack-writer.ts): the bytes are the PUBLISH
// aedes would write, and over the real broker a clean-session meter gets its ack at the QoS it
// subscribed with, next to its PUBACK, or none when it did not subscribe.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GatewayEvents } from '../events.js';
import { createIngest } from '../ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, signedReading, T0, testMeter, type TestMeter } from '../ingest/ingest-fixtures.js';
import { createMetrics } from '../metrics.js';
import { createDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { encodeAckPublish } from './ack-writer.js';
import { startBroker, type Broker } from './start-broker.js';

const verifiers = inlineVerifiers();

function parse(bytes: Buffer): mqttPacket.Packet {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let packet: mqttPacket.Packet | undefined;
  parser.on('packet', (p: mqttPacket.Packet) => (packet = p));
  parser.parse(bytes);
  if (!packet) throw new Error('no packet parsed');
  return packet;
}

it('encodes the PUBLISH mqtt-packet reads back, at QoS 1 and 0, short and long', () => {
  for (const [qos, payload] of [
    [1, '{"pg":"F12","status":"accepted"}'],
    [0, '{"pg":"F12","status":"accepted"}'],
    [1, `{"pg":"F1","status":"rejected","reason":"${'x'.repeat(200)}"}`],
  ] as const) {
    const bytes = encodeAckPublish('feedin/v1/meters/m1/acks', Buffer.from(payload), qos, 4242);
    expect(bytes.equals(mqttPacket.generate({ cmd: 'publish', topic: 'feedin/v1/meters/m1/acks', payload: Buffer.from(payload), qos, messageId: qos ? 4242 : undefined, retain: false, dup: false }))).toBe(true);
    expect(parse(bytes)).toMatchObject({ cmd: 'publish', topic: 'feedin/v1/meters/m1/acks', qos, retain: false, dup: false, ...(qos ? { messageId: 4242 } : {}) });
  }
});

const dir = mkdtempSync(join(tmpdir(), 'feedin-ack-writer-'));
const meters = ['a1', 'a2', 'a3'].map((id) => testMeter(id));
let store: ReadingStore;
let broker: Broker;
const clients: MqttClient[] = [];

beforeAll(async () => {
  store = openSqliteStore(join(dir, 'r.sqlite'));
  const directory = createDirectory();
  for (const m of meters) directory.upsert(m.entry);
  const clock = manualClock(T0 + 60 * MINUTE);
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const events = new GatewayEvents();
  const metrics = createMetrics();
  const ingest = await createIngest({ store, directory, clock, limits: { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 2048 }, events, metrics, log: quiet, verifyPool: verifiers.verifyPool });
  broker = await startBroker({ verifyMeterJwt: verifiers.verifyMeterJwt, host: '127.0.0.1', port: 0, ingest, directory, clock, jwtMaxLifetimeSeconds: 600, maxPayloadBytes: 2048, events, metrics, log: quiet });
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await broker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cleanSession(meter: TestMeter): Promise<MqttClient> {
  const nowSec = Math.floor(Date.now() / 1000);
  const password = signMeterJwt({ meterId: meter.meterId, issuedAtSec: nowSec, expiresAtSec: nowSec + 300, jwtId: randomBytes(16).toString('base64url') }, meter.privateKey);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: meter.meterId, username: meter.meterId, password, clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
  clients.push(client);
  return client;
}

const reading = (meter: TestMeter, n: number) => signedReading(meter, { pagination: n, importWh: 1_000n, exportWh: 5_000n + 50n * BigInt(n), timestampMs: T0 + n * MINUTE });

async function sendAndCollect(meter: TestMeter, subscribeQos: 0 | 1 | null): Promise<Array<{ qos: number; payload: string }>> {
  const client = await cleanSession(meter);
  const acks: Array<{ qos: number; payload: string }> = [];
  const acksTopic = `feedin/v1/meters/${meter.meterId}/acks`;
  client.on('message', (topic, payload, packet) => {
    if (topic === acksTopic) acks.push({ qos: packet.qos, payload: payload.toString() });
  });
  if (subscribeQos !== null) await client.subscribeAsync(acksTopic, { qos: subscribeQos });
  for (let n = 1; n <= 3; n++) await client.publishAsync(`feedin/v1/meters/${meter.meterId}/readings`, reading(meter, n), { qos: 1 });
  // the ack leaves before the PUBACK: by the third PUBACK, all three are in
  await new Promise((r) => setTimeout(r, 50));
  return acks;
}

it('a clean session subscribed at QoS 1 gets each ack at QoS 1, and every reading is stored', async () => {
  const acks = await sendAndCollect(meters[0]!, 1);
  expect(acks).toEqual([1, 2, 3].map((n) => ({ qos: 1, payload: `{"pg":"F${n}","status":"accepted"}` })));
  expect((await store.readings(meters[0]!.meterId)).map((r) => r.pagination)).toEqual([1, 2, 3]);
}, 30_000);

it('a clean session subscribed at QoS 0 gets its acks at QoS 0', async () => {
  expect((await sendAndCollect(meters[1]!, 0)).map((a) => a.qos)).toEqual([0, 0, 0]);
}, 30_000);

it('a clean session not subscribed gets its PUBACKs and no ack', async () => {
  expect(await sendAndCollect(meters[2]!, null)).toEqual([]);
  expect((await store.readings(meters[2]!.meterId)).length).toBe(3);
}, 30_000);
