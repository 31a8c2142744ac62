// The fleet over a real serial line (a socat pty pair): the meters share one port; at the other
// end a small line responder verifies each OCMF line and answers `ACK`/`NAK` like the gateway.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { sandboxConfigSchema, type SandboxConfig } from '@feedin/sandbox-config/schema';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../../../test/support/socat.js';
import { ensureFleetKeys, startFleet, type Fleet } from '../../src/fleet.js';
import { createManualClock, type ManualClock } from '../../src/manual-clock.js';
import { waitFor } from '../test-broker.js';

const METERS = ['HCM-0001', 'HCM-0002'];
const START = Date.parse('2026-03-20T10:00:30+07:00');
const MINUTE = 60_000;

const config: SandboxConfig = sandboxConfigSchema.parse({
  sandbox: { id: 'serial-test', name: 'serial test', timeZone: 'Asia/Ho_Chi_Minh', utcOffsetMinutes: 420, start: '2026-01-01', end: '2027-01-01' },
  tariffs: [{ id: 't', periods: [{ validFrom: '2026-01-01', pricePerKWh: 2000 }] }],
  participants: { regulator: { name: 'r' }, operator: { name: 'o' }, households: [{ id: 'h', name: 'h', payee: '0x' + '11'.repeat(20) }] },
  meters: METERS.map((id) => ({ id, household: 'h', capacityW: 5000, tariff: 't' })),
  chain: { keys: { deployer: { env: 'X' }, gateway: { env: 'X' }, regulator: { env: 'X' }, operator: { env: 'X' } } },
  simulation: { location: { latitude: 10.7769, longitude: 106.7009 }, faults: { cloudiness: 0.3, dropConnection: 0 } },
});

interface Responder {
  /** every line received, resends included */
  lines: Array<{ meterId: string; pagination: number; valid: boolean }>;
  /** answer for a reading; undefined = say nothing (the answer is "lost") */
  decide: (meterId: string, pagination: number, seen: number) => string | undefined;
  close(): Promise<void>;
}

/** The gateway end of the line, reduced to verify-and-answer. */
async function startResponder(path: string, keys: Map<string, Uint8Array>): Promise<Responder> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const seen = new Map<string, number>();
  const r: Responder = {
    lines: [],
    decide: (meterId, pagination) => `ACK ${meterId} F${pagination}`,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
  let partial = '';
  port.on('error', () => {});
  port.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      const record = parseOcmf(line);
      const reading = record.ok ? readingFromRecord(record.value) : undefined;
      if (!record.ok || !reading?.ok) {
        port.write('NAK - - malformed\n');
        continue;
      }
      const { meterId, pagination } = reading.value;
      const key = keys.get(meterId);
      const valid = key !== undefined && verifyOcmf(record.value, { curve: 'secp256k1', point: key }).ok;
      r.lines.push({ meterId, pagination, valid });
      const n = (seen.get(`${meterId}/${pagination}`) ?? 0) + 1;
      seen.set(`${meterId}/${pagination}`, n);
      const answer = r.decide(meterId, pagination, n);
      if (answer !== undefined) port.write(`${answer}\n`);
    }
  });
  return r;
}

describe.runIf(serialTestsEnabled())('fleet over a serial line (socat pty pair)', () => {
  let pair: PtyPair;
  let dataDir: string;
  let clock: ManualClock;
  let fleet: Fleet | undefined;
  let responder: Responder | undefined;
  let logs: string[];
  let keys: Map<string, Uint8Array>;

  beforeEach(async () => {
    pair = await startPtyPair();
    dataDir = await mkdtemp(join(tmpdir(), 'feedin-serial-fleet-'));
    clock = createManualClock(START);
    logs = [];
    keys = await ensureFleetKeys(config, dataDir);
  });
  afterEach(async () => {
    await fleet?.stop();
    await responder?.close();
    fleet = responder = undefined;
    await pair.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (answerTimeoutMs = 30_000) =>
    startFleet({ config, dataDir, clock, timer: clock, serial: { path: pair.b, answerTimeoutMs }, log: (m) => logs.push(m), backoff: { initialMs: 20, maxMs: 200 } });
  const nextReading = async (expected: number) => {
    clock.advanceTo((Math.floor(clock.nowMs() / MINUTE) + 1) * MINUTE);
    await waitFor(`${expected} readings`, () => fleet!.stats().readings === expected);
  };
  const received = (meterId: string) => responder!.lines.filter((l) => l.meterId === meterId).map((l) => l.pagination);

  it('writes signed OCMF lines of several meters on one line; an ACK clears the outbox', async () => {
    responder = await startResponder(pair.a, keys);
    fleet = await start();
    await waitFor('both meters on the line', () => fleet!.stats().connected === 2);
    for (let n = 1; n <= 3; n++) await nextReading(2 * n);
    await waitFor('all acked', () => fleet!.stats().acked === 6);
    expect(fleet.stats()).toEqual({ meters: 2, connected: 2, sent: 6, acked: 6, rejected: 0, pending: 0, readings: 6, skipped: 0 });
    for (const id of METERS) expect(received(id)).toEqual([1, 2, 3]);
    expect(responder.lines.every((l) => l.valid)).toBe(true);
  });

  it('treats a NAK as a rejection: logged, dropped from the outbox, not resent', async () => {
    responder = await startResponder(pair.a, keys);
    responder.decide = (meterId, pg) => (meterId === 'HCM-0001' && pg === 2 ? `NAK ${meterId} F${pg} bad-signature` : `ACK ${meterId} F${pg}`);
    fleet = await start();
    await waitFor('both meters on the line', () => fleet!.stats().connected === 2);
    for (let n = 1; n <= 3; n++) await nextReading(2 * n);
    await waitFor('all answered', () => fleet!.stats().acked + fleet!.stats().rejected === 6);
    expect(fleet.stats()).toMatchObject({ acked: 5, rejected: 1, pending: 0, sent: 6 });
    expect(logs).toContain('HCM-0001: reading F2 rejected by the gateway: bad-signature');
  });

  it('resends a reading whose answer was lost on the wire, after the answer timeout', async () => {
    responder = await startResponder(pair.a, keys);
    responder.decide = (meterId, pg, seen) => (pg === 1 && seen === 1 ? undefined : `ACK ${meterId} F${pg}`);
    fleet = await start(300);
    await waitFor('both meters on the line', () => fleet!.stats().connected === 2);
    await nextReading(2);
    await waitFor('all acked', () => fleet!.stats().acked === 2);
    for (const id of METERS) expect(received(id)).toEqual([1, 1]);
    expect(fleet.stats().pending).toBe(0);
  });

  it('keeps readings while the line is unplugged and resends them when it is back: nothing lost', async () => {
    responder = await startResponder(pair.a, keys);
    fleet = await start();
    await waitFor('both meters on the line', () => fleet!.stats().connected === 2);
    await nextReading(2);
    await waitFor('first readings acked', () => fleet!.stats().acked === 2);

    await responder.close();
    await pair.unplug();
    await waitFor('meters off the line', () => fleet!.stats().connected === 0);
    await nextReading(4);
    await nextReading(6);
    expect(fleet.stats()).toMatchObject({ pending: 4, acked: 2 });

    await pair.plug();
    responder = await startResponder(pair.a, keys);
    await waitFor('meters back on the line', () => fleet!.stats().connected === 2);
    await nextReading(8);
    await waitFor('everything acked', () => fleet!.stats().acked === 8);
    expect(fleet.stats()).toMatchObject({ pending: 0, rejected: 0, readings: 8 });
    // The new line saw exactly each meter's unacknowledged readings, in PG order, then the new one.
    for (const id of METERS) expect(received(id)).toEqual([2, 3, 4]);
    expect(responder.lines.every((l) => l.valid)).toBe(true);
  });
});
