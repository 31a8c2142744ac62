// The fleet against a real MQTT broker over TCP (aedes with JWT login and acks, see test-broker).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { sandboxConfigSchema, type SandboxConfig } from '@feedin/sandbox-config/schema';
import { ensureFleetKeys, startFleet, type Fleet } from '../src/fleet.js';
import { createManualClock, type ManualClock } from '../src/manual-clock.js';
import { startTestBroker, waitFor, type TestBroker } from './test-broker.js';

const METERS = ['HCM-0001', 'HCM-0002'];
const START = Date.parse('2026-03-20T10:00:30+07:00');
const MINUTE = 60_000;

function testConfig(over: { dropConnection?: number } = {}): SandboxConfig {
  return sandboxConfigSchema.parse({
    sandbox: { id: 'device-test', name: 'device test', timeZone: 'Asia/Ho_Chi_Minh', utcOffsetMinutes: 420, start: '2026-01-01', end: '2027-01-01' },
    tariffs: [{ id: 't', periods: [{ validFrom: '2026-01-01', pricePerKWh: 2000 }] }],
    participants: { regulator: { name: 'r' }, operator: { name: 'o' }, households: [{ id: 'h', name: 'h', payee: '0x' + '11'.repeat(20) }] },
    meters: METERS.map((id) => ({ id, household: 'h', capacityW: 5000, tariff: 't' })),
    chain: { keys: { deployer: { env: 'X' }, gateway: { env: 'X' }, regulator: { env: 'X' }, operator: { env: 'X' } } },
    simulation: { location: { latitude: 10.7769, longitude: 106.7009 }, faults: { cloudiness: 0.3, dropConnection: over.dropConnection ?? 0 } },
  });
}

let dataDir: string;
let broker: TestBroker | undefined;
let fleet: Fleet | undefined;
let clock: ManualClock;
let logs: string[];
const config = testConfig();

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'feedin-fleet-'));
  clock = createManualClock(START);
  logs = [];
});
afterEach(async () => {
  await fleet?.stop();
  await broker?.close();
  fleet = broker = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

const start = (port: number, meterIds?: string[], cfg = config) =>
  startFleet({ config: cfg, dataDir, clock, timer: clock, broker: { host: '127.0.0.1', port }, meterIds, log: (m) => logs.push(m), backoff: { initialMs: 10, maxMs: 100 } });

/** moves the sandbox clock to the next reading instant and waits until every meter has taken it */
async function nextReading(f: Fleet, expectedReadings: number) {
  clock.advanceTo((Math.floor(clock.nowMs() / MINUTE) + 1) * MINUTE);
  await waitFor(`${expectedReadings} readings`, () => f.stats().readings === expectedReadings);
}

const received = (meterId: string) => broker!.readings.filter((r) => r.meterId === meterId).map((r) => r.pagination);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('fleet over MQTT', () => {
  it('logs in as meter id with a JWT, publishes valid OCMF with consecutive PGs at whole minutes, and forgets acknowledged readings', async () => {
    const keys = await ensureFleetKeys(config, dataDir);
    broker = await startTestBroker({ keys });
    fleet = await start(broker.port);
    await waitFor('both meters online', () => fleet!.stats().connected === 2 && broker!.status.size === 2);
    expect(broker.logins.map((l) => [l.clientId, l.username]).sort()).toEqual(METERS.map((m) => [m, m]));
    expect(broker.status).toEqual(new Map(METERS.map((m) => [m, 'online'])));
    expect(fleet.publicKeys()).toEqual(keys);

    for (let n = 1; n <= 5; n++) await nextReading(fleet, 2 * n);
    await waitFor('all acked', () => fleet!.stats().acked === 10);
    expect(fleet.stats()).toEqual({ meters: 2, connected: 2, sent: 10, acked: 10, rejected: 0, pending: 0, readings: 10, skipped: 0 });

    for (const id of METERS) {
      expect(received(id)).toEqual([1, 2, 3, 4, 5]);
      const readings = broker.readings.filter((r) => r.meterId === id);
      expect(readings.every((r) => r.valid)).toBe(true);
      const parsed = readings.map((r) => {
        const rec = parseOcmf(r.ocmf);
        if (!rec.ok) throw new Error(rec.detail);
        const reading = readingFromRecord(rec.value);
        if (!reading.ok) throw new Error(reading.detail);
        return reading.value;
      });
      // TM at each whole sandbox minute, in the sandbox zone, clock synchronised, meter good
      expect(parsed.map((p) => p.timestampMs)).toEqual(range(1, 5).map((i) => Date.parse('2026-03-20T10:00:00+07:00') + i * MINUTE));
      expect(readings[0]!.ocmf).toContain('"TM":"2026-03-20T10:01:00,000+0700 S"');
      expect(parsed.every((p) => p.clockStatus === 'S' && p.meterStatus === 'G')).toBe(true);
      // late morning sun over a 5 kW roof: exporting, registers never decrease
      for (let i = 1; i < parsed.length; i++) {
        expect(parsed[i]!.exportWh).toBeGreaterThanOrEqual(parsed[i - 1]!.exportWh);
        expect(parsed[i]!.importWh).toBeGreaterThanOrEqual(parsed[i - 1]!.importWh);
      }
      expect(parsed[4]!.exportWh).toBeGreaterThan(parsed[0]!.exportWh);
    }
    await fleet.stop();
    expect(broker.status).toEqual(new Map(METERS.map((m) => [m, 'offline'])));
    const state = JSON.parse(await readFile(join(dataDir, 'devices', 'HCM-0001', 'state.json'), 'utf8'));
    expect([state.nextPagination, state.pending]).toEqual([6, []]);
  });

  it('keeps readings on disk while the broker is down and resends them all exactly once, in order, after it is back', async () => {
    const keys = await ensureFleetKeys(config, dataDir);
    broker = await startTestBroker({ keys });
    const port = broker.port;
    fleet = await start(port);
    await waitFor('connected', () => fleet!.stats().connected === 2);
    for (let n = 1; n <= 3; n++) await nextReading(fleet, 2 * n);
    await waitFor('acked', () => fleet!.stats().acked === 6);

    const before = broker;
    await broker.close();
    await waitFor('disconnected', () => fleet!.stats().connected === 0);
    for (let n = 4; n <= 13; n++) await nextReading(fleet, 2 * n);
    expect(fleet.stats().pending).toBe(20);
    // the unacknowledged readings are on disk (journal), in PG order
    const journal = (await readFile(join(dataDir, 'devices', 'HCM-0002', 'journal.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(journal.filter((e) => e.r).map((e) => e.r.pg).slice(-10)).toEqual(range(4, 13));

    broker = await startTestBroker({ keys, port });
    await waitFor('caught up', () => fleet!.stats().acked === 26 && fleet!.stats().pending === 0);
    for (const id of METERS) {
      expect(before.readings.filter((r) => r.meterId === id).map((r) => r.pagination)).toEqual([1, 2, 3]);
      expect(received(id)).toEqual(range(4, 13));
    }
    expect(broker.readings.every((r) => r.valid)).toBe(true);
  });

  it('continues registers and PG after a restart of the device process', async () => {
    const keys = await ensureFleetKeys(config, dataDir);
    broker = await startTestBroker({ keys });
    fleet = await start(broker.port, ['HCM-0001']);
    await waitFor('connected', () => fleet!.stats().connected === 1);
    await nextReading(fleet, 1);
    await nextReading(fleet, 2);
    await waitFor('acked', () => fleet!.stats().acked === 2);
    await fleet.stop();
    fleet = await start(broker.port, ['HCM-0001']);
    await waitFor('connected again', () => fleet!.stats().connected === 1);
    await nextReading(fleet, 1);
    await waitFor('acked', () => fleet!.stats().acked === 1);
    expect(received('HCM-0001')).toEqual([1, 2, 3]);
    const exportWh = broker.readings.map((r) => JSON.parse(r.ocmf.split('|')[1]!).RD[1].RV as number);
    expect(exportWh[2]).toBeGreaterThan(exportWh[1]!);
  });

  it('forgets a rejected reading after logging the reason, and is refused when the broker does not know its key', async () => {
    const keys = await ensureFleetKeys(config, dataDir);
    broker = await startTestBroker({ keys: new Map([['HCM-0001', keys.get('HCM-0001')!]]), rejectReason: (_id, pg) => (pg === 2 ? 'replay' : undefined) });
    fleet = await start(broker.port);
    await waitFor('one connected, one refused', () => fleet!.stats().connected === 1 && logs.includes('HCM-0002: CONNACK refused: not authorized'));
    await nextReading(fleet, 2);
    await nextReading(fleet, 4);
    await waitFor('answered', () => fleet!.stats().acked === 1 && fleet!.stats().rejected === 1);
    expect(logs).toContain('HCM-0001: reading F2 rejected by the gateway: replay');
    expect(fleet.stats()).toMatchObject({ connected: 1, acked: 1, rejected: 1, pending: 2 });
    expect(received('HCM-0002')).toEqual([]);
    expect(broker.refused[0]).toBe('HCM-0002: unknown meter');
  });

  it('with dropConnection faults still delivers every PG, duplicates only as identical bytes, and the will says offline', async () => {
    const faulty = testConfig({ dropConnection: 0.5 });
    const keys = await ensureFleetKeys(faulty, dataDir);
    broker = await startTestBroker({ keys });
    const sawOffline: string[] = [];
    fleet = await start(broker.port, ['HCM-0001'], faulty);
    await waitFor('connected', () => fleet!.stats().connected === 1);
    for (let n = 1; n <= 20; n++) {
      await nextReading(fleet, n);
      if (broker.status.get('HCM-0001') === 'offline') sawOffline.push(`after F${n}`);
    }
    await waitFor('all answered', () => fleet!.stats().pending === 0 && fleet!.stats().connected === 1, 20_000);
    expect(fleet.stats()).toMatchObject({ acked: 20, rejected: 0, pending: 0 });
    const firstArrival = [...new Set(received('HCM-0001'))];
    expect(firstArrival).toEqual(range(1, 20));
    const bytesByPg = new Map<number, Set<string>>();
    for (const r of broker.readings) bytesByPg.set(r.pagination, (bytesByPg.get(r.pagination) ?? new Set()).add(r.ocmf));
    expect([...bytesByPg.values()].every((b) => b.size === 1)).toBe(true);
    expect(logs).toContain('HCM-0001: connected again (after: connection dropped (fault injection))');
    expect(sawOffline.length + broker.logins.length).toBeGreaterThan(2);
  });
});
