// A gateway as shard S (issue #13.3, docs/design.md "Shards") over the real broker on TCP: a meter
// assigned to another shard at login time gets CONNACK 5 "not authorized" and a security event
// naming its shard; a reading taken after a handover boundary is the new shard's (refused here,
// 'wrong-shard'), one taken before it is still this shard's.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GatewayEvents, type GatewayEventMap } from '../events.js';
import { createIngest, type Ingest } from '../ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, signedReading, T0, testMeter } from '../ingest/ingest-fixtures.js';
import { createMetrics } from '../metrics.js';
import { createDirectory, meterShardAt } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { startBroker, type Broker } from './start-broker.js';

const verifiers = inlineVerifiers();

const SHARD = 1;
const BOUNDARY = T0 + 120 * MINUTE;
const dir = mkdtempSync(join(tmpdir(), 'feedin-broker-shard-'));
const mine = testMeter('on-1', { shards: [{ shard: 0, validFromMs: 0 }, { shard: 1, validFromMs: T0 }] });
const other = testMeter('on-2', { shards: [{ shard: 2, validFromMs: 0 }] });
// handed over from shard 1 to shard 3 at BOUNDARY
const leaving = testMeter('leaving', { shards: [{ shard: 1, validFromMs: 0 }, { shard: 3, validFromMs: BOUNDARY }] });

let store: ReadingStore;
let broker: Broker;
let ingest: Ingest;
const security: GatewayEventMap['security'][] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  store = openSqliteStore(join(dir, 'readings.sqlite'));
  const directory = createDirectory();
  for (const m of [mine, other, leaving]) directory.upsert(m.entry);
  const clock = manualClock(T0 + 60 * MINUTE);
  const events = new GatewayEvents();
  events.on('security', (e) => security.push(e));
  const metrics = createMetrics();
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  ingest = await createIngest({ store, directory, shard: SHARD, clock, limits: { clockSkewSeconds: 86_400, plausibilityMarginPercent: 120, maxFrameBytes: 2048 }, events, metrics, log, verifyPool: verifiers.verifyPool });
  broker = await startBroker({ verifyMeterJwt: verifiers.verifyMeterJwt, host: '127.0.0.1', port: 0, ingest, directory, clock, shard: SHARD, jwtMaxLifetimeSeconds: 300, maxPayloadBytes: 2048, events, metrics, log, securitySummaryEveryMs: 3_600_000 });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const login = (m: typeof mine) => {
  const nowSec = Math.floor(Date.now() / 1000);
  const password = signMeterJwt({ meterId: m.meterId, issuedAtSec: nowSec, expiresAtSec: nowSec + 300, jwtId: randomBytes(16).toString('base64url') }, m.privateKey);
  return mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: m.meterId, username: m.meterId, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 }).then((c) => {
    clients.push(c);
    return c;
  });
};

it('lets a meter of this shard connect and refuses one of another shard with CONNACK 5 and a security event naming its shard', async () => {
  await expect(login(mine)).resolves.toBeDefined();
  await expect(login(other)).rejects.toMatchObject({ code: 5 });
  expect(security).toContainEqual({
    meterId: 'on-2',
    clientId: 'on-2',
    kind: 'connect-refused',
    detail: `wrong-shard: meter on-2 is assigned to shard 2 at ${new Date(T0 + 60 * MINUTE).toISOString()}, not to this gateway's shard 1: connect it to shard 2's gateway`,
  });
}, 60_000);

it('takes a handed-over meter’s readings up to the boundary and refuses those from it (the new shard’s)', async () => {
  expect(meterShardAt(leaving.entry, BOUNDARY - 1)).toBe(1);
  expect(meterShardAt(leaving.entry, BOUNDARY)).toBe(3);
  const reading = (n: number, atMs: number) => signedReading(leaving, { pagination: n, importWh: 0n, exportWh: 1_000n + BigInt(n), timestampMs: atMs });
  expect(await ingest.ingest(reading(1, BOUNDARY - MINUTE), { kind: 'mqtt', meterId: 'leaving' })).toEqual({ status: 'accepted', meterId: 'leaving', pg: 'F1' });
  expect(await ingest.ingest(reading(2, BOUNDARY), { kind: 'mqtt', meterId: 'leaving' })).toMatchObject({
    status: 'rejected',
    reason: 'wrong-shard',
    detail: `meter leaving is assigned to shard 3 at ${new Date(BOUNDARY).toISOString()}, not to this gateway's shard 1: connect it to shard 3's gateway`,
  });
}, 60_000);
