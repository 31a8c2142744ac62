// IEC 62056-21 mode C: the messages (pure), then a readout over a real pseudo-terminal pair
// against a meter simulator with the baud switch (test/support/iec62056-meter.ts), the BCC and
// silence faults, and the signed reading through the device core to a real MQTT broker.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '@feedin/protocol/hex';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { generatePrivateKey } from '@feedin/protocol/public-key';
import { createIec62056Reader, type Iec62056Reader } from '../../src/iec62056/iec62056-reader.js';
import { acknowledgement, blockCheck, checkDataMessage, parseDataBlock, parseIdentification, requestMessage } from '../../src/iec62056/mode-c.js';
import { openOutbox } from '../../src/outbox.js';
import { loadKeyFileSigner } from '../../src/real-meter/key-file-signer.js';
import { createRealMeterDevice } from '../../src/real-meter/real-meter-device.js';
import { createRegisterPoller } from '../../src/real-meter/register-poller.js';
import { startIec62056Meter, type Iec62056Meter } from '../../../test/support/iec62056-meter.js';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../../../test/support/socat.js';
import { startTestBroker, waitFor, type TestBroker } from '../test-broker.js';

const LINES = ['0.0.0(12345678)', 'C.1.0(87654321)', '1.8.0(012345.678*kWh)', '1.8.1(008000.000*kWh)', '1.8.2(004345.678*kWh)', '2.8.0(000987.6549*kWh)', '1.8.0*12(011111.111*kWh)', '0.9.1(103015)'];

describe('IEC 62056-21 mode C messages', () => {
  it('request, identification with enhanced character, acknowledgement', () => {
    expect(requestMessage()).toBe('/?!\r\n');
    expect(requestMessage('12345678')).toBe('/?12345678!\r\n');
    expect(parseIdentification('/ISK5\\2ME382-1003\r\n')).toEqual({ ok: true, value: { manufacturer: 'ISK', baudChar: '5', baudRate: 9600, enhanced: '\\2', identification: 'ME382-1003' } });
    expect(parseIdentification('/LGZ4ZMD3104407.B32\r\n')).toMatchObject({ ok: true, value: { manufacturer: 'LGZ', baudRate: 4800, identification: 'ZMD3104407.B32' } });
    expect(parseIdentification('/ABCEmodeB')).toMatchObject({ ok: false, reason: 'not-mode-c' });
    expect(parseIdentification('garbage')).toMatchObject({ ok: false, reason: 'malformed-identification' });
    expect([...acknowledgement('5')]).toEqual([0x06, 0x30, 0x35, 0x30, 0x0d, 0x0a]);
  });

  it('BCC is the XOR after STX through ETX; a wrong one is refused', () => {
    const body = Buffer.from('1.8.0(1.000*kWh)\r\n!\r\n\x03', 'latin1');
    const message = Buffer.concat([Buffer.from([0x02]), body, Buffer.from([blockCheck(body)])]);
    expect(checkDataMessage(message)).toEqual({ ok: true, value: '1.8.0(1.000*kWh)\r\n' });
    message[message.length - 1]! ^= 1;
    expect(checkDataMessage(message)).toMatchObject({ ok: false, reason: 'bcc-mismatch' });
  });

  it('1.8.0/2.8.0 in whole Wh (rounded down); tariffs summed when there is no total; billing-period values ignored', () => {
    expect(parseDataBlock(LINES.join('\r\n'))).toMatchObject({ ok: true, value: { importWh: 12_345_678n, exportWh: 987_654n } });
    expect(parseDataBlock('1-0:1.8.1*255(000010.5*kWh)\r\n1-0:1.8.2(000001.25*kWh)\r\n2.8.1(3*kWh)')).toMatchObject({ ok: true, value: { importWh: 11_750n, exportWh: 3_000n } });
    expect(parseDataBlock('1.8.0*01(000010.5*kWh)\r\n2.8.0(1*kWh)')).toMatchObject({ ok: false, reason: 'missing-register' });
  });
});

describe.runIf(serialTestsEnabled())('an IEC 62056-21 readout over a socat pty', () => {
  let pty: PtyPair;
  let meter: Iec62056Meter;
  let reader: Iec62056Reader;
  let broker: TestBroker | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    pty = await startPtyPair();
    meter = await startIec62056Meter(pty.a, { identification: 'ISK5\\2ME382-1003', lines: LINES }, { peerPath: pty.b, reactionMs: 100 });
    reader = createIec62056Reader({ path: pty.b, switchDelayMs: 20, identificationTimeoutMs: 500, dataTimeoutMs: 2_000, log: (l) => logs.push(l) });
  });
  afterAll(async () => {
    await reader?.close();
    await meter?.close();
    await broker?.close();
    await pty?.close();
  });

  it('signs on at 300 baud, switches to the offered 9600 baud by the acknowledgement, checks the BCC', async () => {
    const r = await reader.read();
    expect(r).toMatchObject({ ok: true, value: { importWh: 12_345_678n, exportWh: 987_654n, baudRate: 9600, vendor: { MV: 'ISK', MM: 'ME382-1003' } } });
    expect(meter.steps).toEqual(['request', 'ack 5', 'data at 9600']);
    expect(meter.peerSpeeds).toEqual([9600]); // the reader's port really was at 9600 for the data
    expect(logs).toEqual([`IEC 62056-21 probe ${pty.b} open at 300 7E1`]);
  });

  it('a data message with a wrong BCC is discarded; a silent meter is reported as no identification', async () => {
    meter.state.corruptBcc = true;
    expect(await reader.read()).toMatchObject({ ok: false, reason: 'bcc-mismatch' });
    meter.state.corruptBcc = false;
    meter.state.silent = true;
    expect(await reader.read()).toMatchObject({ ok: false, reason: 'no-identification', detail: expect.stringContaining('no identification within 500 ms') });
    meter.state.silent = false;
  });

  it('each readout becomes a signed reading the broker verifies', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'feedin-iec-'));
    const keyFile = join(dataDir, 'iec.key');
    await writeFile(keyFile, bytesToHex(generatePrivateKey()).slice(2) + '\n', { mode: 0o600 });
    const signer = await loadKeyFileSigner(keyFile, 'IEC-1');
    broker = await startTestBroker({ keys: new Map([[signer.meterId, signer.publicKey]]) });
    let nowMs = Date.parse('2026-03-20T10:00:00+07:00');
    const device = createRealMeterDevice({
      signer,
      outbox: await openOutbox(dataDir, signer.meterId),
      nowMs: () => (nowMs += 1000),
      utcOffsetMinutes: 420,
      link: { host: '127.0.0.1', port: broker.port, wallNowMs: () => Date.now(), jwtLifetimeSec: 300, backoff: { initialMs: 20, maxMs: 200 } },
      log: (l) => logs.push(l),
      onRefused: (why) => logs.push(why),
    });
    const poller = createRegisterPoller({ name: 'IEC 62056-21', device, read: () => reader.read(), pollMs: 20, log: (l) => logs.push(l) });
    poller.start();
    await waitFor('two verified readings', () => broker!.readings.filter((r) => r.valid).length >= 2);
    await poller.stop();
    const record = parseOcmf(broker.readings[0]!.ocmf);
    const reading = record.ok ? readingFromRecord(record.value) : undefined;
    expect(reading?.ok && [reading.value.meterId, reading.value.importWh, reading.value.exportWh]).toEqual(['IEC-1', 12_345_678n, 987_654n]);
  });
});
