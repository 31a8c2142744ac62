// Modbus RTU meters over a real pseudo-terminal pair (socat): an SDM120, an SDM630 and a DTSU666
// on one simulated RS-485 bus by unit id (test/support/modbus-rtu-slave.ts answers from the
// vendors' register maps), each read by its own feedin device that signs OCMF readings which a
// real MQTT broker (test-broker) verifies. Then the faults: a Modbus exception, a CRC error, a
// unit that does not answer and a silent bus each give their own message, are retried with
// back-off, and never produce a signed reading; when the fault clears the meter reads again.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@feedin/protocol/hex';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { generatePrivateKey } from '@feedin/protocol/public-key';
import { MODBUS_METER_MODELS, type ModbusMeterModelName } from '../../src/modbus/meter-models.js';
import { openModbusLink, type ModbusLink } from '../../src/modbus/modbus-link.js';
import { readModbusMeter } from '../../src/modbus/read-modbus-meter.js';
import { openOutbox } from '../../src/outbox.js';
import { loadKeyFileSigner } from '../../src/real-meter/key-file-signer.js';
import { createRealMeterDevice } from '../../src/real-meter/real-meter-device.js';
import { createRegisterPoller, type RegisterPoller } from '../../src/real-meter/register-poller.js';
import { startModbusRtuSlave, type ModbusRtuSlave } from '../../../test/support/modbus-rtu-slave.js';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../../../test/support/socat.js';
import { startTestBroker, waitFor, type TestBroker } from '../test-broker.js';

const METERS: Array<{ unit: number; model: ModbusMeterModelName; id: string; importKWh: number; exportKWh: number }> = [
  { unit: 1, model: 'sdm120', id: 'SDM120-U1', importKWh: 1234.5678, exportKWh: 98.765 },
  { unit: 2, model: 'sdm630', id: 'SDM630-U2', importKWh: 0.5, exportKWh: 4321.25 },
  { unit: 7, model: 'dtsu666', id: 'DTSU666-U7', importKWh: 65432.1, exportKWh: 12.0625 },
];

/** the Wh a float32 register holding `kWh` is worth, rounded down (in doubles, independently of
 * float-energy.ts; exact for these values, which are far from a Wh boundary after rounding to float32) */
const expectedWh = (kWh: number) => BigInt(Math.floor(Math.fround(kWh) * 1000));

describe.runIf(serialTestsEnabled())('Modbus RTU meters on one bus (socat pty)', () => {
  let pty: PtyPair;
  let slave: ModbusRtuSlave;
  let broker: TestBroker;
  let link: ModbusLink;
  const pollers: RegisterPoller[] = [];
  const logs: string[] = [];
  /** what each device signed, in order (the broker sees it a little later) */
  const signed = new Map<string, bigint[]>(METERS.map((m) => [m.id, []]));
  let nowMs = Date.parse('2026-03-20T10:00:00+07:00');

  beforeAll(async () => {
    pty = await startPtyPair();
    slave = await startModbusRtuSlave(pty.a);
    for (const m of METERS) slave.units.set(m.unit, { model: m.model, importKWh: m.importKWh, exportKWh: m.exportKWh });
    const dataDir = await mkdtemp(join(tmpdir(), 'feedin-modbus-'));
    const signers = await Promise.all(
      METERS.map(async (m) => {
        const keyFile = join(dataDir, `${m.id}.key`);
        await writeFile(keyFile, bytesToHex(generatePrivateKey()).slice(2) + '\n', { mode: 0o600 });
        return loadKeyFileSigner(keyFile, m.id);
      }),
    );
    broker = await startTestBroker({ keys: new Map(signers.map((s) => [s.meterId, s.publicKey])) });
    const log = (line: string) => logs.push(line);
    link = openModbusLink({ transport: { kind: 'rtu', path: pty.b, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 }, timeoutMs: 200, log });
    for (const [i, m] of METERS.entries()) {
      const model = MODBUS_METER_MODELS[m.model];
      const device = createRealMeterDevice({
        signer: signers[i]!,
        outbox: await openOutbox(dataDir, m.id),
        nowMs: () => (nowMs += 1000),
        utcOffsetMinutes: 420,
        link: { host: '127.0.0.1', port: broker.port, wallNowMs: () => Date.now(), jwtLifetimeSec: 300, backoff: { initialMs: 20, maxMs: 200 } },
        log,
        onRefused: (why) => log(`${m.id}: refused: ${why}`),
      });
      const onSigned = (r: { importWh: bigint }) => signed.get(m.id)!.push(r.importWh);
      pollers.push(createRegisterPoller({ name: `${model.vendor.MM} unit ${m.unit}`, device, read: () => readModbusMeter(link, model, m.unit), pollMs: 50, backoff: { initialMs: 50, maxMs: 400 }, log, onSigned }));
    }
  }, 30_000);

  afterAll(async () => {
    await Promise.all(pollers.map((p) => p.stop()));
    await link?.close();
    await slave?.close();
    await broker?.close();
    await pty?.close();
  });

  const readingsOf = (meterId: string) =>
    broker.readings
      .filter((r) => r.meterId === meterId)
      .map((r) => {
        const record = parseOcmf(r.ocmf);
        const reading = record.ok ? readingFromRecord(record.value) : undefined;
        if (!reading?.ok || !r.valid) throw new Error(`${meterId}: not a valid feedin reading`);
        return { pagination: reading.value.pagination, importWh: reading.value.importWh, exportWh: reading.value.exportWh, vendor: JSON.parse(r.ocmf.split('|')[1]!).MM };
      });

  it('each model on the bus signs its import/export energy as whole Wh, rounded down from the float kWh', async () => {
    for (const p of pollers) p.start();
    await waitFor('a verified reading from every meter', () => METERS.every((m) => readingsOf(m.id).length >= 1), 15_000);
    for (const m of METERS) {
      const first = readingsOf(m.id)[0]!;
      expect(first).toEqual({ pagination: 1, importWh: expectedWh(m.importKWh), exportWh: expectedWh(m.exportKWh), vendor: MODBUS_METER_MODELS[m.model].vendor.MM });
    }
    // float32 of 1234.5678 kWh is 1234.5677490234375 kWh: 1,234,567 Wh, never 1,234,568
    expect(readingsOf('SDM120-U1')[0]!.importWh).toBe(1_234_567n);
    expect(readingsOf('DTSU666-U7')[0]!.exportWh).toBe(12_062n);
  });

  async function faultOn(unit: number, fault: { exception?: number; corruptCrc?: boolean; silent?: boolean }, expectLog: RegExp) {
    const meter = METERS.find((m) => m.unit === unit)!;
    const s = slave.units.get(unit)!;
    // while faulty the meter's registers jump: a damaged frame carries the new value, which must never be signed
    const normalKWh = s.importKWh;
    Object.assign(s, fault, { importKWh: normalKWh + 1000 });
    await waitFor(`the fault logged for unit ${unit}`, () => logs.some((l) => expectLog.test(l)), 10_000);
    // once the failure is logged, this meter's earlier read is signed and stored (reads are sequential)
    const signedBefore = signed.get(meter.id)!.length;
    const before = slave.requests.get(unit) ?? 0;
    await waitFor('two more retries', () => (slave.requests.get(unit) ?? 0) >= before + 2, 10_000);
    expect(signed.get(meter.id)!.length).toBe(signedBefore);
    Object.assign(s, { exception: undefined, corruptCrc: undefined, silent: undefined, importKWh: normalKWh + 1 });
    await waitFor(`unit ${unit} reading again`, () => readingsOf(meter.id).some((r) => r.importWh === expectedWh(s.importKWh)), 10_000);
    expect(signed.get(meter.id)!.includes(expectedWh(normalKWh + 1000))).toBe(false);
    expect(logs.some((l) => l.startsWith(`${MODBUS_METER_MODELS[meter.model].vendor.MM} unit ${unit}: reading again after`))).toBe(true);
  }

  it('a Modbus exception is reported with its code and retried with back-off', async () => {
    await faultOn(2, { exception: 2 }, /^SDM630-Modbus V2 unit 2: read failed \(1×\): exception: unit 2, function 4, registers 0x0048\+4: the meter answered Modbus exception 2 \(Illegal data address \(register not supported by device\)\); retry in \d+ ms$/);
  });

  it('an answer with a bad CRC is discarded, reported, and retried', async () => {
    await faultOn(7, { corruptCrc: true }, /^DTSU666 unit 7: read failed \(1×\): crc: unit 7, function 3, registers 0x401e\+12: the answer failed its CRC16 .*; discarded; retry in \d+ ms$/);
  });

  it('a unit that does not answer times out while the others keep reading', async () => {
    const others = () => readingsOf('SDM630-U2').length + readingsOf('DTSU666-U7').length;
    const othersBefore = others();
    await faultOn(1, { silent: true }, /^SDM120-Modbus unit 1: read failed \(1×\): timeout: unit 1, function 4, registers 0x0048\+4: no answer within 200 ms/);
    expect(others()).toBeGreaterThan(othersBefore);
  });

  it('an adapter that is unplugged is reported as a port fault and reopened when it is back', async () => {
    const units = slave.units;
    const stored = METERS.map((m) => readingsOf(m.id).length);
    await slave.close();
    await pty.unplug();
    await waitFor('the port fault logged', () => logs.some((l) => /read failed \(\d+×\): port: Modbus .*(the port closed \(adapter unplugged\?\)|is not open)/.test(l)), 15_000);
    await waitFor('a reopen attempt failing while the adapter is gone', () => logs.some((l) => /^Modbus .*: cannot open: .*; retrying with back-off$/.test(l)), 15_000);
    await pty.plug();
    slave = await startModbusRtuSlave(pty.a);
    for (const [unit, s] of units) slave.units.set(unit, s);
    await waitFor('the port reopened', () => logs.some((l) => /^Modbus .* open \(after: /.test(l)), 15_000);
    await waitFor('all meters reading again', () => METERS.every((m, i) => readingsOf(m.id).length > stored[i]!), 15_000);
  });

  it('a silent bus (no unit answers) is named as such, not as a meter fault', async () => {
    slave.silent = true;
    await waitFor('the silent bus reported', () => logs.some((l) => /read failed \(\d+×\): silent-bus: no meter on .* has answered the last \d+ requests \(check the cable, A\/B polarity/.test(l)), 15_000);
    // every meter has failed by now, so whatever it read before is signed; nothing more while silent
    const before = METERS.map((m) => signed.get(m.id)!.length);
    const requests = [...slave.requests.values()].reduce((a, b) => a + b, 0);
    await waitFor('more unanswered requests', () => [...slave.requests.values()].reduce((a, b) => a + b, 0) >= requests + 3, 10_000);
    expect(METERS.map((m) => signed.get(m.id)!.length)).toEqual(before);
    slave.silent = false;
    const stored = METERS.map((m) => readingsOf(m.id).length);
    await waitFor('all meters reading again', () => METERS.every((m, i) => readingsOf(m.id).length > stored[i]!), 15_000);
  });
});
