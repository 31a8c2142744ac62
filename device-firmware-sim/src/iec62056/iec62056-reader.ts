// Reads a meter through its IEC 62056-21 optical port in protocol mode C, one data readout per
// call (mode-c.ts for the messages): at 300 baud 7E1 send the request, read the identification,
// acknowledge with the meter's offered baud rate, switch the port to it, read the data message
// and check its BCC, then return the port to 300 baud for the next sign-on (§6.4.5: the meter
// falls back to 300 baud after the readout). A closed or missing port is reopened on the next
// readout; the poller's back-off spaces the attempts. Nothing comes out of a message whose BCC
// does not match.
import { SerialPort } from 'serialport';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { MeterRegisters } from '../real-meter/real-meter-device.js';
import { acknowledgement, checkDataMessage, ETX, parseDataBlock, parseIdentification, requestMessage, SIGN_ON_BAUD, STX, type ModeCFailure } from './mode-c.js';

export type Iec62056Failure = ModeCFailure | 'port' | 'no-identification' | 'no-data';

export interface Iec62056ReaderParameters {
  path: string;
  /** device address for a bus of meters (§6.3.1); "" asks whichever meter is at the probe */
  deviceAddress?: string;
  /** wait for the identification after the request (the meter answers within 1.5 s, §6.4.5.2) */
  identificationTimeoutMs?: number;
  /** wait for the whole data message after the acknowledgement */
  dataTimeoutMs?: number;
  /** wait after the acknowledgement has drained before switching baud (some USB UARTs report the
   * drain before the last byte is on the wire); well inside the meter's reaction time (≥ 200 ms) */
  switchDelayMs?: number;
  maxMessageBytes?: number;
  log(message: string): void;
}

export interface Iec62056Reader {
  read(): Promise<Result<MeterRegisters & { registers: Record<string, string>; baudRate: number }, Iec62056Failure>>;
  close(): Promise<void>;
}

export function createIec62056Reader(p: Iec62056ReaderParameters): Iec62056Reader {
  const identificationTimeoutMs = p.identificationTimeoutMs ?? 2_000;
  const dataTimeoutMs = p.dataTimeoutMs ?? 20_000;
  const switchDelayMs = p.switchDelayMs ?? 50;
  const maxBytes = p.maxMessageBytes ?? 65_536;
  let port: SerialPort | undefined;
  let rx = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let closed = false;

  const open = async (): Promise<Result<SerialPort, Iec62056Failure>> => {
    if (port?.isOpen) return ok(port);
    const sp = new SerialPort({ path: p.path, baudRate: SIGN_ON_BAUD, dataBits: 7, parity: 'even', stopBits: 1, autoOpen: false });
    sp.on('data', (chunk: Buffer) => {
      rx = rx.length + chunk.length > maxBytes ? Buffer.alloc(0) : Buffer.concat([rx, chunk]);
      wake?.();
    });
    sp.on('error', () => {});
    sp.on('close', () => {
      if (port === sp) port = undefined;
    });
    const error = await new Promise<Error | null>((resolve) => sp.open(resolve));
    if (error) return fail('port', `optical probe ${p.path}: cannot open: ${error.message}`);
    port = sp;
    p.log(`IEC 62056-21 probe ${p.path} open at 300 7E1`);
    return ok(sp);
  };

  /** waits until `done(rx)` gives a value, or `ms` pass */
  const until = async <T>(ms: number, done: (bytes: Buffer) => T | undefined): Promise<T | undefined> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = done(rx);
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0 || !port?.isOpen) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  };

  const write = (sp: SerialPort, bytes: Uint8Array | string) =>
    new Promise<void>((resolve, reject) => sp.write(bytes, (error) => (error ? reject(error) : sp.drain((e) => (e ? reject(e) : resolve())))));
  const setBaud = (sp: SerialPort, baudRate: number) => new Promise<void>((resolve, reject) => sp.update({ baudRate }, (error) => (error ? reject(error) : resolve())));

  const readout = async (sp: SerialPort) => {
    rx = Buffer.alloc(0);
    await write(sp, requestMessage(p.deviceAddress));
    const line = await until(identificationTimeoutMs, (b) => {
      const start = b.indexOf(0x2f); // '/'
      const end = start < 0 ? -1 : b.indexOf('\r\n', start);
      return end < 0 ? undefined : b.subarray(start, end + 2).toString('latin1');
    });
    if (!sp.isOpen) return fail('port', `optical probe ${p.path} closed during the readout (adapter unplugged?); reopening on the next readout`);
    if (line === undefined) return fail('no-identification', `no identification within ${identificationTimeoutMs} ms after "/?!" at 300 baud (probe not on the meter's optical port, or the meter does not speak IEC 62056-21)`);
    const id = parseIdentification(line);
    if (!id.ok) return id;
    rx = Buffer.alloc(0);
    await write(sp, acknowledgement(id.value.baudChar));
    if (id.value.baudRate !== SIGN_ON_BAUD) {
      await new Promise((resolve) => setTimeout(resolve, switchDelayMs));
      await setBaud(sp, id.value.baudRate);
    }
    const message = await until(dataTimeoutMs, (b) => {
      const stx = b.indexOf(STX);
      const etx = stx < 0 ? -1 : b.indexOf(ETX, stx);
      return etx >= 0 && etx + 1 < b.length ? b.subarray(stx, etx + 2) : undefined;
    });
    if (!sp.isOpen) return fail('port', `optical probe ${p.path} closed during the readout (adapter unplugged?); reopening on the next readout`);
    if (message === undefined) return fail('no-data', `no complete data message (STX … ETX BCC) within ${dataTimeoutMs} ms at ${id.value.baudRate} baud`);
    const block = checkDataMessage(message);
    if (!block.ok) return block;
    const data = parseDataBlock(block.value);
    if (!data.ok) return data;
    return ok({ ...data.value, baudRate: id.value.baudRate, vendor: { MV: id.value.manufacturer, MM: `${id.value.identification}`.slice(0, 32) } });
  };

  return {
    async read() {
      if (closed) return fail('port', 'the reader is closed');
      const opened = await open();
      if (!opened.ok) return opened;
      const sp = opened.value;
      try {
        return await readout(sp);
      } catch (error) {
        return fail('port', `optical probe ${p.path}: ${(error as Error).message}`);
      } finally {
        // back to the sign-on speed whatever happened, so the next request is understood
        if (sp.isOpen && sp.baudRate !== SIGN_ON_BAUD) await setBaud(sp, SIGN_ON_BAUD).catch(() => undefined);
      }
    },
    async close() {
      closed = true;
      const sp = port;
      port = undefined;
      if (sp?.isOpen) await new Promise<void>((resolve) => sp.close(() => resolve()));
    },
  };
}
