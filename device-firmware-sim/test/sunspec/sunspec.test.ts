// SunSpec over Modbus TCP against a real TCP server (test/support/sunspec-server.ts, laid out per
// the SunSpec Information Model Reference): discovery of "SunS" and the model list, the common
// model's identity, lifetime energy with scale factors, and the signed reading through the
// device core to a real MQTT broker that verifies it.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@feedin/protocol/hex';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { generatePrivateKey } from '@feedin/protocol/public-key';
import { openModbusLink, type ModbusLink } from '../../src/modbus/modbus-link.js';
import { openOutbox } from '../../src/outbox.js';
import { loadKeyFileSigner } from '../../src/real-meter/key-file-signer.js';
import { createRealMeterDevice } from '../../src/real-meter/real-meter-device.js';
import { createRegisterPoller } from '../../src/real-meter/register-poller.js';
import { createSunSpecReader } from '../../src/sunspec/read-sunspec.js';
import { scaledWh, sunspecString } from '../../src/sunspec/sunspec-models.js';
import { startSunSpecServer, type SunSpecServer } from '../../../test/support/sunspec-server.js';
import { startTestBroker, waitFor, type TestBroker } from '../test-broker.js';

describe('SunSpec scale factors and strings', () => {
  it('value × 10^SF, rounded down for negative SF; 0x8000 is not implemented', () => {
    expect(scaledWh(123457n, 0xffff, 'TotWh_SF')).toEqual({ ok: true, value: 12345n }); // SF -1: 12,345.7 Wh → 12,345
    expect(scaledWh(5000n, 2, 'WH_SF')).toEqual({ ok: true, value: 500000n });
    expect(scaledWh(7n, 0, 'WH_SF')).toEqual({ ok: true, value: 7n });
    expect(scaledWh(7n, 0x8000, 'WH_SF')).toEqual({ ok: false, reason: 'scale-factor', detail: 'WH_SF is not implemented (0x8000)' });
    expect(scaledWh(7n, 11, 'WH_SF')).toMatchObject({ ok: false, reason: 'scale-factor' });
  });
  it('strings are two ASCII characters per register, NUL padded', () => {
    expect(sunspecString([0x4672, 0x6f6e, 0x6975, 0x7300, 0])).toBe('Fronius');
  });
});

describe('a SunSpec device over Modbus TCP', () => {
  let server: SunSpecServer;
  let link: ModbusLink;
  let broker: TestBroker;
  let dataDir: string;
  const logs: string[] = [];
  let nowMs = Date.parse('2026-03-20T10:00:00+07:00');

  beforeAll(async () => {
    server = await startSunSpecServer({ unit: 1, manufacturer: 'Fronius', model: 'Symo 8.2-3-M', serialNumber: '31234567', inverter: { wh: 4_200_000, sf: 0 }, meter: { exportWh: 123_457, importWh: 98_765, sf: -1 } });
    link = openModbusLink({ transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 500, log: (l) => logs.push(l) });
    dataDir = await mkdtemp(join(tmpdir(), 'feedin-sunspec-'));
  });
  afterAll(async () => {
    await link?.close();
    await server?.close();
    await broker?.close();
  });

  it('discovers model 1, 103 and 203 and reads the meter’s totals with TotWh_SF', async () => {
    const reader = createSunSpecReader(link, 1, (l) => logs.push(l));
    expect(await reader.read()).toEqual({ ok: true, value: { importWh: 9876n, exportWh: 12345n, vendor: { MV: 'Fronius', MM: 'Symo 8.2-3-M' } } });
    expect(reader.device()).toMatchObject({ base: 40000, manufacturer: 'Fronius', serialNumber: '31234567', models: [{ id: 1, address: 40002, length: 66 }, { id: 103, address: 40070, length: 50 }, { id: 203, address: 40122, length: 105 }], energy: { id: 203 } });
  });

  it('an inverter without a meter model: its lifetime production WH × 10^WH_SF is the export, import 0', async () => {
    const meter = server.state.meter;
    server.state.meter = undefined;
    server.state.inverter = { wh: 4_200, sf: 2 };
    const reader = createSunSpecReader(link, 1, (l) => logs.push(l));
    expect(await reader.read()).toMatchObject({ ok: true, value: { importWh: 0n, exportWh: 420_000n } });
    expect(logs.at(-1)).toMatch(/energy from model 103 at 40070 — an inverter: its AC lifetime production is signed as export, import as 0/);
    server.state.meter = meter;
  });

  it('where no base address holds "SunS" (here: a unit the device does not have) the device is not SunSpec', async () => {
    expect(await createSunSpecReader(link, 9, () => {}).read()).toEqual({ ok: false, reason: 'not-sunspec', detail: 'no "SunS" marker at holding register 40000, 0, 50000' });
  });

  it('a device that goes away is a port fault; after it restarts the map is discovered again', async () => {
    const reader = createSunSpecReader(link, 1, (l) => logs.push(l));
    expect(await reader.read()).toMatchObject({ ok: true });
    const mark = logs.length;
    const { port, state } = server;
    await server.close();
    const lost = await reader.read();
    expect(lost).toEqual({ ok: false, reason: 'port', detail: `Modbus 127.0.0.1:${port}: the connection closed; reopening with back-off` });
    const meter = state.meter;
    state.meter = { exportWh: 200_000, importWh: 100_000, sf: -1 };
    server = await startSunSpecServer(state, { port });
    let again = await reader.read();
    // the first request after a restart may still meet the closed connection; the link reopens on the next
    for (let i = 0; i < 20 && !again.ok; i++) again = await new Promise((resolve) => setTimeout(() => void reader.read().then(resolve), 100));
    expect(again).toMatchObject({ ok: true, value: { importWh: 10_000n, exportWh: 20_000n } });
    expect(logs.slice(mark)).toEqual([`Modbus 127.0.0.1:${port} open`, expect.stringMatching(/^SunSpec unit 1 on 127\.0\.0\.1:\d+: Fronius .* models 1, 103, 203; energy from model 203 at 40122$/)]);
    state.meter = meter;
  });

  it('signs the energy through the device core; the broker verifies the reading', async () => {
    const keyFile = join(dataDir, 'inv.key');
    await writeFile(keyFile, bytesToHex(generatePrivateKey()).slice(2) + '\n', { mode: 0o600 });
    const signer = await loadKeyFileSigner(keyFile, 'SUNSPEC-1');
    broker = await startTestBroker({ keys: new Map([[signer.meterId, signer.publicKey]]) });
    const device = createRealMeterDevice({
      signer,
      outbox: await openOutbox(dataDir, signer.meterId),
      nowMs: () => (nowMs += 1000),
      utcOffsetMinutes: 420,
      link: { host: '127.0.0.1', port: broker.port, wallNowMs: () => Date.now(), jwtLifetimeSec: 300, backoff: { initialMs: 20, maxMs: 200 } },
      log: (l) => logs.push(l),
      onRefused: (why) => logs.push(why),
    });
    const reader = createSunSpecReader(link, 1, (l) => logs.push(l));
    const poller = createRegisterPoller({ name: 'SunSpec unit 1', device, read: () => reader.read(), pollMs: 50, log: (l) => logs.push(l) });
    poller.start();
    await waitFor('a verified reading', () => broker.readings.some((r) => r.valid));
    await poller.stop();
    const record = parseOcmf(broker.readings[0]!.ocmf);
    const reading = record.ok ? readingFromRecord(record.value) : undefined;
    expect(reading?.ok && [reading.value.meterId, reading.value.importWh, reading.value.exportWh]).toEqual(['SUNSPEC-1', 9876n, 12345n]);
    expect(JSON.parse(broker.readings[0]!.ocmf.split('|')[1]!)).toMatchObject({ MV: 'Fronius', MM: 'Symo 8.2-3-M' });
  });
});
