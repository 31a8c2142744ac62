// Device-side faults with the real device firmware simulator (signing, durable outbox, MQTT
// store-and-forward) against the real gateway broker, ingest and SQLite store: the broker goes
// down and comes back while a meter keeps measuring for a simulated hour; a meter whose clock
// runs ahead is refused with its reason. No reading is lost or stored twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDeviceSigner } from '@feedin/device-firmware-sim/device-keys';
import { createMeterDevice, type MeterDevice } from '@feedin/device-firmware-sim/meter-device';
import { openOutbox, type Outbox } from '@feedin/device-firmware-sim/outbox';
import { createPvModel } from '@feedin/device-firmware-sim/pv-model';
import { startBroker, type Broker } from '@feedin/gateway/broker/start-broker';
import { GatewayEvents } from '@feedin/gateway/events';
import { createIngest } from '@feedin/gateway/ingest/ingest';
import { inlineVerifiers, manualClock } from '@feedin/gateway/ingest/ingest-fixtures';
import { createMetrics } from '@feedin/gateway/metrics';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import type { ReadingStore } from '@feedin/gateway/store/reading-store';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';

const verifiers = inlineVerifiers();

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 22, 3, 0, 0); // 10:00 in Ho Chi Minh City
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedin-faults-devices-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gatewayAt(store: ReadingStore, meterId: string, publicKey: Uint8Array, nowMs: number, port = 0, events = new GatewayEvents()) {
  const directory = createDirectory();
  directory.upsert({ meterId, publicKey: { curve: 'secp256k1', point: publicKey }, payee: '0x00000000000000000000000000000000000000aa', capacityW: 5000, active: true, suspendedFromMs: null });
  const clock = manualClock(nowMs);
  const metrics = createMetrics();
  const ingest = await createIngest({ verifyPool: verifiers.verifyPool, store, directory, clock, limits: { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 4096 }, events, metrics, log: quiet });
  return startBroker({ verifyMeterJwt: verifiers.verifyMeterJwt, host: '127.0.0.1', port, ingest, directory, clock, jwtMaxLifetimeSeconds: 600, maxPayloadBytes: 4096, events, metrics, log: quiet });
}

async function device(meterId: string, port: number, dropConnection = 0): Promise<{ device: MeterDevice; outbox: Outbox; publicKey: Uint8Array }> {
  const deviceDir = join(dir, meterId);
  const signer = await loadDeviceSigner(deviceDir, meterId);
  const outbox = await openOutbox(deviceDir, meterId);
  const d = createMeterDevice({
    signer,
    outbox,
    model: createPvModel({ latitude: 10.8, longitude: 106.7, capacityW: 5000, seed: 7, cloudiness: 0, utcOffsetMinutes: 420 }),
    utcOffsetMinutes: 420,
    installedAtMs: T0,
    link: { host: '127.0.0.1', port, wallNowMs: () => Date.now(), jwtLifetimeSec: 300, backoff: { initialMs: 50, maxMs: 200 } },
    window: 16,
    dropConnection,
    log: () => {},
  });
  stops.push(() => d.stop());
  return { device: d, outbox, publicKey: signer.publicKey };
}

const paginations = async (store: ReadingStore, meterId: string) => (await store.readings(meterId)).map((r) => r.pagination).sort((a, b) => a - b);

describe('store-and-forward across a broker restart', () => {
  it('a meter measuring through an hour-long outage delivers every reading exactly once after the broker is back', async () => {
    const store = openSqliteStore(join(dir, 'outage.sqlite'));
    stops.push(() => store.close());
    // first broker: learn a free port, keep it for the restart
    const probe = await gatewayAt(store, 'probe', new Uint8Array(33).fill(2), T0);
    const port = probe.port;
    await probe.close();
    const meter = await device('outage-1', port);
    let broker: Broker = await gatewayAt(store, 'outage-1', meter.publicKey, T0 + 3 * 60 * MIN, port);
    meter.device.start();
    for (let m = 1; m <= 5; m++) await meter.device.takeReading(T0 + m * MIN);
    await until('the first readings acknowledged', () => meter.outbox.pendingCount() === 0);

    await broker.close();
    // a simulated hour offline: one reading a minute, kept on the device's disk
    for (let m = 6; m <= 65; m++) await meter.device.takeReading(T0 + m * MIN);
    expect(meter.outbox.pendingCount()).toBe(60);

    broker = await gatewayAt(store, 'outage-1', meter.publicKey, T0 + 3 * 60 * MIN, port);
    stops.push(() => broker.close());
    await until('the outbox drained after reconnecting', () => meter.outbox.pendingCount() === 0);
    expect(await paginations(store, 'outage-1')).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    expect(await store.rejections()).toEqual([]);
    expect(meter.device.stats()).toMatchObject({ acked: 65, rejected: 0 });
  });
});

describe('login tokens are used once', () => {
  it('a meter whose connection drops after every reading logs in again each time with a new token', async () => {
    const store = openSqliteStore(join(dir, 'drops.sqlite'));
    stops.push(() => store.close());
    const probe = await gatewayAt(store, 'probe', new Uint8Array(33).fill(2), T0);
    const port = probe.port;
    await probe.close();
    const meter = await device('drops-1', port, 1);
    const events = new GatewayEvents();
    const refusals: string[] = [];
    let logins = 0;
    events.on('security', (e) => refusals.push(`${e.kind}: ${e.detail}`));
    events.on('meter.connected', () => logins++);
    const broker = await gatewayAt(store, 'drops-1', meter.publicKey, T0 + 10 * MIN, port, events);
    stops.push(() => broker.close());
    meter.device.start();
    for (let m = 1; m <= 5; m++) {
      await until(`connected before reading ${m}`, () => broker.connectedMeters() === 1);
      await meter.device.takeReading(T0 + m * MIN);
      await until(`reading ${m} acknowledged`, () => meter.outbox.pendingCount() === 0);
    }
    await until('connected again after the last drop', () => broker.connectedMeters() === 1);
    expect(await paginations(store, 'drops-1')).toEqual([1, 2, 3, 4, 5]);
    expect(logins).toBeGreaterThanOrEqual(5);
    // a reused token would be refused as token-replayed (mqtt.js' own reconnect resends the old password)
    expect(refusals).toEqual([]);
  });
});

describe('clock skew', () => {
  it('refuses a reading from a meter whose clock is ahead of the gateway, with the reason clock-skew', async () => {
    const store = openSqliteStore(join(dir, 'skew.sqlite'));
    stops.push(() => store.close());
    const probe = await gatewayAt(store, 'probe', new Uint8Array(33).fill(2), T0);
    const port = probe.port;
    await probe.close();
    const meter = await device('skew-1', port);
    const broker = await gatewayAt(store, 'skew-1', meter.publicKey, T0 + 10 * MIN, port);
    stops.push(() => broker.close());
    meter.device.start();
    await meter.device.takeReading(T0 + 9 * MIN);
    // 10 minutes ahead of the gateway clock; the limit is 120 s
    await meter.device.takeReading(T0 + 20 * MIN);
    await until('both answered', () => meter.outbox.pendingCount() === 0);
    expect(await paginations(store, 'skew-1')).toEqual([1]);
    const [rejection] = await store.rejections();
    expect(rejection).toMatchObject({ meterId: 'skew-1', pagination: 2, reason: 'clock-skew' });
    expect(meter.device.stats()).toMatchObject({ acked: 1, rejected: 1 });
  });
});
