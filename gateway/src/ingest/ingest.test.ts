import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payloadDigest } from '@feedin/protocol/digest';
import { signOcmf } from '@feedin/protocol/ocmf-build';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayEvents, type GatewayEventMap, type GatewayEventName } from '../events.js';
import { createMetrics, type GatewayMetrics } from '../metrics.js';
import { createDirectory, type MeterDirectory, type MutableMeterDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { createIngest, type Ingest, type IngestSource } from './ingest.js';
import { inlineVerifiers, manualClock, MINUTE, readingPayload, signedReading, T0, testMeter, type ManualClock, type ReadingSpec } from './ingest-fixtures.js';

const verifiers = inlineVerifiers();

const dir = mkdtempSync(join(tmpdir(), 'feedin-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const m1 = testMeter('m1');
const m2 = testMeter('m2', { capacityW: 3000 });
const MQTT_M1: IngestSource = { kind: 'mqtt', meterId: 'm1' };
const limits = { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 4096 };

/** reading n of m1: one minute apart, export +50 Wh, import +10 Wh per minute */
const spec = (n: number, over: Partial<ReadingSpec> = {}): ReadingSpec => ({
  pagination: n,
  importWh: 1_000n + 10n * BigInt(n),
  exportWh: 5_000n + 50n * BigInt(n),
  timestampMs: T0 + n * MINUTE,
  ...over,
});

interface Harness {
  store: ReadingStore;
  ingest: Ingest;
  clock: ManualClock;
  directory: MutableMeterDirectory;
  events: { name: GatewayEventName; payload: GatewayEventMap[GatewayEventName] }[];
  metrics: GatewayMetrics;
  errors: unknown[][];
}

let path: string;
let h: Harness;
let counter = 0;

async function harness(over: { store?: ReadingStore; directory?: MeterDirectory } = {}): Promise<Harness> {
  const store = over.store ?? openSqliteStore(path);
  const clock = manualClock(T0 + 30 * MINUTE);
  const directory = createDirectory();
  directory.upsert(m1.entry);
  directory.upsert(m2.entry);
  const bus = new GatewayEvents();
  const events: Harness['events'] = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const metrics = createMetrics();
  const errors: unknown[][] = [];
  const log = { error: (...args: unknown[]) => errors.push(args), warn: () => {} };
  const ingest = await createIngest({ verifyPool: verifiers.verifyPool, store, directory: over.directory ?? directory, clock, limits, events: bus, metrics, log });
  return { store, ingest, clock, directory, events, metrics, errors };
}

beforeEach(async () => {
  path = join(dir, `ingest-${++counter}.sqlite`);
  h = await harness();
});
afterEach(async () => {
  await h.store.close().catch(() => {});
});

const frame = (n: number, over: Partial<ReadingSpec> = {}) => signedReading(m1, spec(n, over));

describe('ingest: accepted readings', () => {
  it('accepts a first reading as baseline, stores it byte-exact, emits and counts it', async () => {
    const text = frame(1);
    expect(await h.ingest.ingest(new TextEncoder().encode(text), MQTT_M1)).toEqual({ status: 'accepted', meterId: 'm1', pg: 'F1' });
    const payload = readingPayload(m1, spec(1));
    expect(await h.store.byPagination('m1', 1)).toEqual({
      seq: 1,
      meterId: 'm1',
      pagination: 1,
      importWh: 1_010n,
      exportWh: 5_050n,
      timestampMs: T0 + MINUTE,
      receivedAtMs: T0 + 30 * MINUTE,
      payloadDigest: payloadDigest(payload),
      ocmf: text,
      source: 'mqtt',
    });
    expect(h.events).toEqual([
      { name: 'reading.accepted', payload: { meterId: 'm1', pagination: 1, timestampMs: T0 + MINUTE, importWh: '1010', exportWh: '5050', seq: 1 } },
    ]);
    expect(h.metrics.readingsAccepted.get()).toBe(1);
    expect(h.metrics.ingestSeconds.snapshot().count).toBe(1);
  });

  it('accepts the next PG from serial (string frame, no authenticated meter)', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    expect(await h.ingest.ingest(frame(2), { kind: 'serial' })).toEqual({ status: 'accepted', meterId: 'm1', pg: 'F2' });
    expect((await h.store.byPagination('m1', 2))?.source).toBe('serial');
  });

  it('answers a byte-identical repeat as duplicate and does not store it twice', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    await h.ingest.ingest(frame(2), MQTT_M1);
    expect(await h.ingest.ingest(frame(2), MQTT_M1)).toEqual({ status: 'duplicate', meterId: 'm1', pg: 'F2' });
    // an older PG, looked up in the store rather than the in-memory state
    expect(await h.ingest.ingest(frame(1), MQTT_M1)).toEqual({ status: 'duplicate', meterId: 'm1', pg: 'F1' });
    expect((await h.store.readings('m1')).map((r) => r.pagination)).toEqual([1, 2]);
    expect(await h.store.highWaterSeq()).toBe(2);
    expect(h.metrics.readingsDuplicate.get()).toBe(2);
    expect(h.events.map((e) => e.name)).toEqual(['reading.accepted', 'reading.accepted']);
  });

  it('records a PG gap durably, reports it and accepts the reading', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    expect(await h.ingest.ingest(frame(4), MQTT_M1)).toEqual({ status: 'accepted', meterId: 'm1', pg: 'F4' });
    expect(await h.store.gaps()).toEqual([{ seq: 2, meterId: 'm1', expectedPagination: 2, receivedPagination: 4, receivedAtMs: T0 + 30 * MINUTE }]);
    expect(h.events.slice(1)).toEqual([
      { name: 'reading.gap', payload: { meterId: 'm1', expected: 2, received: 4 } },
      { name: 'reading.accepted', payload: { meterId: 'm1', pagination: 4, timestampMs: T0 + 4 * MINUTE, importWh: '1040', exportWh: '5200', seq: 3 } },
    ]);
    expect(h.metrics.paginationGaps.get()).toBe(1);
  });

  it('accepts a device catching up after hours offline (old TM, still after the previous reading)', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    h.clock.set(T0 + 6 * 60 * MINUTE); // the gateway clock is 6 h ahead now
    for (let n = 2; n <= 100; n++) expect((await h.ingest.ingest(frame(n), MQTT_M1)).status).toBe('accepted');
    expect((await h.store.readings('m1')).length).toBe(100);
    expect(await h.store.rejections()).toEqual([]);
  });

  it('validates a meter’s frames in arrival order even when they arrive together', async () => {
    const frames = Array.from({ length: 30 }, (_, i) => frame(i + 1));
    const m2Frames = Array.from({ length: 30 }, (_, i) => signedReading(m2, spec(i + 1)));
    const outcomes = await Promise.all([
      ...frames.map((f) => h.ingest.ingest(f, MQTT_M1)),
      ...m2Frames.map((f) => h.ingest.ingest(f, { kind: 'mqtt', meterId: 'm2' })),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(Array(60).fill('accepted'));
    expect((await h.store.readings('m1')).map((r) => r.pagination)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await h.store.gaps()).toEqual([]);
  });

  it('keeps its state across a restart over the same store', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    await h.ingest.ingest(frame(3), MQTT_M1); // gap
    await h.store.close();
    h = await harness({ store: openSqliteStore(path) });
    expect(await h.ingest.ingest(frame(3), MQTT_M1)).toEqual({ status: 'duplicate', meterId: 'm1', pg: 'F3' });
    expect(await h.ingest.ingest(frame(2), MQTT_M1)).toMatchObject({ status: 'rejected', reason: 'pagination-regressed' });
    expect(await h.ingest.ingest(frame(4, { exportWh: 5_100n }), MQTT_M1)).toMatchObject({ status: 'rejected', reason: 'register-decreased' });
    expect(await h.ingest.ingest(frame(4), MQTT_M1)).toEqual({ status: 'accepted', meterId: 'm1', pg: 'F4' });
  });
});

describe('ingest: every rule has its reason', () => {
  async function rejectedWith(f: string | Uint8Array, source: IngestSource = MQTT_M1) {
    const outcome = await h.ingest.ingest(f, source);
    const [stored] = await h.store.rejections({ limit: 1 });
    return { outcome, stored };
  }

  it('oversize', async () => {
    const big = frame(1) + ' '.repeat(5000);
    const { outcome, stored } = await rejectedWith(big);
    const detail = `frame is ${big.length} bytes, over the 4096-byte limit`;
    expect(outcome).toEqual({ status: 'rejected', meterId: 'm1', pg: null, reason: 'oversize', detail });
    expect(stored).toEqual({ seq: 1, meterId: 'm1', pagination: null, reason: 'oversize', detail, frame: big.slice(0, 4096), receivedAtMs: T0 + 30 * MINUTE, source: 'mqtt' });
    expect(h.events).toEqual([{ name: 'reading.rejected', payload: { meterId: 'm1', pagination: null, reason: 'oversize', detail, seq: 1 } }]);
    expect(h.metrics.readingsRejected.get({ reason: 'oversize' })).toBe(1);
  });

  it('malformed: not OCMF, not UTF-8, unreadable payload (filed under the claimed meter on serial)', async () => {
    expect((await rejectedWith('hello')).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: null, reason: 'malformed', detail: 'an OCMF record starts with "OCMF|"',
    });
    const { outcome, stored } = await rejectedWith(Uint8Array.of(0x4f, 0x43, 0xff, 0xfe));
    expect(outcome).toEqual({ status: 'rejected', meterId: 'm1', pg: null, reason: 'malformed', detail: 'frame is not valid UTF-8' });
    expect(stored?.frame).toBe('OC\ufffd\ufffd');
    const noExport = signOcmfRaw(readingPayload(m1, spec(1)).replace('"1-0:2.8.0"', '"1-0:3.8.0"'));
    expect((await rejectedWith(noExport, { kind: 'serial' })).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F1', reason: 'malformed', detail: 'missing-register: no export register (OBIS 2.8.0) in RD',
    });
    expect((await h.store.rejections())[0]).toMatchObject({ meterId: 'm1', pagination: 1, source: 'serial' });
  });

  it('unsupported-encoding and unsupported-algorithm', async () => {
    const payload = readingPayload(m1, spec(1));
    expect((await rejectedWith(`OCMF|${payload}|{"SA":"ECDSA-secp256k1-SHA256","SE":"base32","SD":"AA"}`)).outcome).toMatchObject({
      reason: 'unsupported-encoding',
    });
    expect((await rejectedWith(`OCMF|${payload}|{"SA":"RSA-PSS","SD":"3006020101020101"}`)).outcome).toEqual({
      status: 'rejected',
      meterId: 'm1',
      pg: 'F1',
      reason: 'unsupported-algorithm',
      detail: 'SA "RSA-PSS" is not supported (ECDSA-secp256k1-SHA256, ECDSA-secp256r1-SHA256, ECDSA-secp384r1-SHA256, ECDSA-secp384r1-SHA384)',
    });
  });

  it('unknown-meter (recorded under the claimed id)', async () => {
    const stranger = testMeter('stranger');
    const { outcome, stored } = await rejectedWith(signedReading(stranger, spec(1)), { kind: 'serial' });
    expect(outcome).toEqual({ status: 'rejected', meterId: 'stranger', pg: 'F1', reason: 'unknown-meter', detail: 'meter stranger is not registered' });
    expect(stored).toMatchObject({ meterId: 'stranger', pagination: 1, reason: 'unknown-meter' });
  });

  it('meter-mismatch: MS is not the authenticated meter (a security event)', async () => {
    const { outcome } = await rejectedWith(signedReading(m2, spec(1)), MQTT_M1);
    const detail = 'MS m2 is not the authenticated meter m1';
    expect(outcome).toEqual({ status: 'rejected', meterId: 'm1', pg: 'F1', reason: 'meter-mismatch', detail });
    expect(h.events.at(-1)).toEqual({ name: 'security', payload: { meterId: 'm1', clientId: null, kind: 'meter-mismatch', detail } });
  });

  it('meter-suspended: from the suspension time on; earlier readings still count; inactive meters never', async () => {
    h.directory.suspend('m1', T0 + 2 * MINUTE);
    expect((await h.ingest.ingest(frame(1), MQTT_M1)).status).toBe('accepted');
    expect((await rejectedWith(frame(2))).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F2', reason: 'meter-suspended', detail: 'meter m1 is suspended from 2026-11-22T03:02:00.000Z',
    });
    h.directory.upsert({ ...m2.entry, active: false });
    expect((await rejectedWith(signedReading(m2, spec(1)), { kind: 'serial' })).outcome).toMatchObject({
      reason: 'meter-suspended', detail: 'meter m2 is not active in the registry',
    });
  });

  it('bad-signature: a reading signed by another key', async () => {
    const other = testMeter('m1', {}, 'another key');
    expect((await rejectedWith(signedReading(m1, spec(1), other.privateKey))).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F1', reason: 'bad-signature', detail: 'the secp256k1 signature does not match the payload and key',
    });
    expect(await h.store.readings('m1')).toEqual([]);
  });

  it('replay: an accepted PG with different signed bytes is quarantined and flagged', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    await h.ingest.ingest(frame(2), MQTT_M1);
    const forged = frame(1, { exportWh: 9_999n });
    const { outcome, stored } = await rejectedWith(forged);
    const detail = `PG F1 was already accepted with a different payload (accepted ${payloadDigest(readingPayload(m1, spec(1)))}, received ${payloadDigest(readingPayload(m1, spec(1, { exportWh: 9_999n })))})`;
    expect(outcome).toEqual({ status: 'rejected', meterId: 'm1', pg: 'F1', reason: 'replay', detail });
    expect(stored).toEqual({ seq: 3, meterId: 'm1', pagination: 1, reason: 'replay', detail, frame: forged, receivedAtMs: T0 + 30 * MINUTE, source: 'mqtt' });
    expect(h.events.slice(-2)).toEqual([
      { name: 'reading.rejected', payload: { meterId: 'm1', pagination: 1, reason: 'replay', detail, seq: 3 } },
      { name: 'security', payload: { meterId: 'm1', clientId: null, kind: 'replay', detail } },
    ]);
    expect(h.metrics.securityEvents.get({ kind: 'replay' })).toBe(1);
    expect((await h.store.byPagination('m1', 1))?.exportWh).toBe(5_050n);
  });

  it('pagination-regressed: a PG below the last that was never accepted', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    await h.ingest.ingest(frame(3), MQTT_M1);
    expect((await rejectedWith(frame(2))).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F2', reason: 'pagination-regressed', detail: 'PG F2 is below the last accepted F3 and was never accepted',
    });
  });

  it('register-decreased (import and export)', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    expect((await rejectedWith(frame(2, { importWh: 1_009n }))).outcome).toMatchObject({
      reason: 'register-decreased', detail: 'import register 1009 Wh is below the previous 1010 Wh (F1)',
    });
    expect((await rejectedWith(frame(2, { exportWh: 5_049n }))).outcome).toMatchObject({
      reason: 'register-decreased', detail: 'export register 5049 Wh is below the previous 5050 Wh (F1)',
    });
  });

  it('clock-skew: TM more than the allowed skew ahead of the gateway clock', async () => {
    const now = T0 + 30 * MINUTE;
    expect((await h.ingest.ingest(frame(1, { timestampMs: now + 120_000 }), MQTT_M1)).status).toBe('accepted');
    expect((await rejectedWith(frame(2, { timestampMs: now + 121_000 }))).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F2', reason: 'clock-skew',
      detail: 'TM 2026-11-22T03:32:01.000Z is 121 s ahead of the gateway clock 2026-11-22T03:30:00.000Z (limit 120 s)',
    });
  });

  it('time-not-increasing', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    expect((await rejectedWith(frame(2, { timestampMs: T0 + MINUTE }))).outcome).toMatchObject({
      reason: 'time-not-increasing', detail: "TM 2026-11-22T03:01:00.000Z is not after the previous reading's 2026-11-22T03:01:00.000Z (F1)",
    });
  });

  it('implausible-export: more than capacity × elapsed × margin', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    // 5000 W × 60 s × 120 % = 100 Wh
    expect((await rejectedWith(frame(2, { exportWh: 5_050n + 101n }))).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F2', reason: 'implausible-export',
      detail: 'exported 101 Wh in 60 s; a 5000 W system at 120 % allows 100 Wh',
    });
    expect((await h.ingest.ingest(frame(2, { exportWh: 5_050n + 100n }), MQTT_M1)).status).toBe('accepted');
  });

  it('meter-status: ST other than G', async () => {
    expect((await rejectedWith(frame(1, { meterStatus: 'M' }))).outcome).toEqual({
      status: 'rejected', meterId: 'm1', pg: 'F1', reason: 'meter-status', detail: 'meter status ST is "M", not "G"',
    });
  });
});

describe('ingest: failures', () => {
  it('store failure → unavailable (no ack), state untouched, the resend is accepted later', async () => {
    await h.ingest.ingest(frame(1), MQTT_M1);
    let failing = true;
    const flaky: ReadingStore = {
      ...h.store,
      append: (entries) => (failing ? Promise.reject(new Error('SQLITE_IOERR: disk I/O error')) : h.store.append(entries)),
    };
    const h2 = await harness({ store: flaky });
    expect(await h2.ingest.ingest(frame(2), MQTT_M1)).toEqual({
      status: 'unavailable', meterId: 'm1', pg: null, reason: 'store-unavailable',
      detail: 'reading store unavailable: SQLITE_IOERR: disk I/O error',
    });
    expect(h2.events).toEqual([]);
    expect(h2.errors.length).toBe(1);
    failing = false;
    expect(await h2.ingest.ingest(frame(2), MQTT_M1)).toEqual({ status: 'accepted', meterId: 'm1', pg: 'F2' });
  });

  it('an unexpected error is recorded as internal-error and logged, never thrown', async () => {
    const broken: MeterDirectory = { get: () => { throw new Error('boom'); }, all: () => [] };
    const h2 = await harness({ store: h.store, directory: broken });
    expect(await h2.ingest.ingest(frame(1), MQTT_M1)).toEqual({ status: 'rejected', meterId: 'm1', pg: null, reason: 'internal-error', detail: 'Error: boom' });
    expect((await h.store.rejections())[0]).toMatchObject({ meterId: 'm1', reason: 'internal-error', detail: 'Error: boom', frame: frame(1) });
    expect(h2.errors.length).toBe(1);
  });
});

function signOcmfRaw(payload: string): string {
  return signOcmf(payload, m1.privateKey);
}
