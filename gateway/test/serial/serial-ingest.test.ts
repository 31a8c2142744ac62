// Gateway serial ingestion over real pseudo-terminals (socat): the real ingest pipeline and a
// real SQLite store behind the port, raw bytes written from the other end.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, signedReading, T0, testMeter, type ReadingSpec, type TestMeter } from '../../src/ingest/ingest-fixtures.js';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../../../test/support/socat.js';
import { meters, openDeviceEnd, startGatewaySide, waitFor, type DeviceEnd, type GatewaySide } from './serial-harness.js';

const [m1, m2, m3] = meters as [TestMeter, TestMeter, TestMeter];

/** reading n of a meter: one minute apart, export +50 Wh, import +10 Wh per minute */
const spec = (n: number): ReadingSpec => ({ pagination: n, importWh: 1_000n + 10n * BigInt(n), exportWh: 5_000n + 50n * BigInt(n), timestampMs: T0 + n * MINUTE });
const line = (meter: TestMeter, n: number) => signedReading(meter, spec(n));

describe.runIf(serialTestsEnabled())('gateway serial ingest over a socat pty pair', () => {
  let pair: PtyPair;
  let gw: GatewaySide;
  let device: DeviceEnd;

  beforeEach(async () => {
    pair = await startPtyPair();
    gw = await startGatewaySide(pair.a);
    device = await openDeviceEnd(pair.b);
  });
  afterEach(async () => {
    await device?.close();
    await gw?.close();
    await pair?.close();
  });

  it('ACKs valid readings only after storing them byte-exact', async () => {
    await device.write(`${line(m1, 1)}\n${line(m1, 2)}\r\n`);
    expect(await device.waitForAnswers(2)).toEqual(['ACK m1 F1', 'ACK m1 F2']);
    expect(await gw.store.byPagination('m1', 1)).toMatchObject({ meterId: 'm1', pagination: 1, ocmf: line(m1, 1), source: 'serial', exportWh: 5_050n });
    expect(await gw.store.byPagination('m1', 2)).toMatchObject({ ocmf: line(m1, 2), source: 'serial' });
    expect(gw.serial.status()).toMatchObject({ open: true, lines: 2, acked: 2, naked: 0, unanswered: 0 });
  });

  it('answers a repeated line as ACK again (idempotent duplicate), so a device that lost an ACK moves on', async () => {
    await device.write(`${line(m1, 1)}\n${line(m1, 1)}\n`);
    expect(await device.waitForAnswers(2)).toEqual(['ACK m1 F1', 'ACK m1 F1']);
    expect(await gw.store.rejections()).toEqual([]);
  });

  it('serves several meters on one line, each in its own PG order', async () => {
    const sent: string[] = [];
    for (let n = 1; n <= 3; n++) for (const m of [m1, m2, m3]) sent.push(line(m, n));
    await device.write(sent.join('\n') + '\n');
    const answers = await device.waitForAnswers(9);
    expect([...answers].sort()).toEqual(['ACK m1 F1', 'ACK m1 F2', 'ACK m1 F3', 'ACK m2 F1', 'ACK m2 F2', 'ACK m2 F3', 'ACK m3 F1', 'ACK m3 F2', 'ACK m3 F3']);
    for (const id of ['m1', 'm2', 'm3']) expect(answers.filter((a) => a.includes(` ${id} `))).toEqual([`ACK ${id} F1`, `ACK ${id} F2`, `ACK ${id} F3`]);
    for (const m of [m1, m2, m3]) expect((await gw.store.byPagination(m.meterId, 3))?.ocmf).toBe(line(m, 3));
  });

  it('reassembles a line that arrives in several writes', async () => {
    const bytes = Buffer.from(`${line(m2, 1)}\r\n`);
    for (let i = 0; i < bytes.length; i += 97) await device.write(bytes.subarray(i, i + 97));
    expect(await device.waitForAnswers(1)).toEqual(['ACK m2 F1']);
    expect((await gw.store.byPagination('m2', 1))?.ocmf).toBe(line(m2, 1));
  });

  it('NAKs garbage lines as malformed, drops noise in front of a record, skips blank lines', async () => {
    await device.write(Buffer.concat([Buffer.from([0x00, 0xff, 0x13]), Buffer.from(' noise\n\n\r\n')]));
    await device.write(`${line(m1, 1)}\n`);
    await device.write(`~~#${line(m1, 2)}\n`);
    await device.write('hello there\n');
    // Frames of different meters (and unreadable ones) are ingested concurrently: compare as sets.
    const answers = await device.waitForAnswers(4);
    expect([...answers].sort()).toEqual(['ACK m1 F1', 'ACK m1 F2', 'NAK - - malformed', 'NAK - - malformed']);
    expect(gw.serial.status()).toMatchObject({ lines: 4, acked: 2, naked: 2, garbageBytes: 3 });
    const rejections = await gw.store.rejections();
    expect(rejections.map((r) => [r.reason, r.source, r.meterId, r.frame]).sort()).toEqual([
      ['malformed', 'serial', null, '\u0000\ufffd\u0013 noise'],
      ['malformed', 'serial', null, 'hello there'],
    ]);
    expect((await gw.store.byPagination('m1', 2))?.ocmf).toBe(line(m1, 2));
  });

  it('discards an oversize line up to its newline, NAKs it once, and reads the next line', async () => {
    const huge = 'OCMF|' + 'x'.repeat(10_000);
    for (let i = 0; i < huge.length; i += 3000) await device.write(huge.slice(i, i + 3000));
    await device.write(`\n${line(m3, 1)}\n`);
    expect([...(await device.waitForAnswers(2))].sort()).toEqual(['ACK m3 F1', 'NAK - - oversize']);
    const [rejection] = await gw.store.rejections();
    expect(rejection).toMatchObject({ reason: 'oversize', source: 'serial', meterId: null });
    expect(rejection!.frame.length).toBeLessThanOrEqual(4096);
    expect(gw.serial.status()).toMatchObject({ oversize: 1, acked: 1, naked: 1 });
  });

  it('NAKs a reading with a bad signature with the reason, and records it', async () => {
    const forged = signedReading(m1, spec(1), testMeter('m1', {}, 'not-the-device').privateKey);
    const unknown = signedReading(testMeter('stranger'), spec(1));
    await device.write(`${forged}\n${unknown}\n`);
    expect([...(await device.waitForAnswers(2))].sort()).toEqual(['NAK m1 F1 bad-signature', 'NAK stranger F1 unknown-meter']);
    const rejections = await gw.store.rejections();
    expect(rejections.map((r) => [r.meterId, r.pagination, r.reason, r.frame]).sort()).toEqual([
      ['m1', 1, 'bad-signature', forged],
      ['stranger', 1, 'unknown-meter', unknown],
    ]);
    expect(await gw.store.byPagination('m1', 1)).toBeUndefined();
  });

  it('reopens the port when the device disappears and comes back, and carries on', async () => {
    await device.write(`${line(m1, 1)}\n`);
    expect(await device.waitForAnswers(1)).toEqual(['ACK m1 F1']);
    await device.close();
    await pair.unplug();
    await waitFor('the gateway to notice the port is gone', () => !gw.serial.status().open);
    await pair.plug();
    await waitFor('the gateway to reopen the port', () => gw.serial.status().open);
    device = await openDeviceEnd(pair.b);
    await device.write(`${line(m1, 2)}\n`);
    expect(await device.waitForAnswers(1)).toEqual(['ACK m1 F2']);
    expect(gw.serial.status()).toMatchObject({ open: true, reopens: 1, acked: 2 });
    expect(gw.logs.some((l) => l.includes('again (after:'))).toBe(true);
  });
});
