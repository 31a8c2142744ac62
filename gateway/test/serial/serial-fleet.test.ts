// End to end over a real serial line: the simulated fleet (device-firmware-sim, own keys and
// outboxes) shares one socat pty with the gateway's serial ingest (real ingest pipeline, real
// SQLite store). The line is unplugged mid-run; afterwards every reading is stored exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureFleetKeys, startFleet, type Fleet } from '@feedin/device-firmware-sim/fleet';
import { createManualClock, type ManualClock } from '@feedin/device-firmware-sim/manual-clock';
import { sandboxConfigSchema, type SandboxConfig } from '@feedin/sandbox-config/schema';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../../../test/support/socat.js';
import { startGatewaySide, waitFor, type GatewaySide } from './serial-harness.js';

const METERS = ['HCM-0001', 'HCM-0002', 'HCM-0003'];
const START = Date.parse('2026-03-20T10:00:30+07:00');
const MINUTE = 60_000;
const PAYEE = '0x' + '11'.repeat(20);

const config: SandboxConfig = sandboxConfigSchema.parse({
  sandbox: { id: 'serial-e2e', name: 'serial e2e', timeZone: 'Asia/Ho_Chi_Minh', utcOffsetMinutes: 420, start: '2026-01-01', end: '2027-01-01' },
  tariffs: [{ id: 't', periods: [{ validFrom: '2026-01-01', pricePerKWh: 2000 }] }],
  participants: { regulator: { name: 'r' }, operator: { name: 'o' }, households: [{ id: 'h', name: 'h', payee: PAYEE }] },
  meters: METERS.map((id) => ({ id, household: 'h', capacityW: 5000, tariff: 't' })),
  chain: { keys: { deployer: { env: 'X' }, gateway: { env: 'X' }, regulator: { env: 'X' }, operator: { env: 'X' } } },
  simulation: { location: { latitude: 10.7769, longitude: 106.7009 }, faults: { cloudiness: 0.3, dropConnection: 0 } },
});

describe.runIf(serialTestsEnabled())('simulated meters → serial line → gateway', () => {
  let pair: PtyPair;
  let dataDir: string;
  let clock: ManualClock;
  let gw: GatewaySide;
  let fleet: Fleet | undefined;

  beforeEach(async () => {
    pair = await startPtyPair();
    dataDir = await mkdtemp(join(tmpdir(), 'feedin-serial-e2e-'));
    clock = createManualClock(START);
    const keys = await ensureFleetKeys(config, dataDir);
    const registered = METERS.map((meterId) => ({
      meterId,
      publicKey: { curve: 'secp256k1' as const, point: keys.get(meterId)! },
      payee: PAYEE as `0x${string}`,
      capacityW: 5000,
      active: true,
      suspendedFromMs: null,
    }));
    gw = await startGatewaySide(pair.a, {}, { registered, clock });
  });
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await gw.close();
    await pair.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores every reading exactly once, across an unplugged line', async () => {
    const logs: string[] = [];
    fleet = await startFleet({ config, dataDir, clock, timer: clock, serial: { path: pair.b, answerTimeoutMs: 1_000 }, log: (m) => logs.push(m), backoff: { initialMs: 20, maxMs: 200 } });
    const nextReading = async (expected: number) => {
      clock.advanceTo((Math.floor(clock.nowMs() / MINUTE) + 1) * MINUTE);
      await waitFor(`${expected} readings`, () => fleet!.stats().readings === expected);
    };
    await waitFor('meters on the line', () => fleet!.stats().connected === 3);
    for (let n = 1; n <= 3; n++) await nextReading(3 * n);
    await waitFor('first 9 acked', () => fleet!.stats().acked === 9);

    await pair.unplug();
    await waitFor('both ends notice', () => fleet!.stats().connected === 0 && !gw.serial.status().open);
    for (let n = 4; n <= 6; n++) await nextReading(3 * n);
    await pair.plug();
    await waitFor('gateway reopened', () => gw.serial.status().open);
    await waitFor('meters back', () => fleet!.stats().connected === 3);
    for (let n = 7; n <= 8; n++) await nextReading(3 * n);
    await waitFor('all 24 acked', () => fleet!.stats().acked === 24, 30_000);

    expect(fleet.stats()).toMatchObject({ readings: 24, acked: 24, rejected: 0, pending: 0 });
    for (const id of METERS) {
      const stored = await gw.store.readings(id);
      expect(stored.map((r) => r.pagination)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(stored.every((r) => r.source === 'serial')).toBe(true);
    }
    expect(await gw.store.rejections()).toEqual([]);
    expect(logs.filter((l) => l.includes('rejected'))).toEqual([]);
    expect(gw.serial.status()).toMatchObject({ reopens: 1, naked: 0 });
  });
});
