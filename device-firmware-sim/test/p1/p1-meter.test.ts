// The P1 device against a real MQTT broker over TCP (test-broker: JWT login, OCMF verification,
// acks): telegram bytes in, signed readings out — only from telegrams that pass their CRC, from
// the same meter, with registers that never go down — stored before they are sent.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@feedin/protocol/hex';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { generatePrivateKey } from '@feedin/protocol/public-key';
import { openOutbox } from '../../src/outbox.js';
import { crc16Arc, p1Bytes } from '../../src/p1/crc16.js';
import { loadKeyFileSigner } from '../../src/real-meter/key-file-signer.js';
import { createP1Meter, type P1Meter } from '../../src/p1/p1-meter.js';
import { startTestBroker, waitFor, type TestBroker } from '../test-broker.js';

const METER = 'P1-TEST-1';
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'latin1');
const dsmr5 = fixture('dsmr50-iskra-mt382.txt');
const T0 = Date.parse('2026-03-20T10:00:00+07:00');

let dataDir: string;
let broker: TestBroker;
let meter: P1Meter | undefined;
let nowMs: number;
let logs: string[];

async function startMeter(opts: { minIntervalMs?: number } = {}): Promise<P1Meter> {
  const keyFile = join(dataDir, 'meter.key');
  await writeFile(keyFile, bytesToHex(generatePrivateKey()).slice(2) + '\n', { mode: 0o600 });
  const signer = await loadKeyFileSigner(keyFile, METER);
  broker = await startTestBroker({ keys: new Map([[METER, signer.publicKey]]) });
  meter = createP1Meter({
    signer,
    outbox: await openOutbox(dataDir, METER),
    nowMs: () => nowMs,
    utcOffsetMinutes: 420,
    link: { host: '127.0.0.1', port: broker.port, wallNowMs: () => Date.now(), jwtLifetimeSec: 300, backoff: { initialMs: 20, maxMs: 200 } },
    minIntervalMs: opts.minIntervalMs,
    log: (line) => logs.push(line),
  });
  meter.start();
  return meter;
}

const registersOf = (ocmf: string) => {
  const record = parseOcmf(ocmf);
  const reading = record.ok ? readingFromRecord(record.value) : undefined;
  if (!reading?.ok) throw new Error('not a feedin reading');
  return { pagination: reading.value.pagination, importWh: reading.value.importWh, exportWh: reading.value.exportWh, timestampMs: reading.value.timestampMs };
};

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'feedin-p1-'));
  nowMs = T0;
  logs = [];
});
afterEach(async () => {
  await meter?.stop();
  meter = undefined;
  await broker?.close();
});

describe('createP1Meter', () => {
  it('signs a valid telegram cut into small chunks; the broker verifies it and acknowledges', async () => {
    const m = await startMeter();
    for (let i = 0; i < dsmr5.length; i += 7) m.push(Buffer.from(dsmr5.slice(i, i + 7), 'latin1'));
    await m.idle();
    await waitFor('the ack', () => m.stats().acked === 1);
    expect(broker.readings.map((r) => [r.meterId, r.valid])).toEqual([[METER, true]]);
    expect(registersOf(broker.readings[0]!.ocmf)).toMatchObject({ pagination: 1, importWh: 6825n, exportWh: 2444n, timestampMs: T0 });
    expect(m.stats()).toMatchObject({ telegrams: 1, refused: 0, readings: 1, acked: 1, pending: 0 });
  });

  it('refuses a telegram with a wrong CRC, another meter’s telegram, and registers going down', async () => {
    const m = await startMeter();
    m.push(dsmr5);
    await m.idle();
    nowMs += 10_000;
    m.push(dsmr5.replace('000002.444*kWh', '000009.444*kWh')); // CRC no longer matches
    m.push(fixture('dsmr42-kaifa.txt')); // valid, but another meter (equipment id)
    await m.idle();
    await waitFor('the ack', () => m.stats().acked === 1);
    expect(m.stats()).toMatchObject({ telegrams: 3, refused: 2, readings: 1 });
    expect(logs.filter((l) => l.includes('refused'))).toEqual([
      `${METER}: P1 telegram refused: crc-mismatch: the CRC16 after ! does not match`,
      `${METER}: P1 telegram refused: equipment id "3960221976967177082151037881335713" is not the meter this device started with ("K8EG004046395507")`,
    ]);
  });

  it('refuses a consumption-only telegram: no export register means nothing to sign, not export 0', async () => {
    const m = await startMeter();
    const stripped = dsmr5.replace(/1-0:2\.8\.[12]\([^)]*\)\r\n/g, '');
    const body = stripped.slice(0, stripped.indexOf('!') + 1);
    m.push(body + crc16Arc(p1Bytes(body)).toString(16).toUpperCase().padStart(4, '0') + '\r\n');
    await m.idle();
    expect(m.stats()).toMatchObject({ telegrams: 1, refused: 1, readings: 0 });
    expect(logs.filter((l) => l.includes('refused'))).toEqual([`${METER}: P1 telegram refused: missing-register: the telegram has no export (1-0:2.8.x) register`]);
  });

  it('refuses registers that went down (a reset or swapped meter on the port)', async () => {
    const m = await startMeter();
    m.push(dsmr5);
    await m.idle();
    nowMs += 10_000;
    // the same meter with a lower import register, re-checksummed so only the value is wrong
    const body = dsmr5.replace('000004.426*kWh', '000003.426*kWh').slice(0, dsmr5.indexOf('!') + 1);
    m.push(body + crc16Arc(p1Bytes(body)).toString(16).toUpperCase().padStart(4, '0') + '\r\n');
    await m.idle();
    expect(m.stats()).toMatchObject({ telegrams: 2, refused: 1, readings: 1 });
    expect(logs.some((l) => l.includes('registers went down (import 5825 Wh, export 2444 Wh; last signed 6825 / 2444 Wh)'))).toBe(true);
  });

  it('with --every, signs at most one reading per interval; PG counts by exactly 1', async () => {
    const m = await startMeter({ minIntervalMs: 60_000 });
    for (let s = 0; s <= 130; s += 10) {
      nowMs = T0 + s * 1000;
      m.push(dsmr5);
      await m.idle();
    }
    await waitFor('three acks', () => m.stats().acked === 3);
    expect(broker.readings.map((r) => registersOf(r.ocmf)).map((r) => [r.pagination, r.timestampMs - T0])).toEqual([
      [1, 0],
      [2, 60_000],
      [3, 120_000],
    ]);
    expect(m.stats()).toMatchObject({ telegrams: 14, readings: 3, skipped: 11 });
  });

  it('keeps readings on disk while the broker is away and sends them when it is back', async () => {
    const m = await startMeter();
    const port = broker.port;
    await waitFor('connected', () => m.stats().connected);
    const keys = new Map([[METER, (await loadKeyFileSigner(join(dataDir, 'meter.key'), METER)).publicKey]]);
    await broker.close();
    await waitFor('disconnected', () => !m.stats().connected);
    for (let i = 0; i < 3; i++) {
      nowMs += 10_000;
      m.push(dsmr5);
      await m.idle();
    }
    expect(m.stats()).toMatchObject({ readings: 3, pending: 3 });
    broker = await startTestBroker({ port, keys });
    await waitFor('all three acknowledged', () => m.stats().acked === 3, 15_000);
    expect(broker.readings.map((r) => registersOf(r.ocmf).pagination)).toEqual([1, 2, 3]);
  });
});
