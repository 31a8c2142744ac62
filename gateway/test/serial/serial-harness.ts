// Shared by the serial tests: the real ingest pipeline (SQLite store on disk, meter directory,
// manual sandbox clock) behind a serial ingest on one end of a socat pty pair, and a "device"
// that opens the other end, writes raw bytes and collects the gateway's answer lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@feedin/protocol/sandbox-time';
import { SerialPort } from 'serialport';
import { GatewayEvents } from '../../src/events.js';
import { createIngest } from '../../src/ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, T0, testMeter, type TestMeter } from '../../src/ingest/ingest-fixtures.js';
import { createMetrics } from '../../src/metrics.js';
import { createDirectory, type DirectoryMeter, type MutableMeterDirectory } from '../../src/registry/meter-directory.js';
import { startSerialIngest, type SerialIngest, type StartSerialIngestParameters } from '../../src/serial/serial-ingest.js';
import type { ReadingStore } from '../../src/store/reading-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const verifiers = inlineVerifiers();

export const MAX_LINE_BYTES = 4096;
export const meters: TestMeter[] = ['m1', 'm2', 'm3'].map((id) => testMeter(id));

export interface GatewaySide {
  store: ReadingStore;
  directory: MutableMeterDirectory;
  serial: SerialIngest;
  logs: string[];
  close(): Promise<void>;
}

export async function startGatewaySide(
  path: string,
  over: Partial<StartSerialIngestParameters> = {},
  opts: { registered?: DirectoryMeter[]; clock?: Clock } = {},
): Promise<GatewaySide> {
  const dir = mkdtempSync(join(tmpdir(), 'feedin-serial-gw-'));
  const store = openSqliteStore(join(dir, 'readings.sqlite'));
  const directory = createDirectory();
  for (const m of opts.registered ?? meters.map((t) => t.entry)) directory.upsert(m);
  const clock = opts.clock ?? manualClock(T0 + 60 * MINUTE);
  const logs: string[] = [];
  const log = {
    info: (...a: unknown[]) => logs.push(`info ${a.join(' ')}`),
    warn: (...a: unknown[]) => logs.push(`warn ${a.join(' ')}`),
    error: (...a: unknown[]) => logs.push(`error ${a.join(' ')}`),
  };
  const limits = { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: MAX_LINE_BYTES };
  const ingest = await createIngest({ verifyPool: verifiers.verifyPool, store, directory, clock, limits, events: new GatewayEvents(), metrics: createMetrics(), log });
  const serial = await startSerialIngest({ path, ingest, maxLineBytes: MAX_LINE_BYTES, log, backoff: { initialMs: 50, maxMs: 500 }, ...over });
  return {
    store,
    directory,
    serial,
    logs,
    async close() {
      await serial.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The far end of the line: raw writes, answers collected line by line. */
export interface DeviceEnd {
  answers: string[];
  write(data: string | Buffer): Promise<void>;
  /** resolves with the first `count` answers once they have arrived */
  waitForAnswers(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function openDeviceEnd(path: string): Promise<DeviceEnd> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const answers: string[] = [];
  let partial = '';
  port.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    answers.push(...parts);
  });
  port.on('error', () => {});
  return {
    answers,
    async write(data) {
      port.write(data);
      await new Promise<void>((resolve, reject) => port.drain((error) => (error ? reject(error) : resolve())));
    },
    waitForAnswers: (count, timeoutMs = 15_000) => waitFor(() => `${count} answers (have ${answers.length}: ${JSON.stringify(answers)})`, () => answers.length >= count && answers.slice(0, count), timeoutMs),
    async close() {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}

/** Polls a real condition with a bound (no fixed sleeps). */
export async function waitFor<T>(what: string | (() => string), probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
