// A few hundred meters in one process: one scheduler tick reaches every meter, every reading is
// acknowledged, and nothing per meter polls (the fleet has one reading timer).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { sandboxConfigSchema } from '@feedin/sandbox-config/schema';
import { ensureFleetKeys, startFleet } from '../src/fleet.js';
import { createManualClock } from '../src/manual-clock.js';
import { startTestBroker, waitFor } from './test-broker.js';

const N = 300;
const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

it(`runs ${N} meters against one broker`, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'feedin-scale-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = sandboxConfigSchema.parse({
    sandbox: { id: 'scale', name: 'scale', timeZone: 'Asia/Ho_Chi_Minh', utcOffsetMinutes: 420, start: '2026-01-01', end: '2027-01-01' },
    tariffs: [{ id: 't', periods: [{ validFrom: '2026-01-01', pricePerKWh: 2000 }] }],
    participants: { regulator: { name: 'r' }, operator: { name: 'o' }, households: [{ id: 'h', name: 'h', payee: '0x' + '11'.repeat(20) }] },
    meters: Array.from({ length: N }, (_, i) => ({ id: `M${String(i).padStart(4, '0')}`, household: 'h', capacityW: 3000 + 10 * i, tariff: 't' })),
    chain: { keys: { deployer: { env: 'X' }, gateway: { env: 'X' }, regulator: { env: 'X' }, operator: { env: 'X' } } },
    simulation: { location: { latitude: 10.7769, longitude: 106.7009 } },
  });
  const keys = await ensureFleetKeys(config, dataDir);
  const broker = await startTestBroker({ keys });
  cleanup.push(() => broker.close());
  const clock = createManualClock(Date.parse('2026-03-20T11:00:30+07:00'));
  const fleet = await startFleet({ config, dataDir, clock, timer: clock, broker: { host: '127.0.0.1', port: broker.port }, log: () => undefined });
  cleanup.push(() => fleet.stop());
  await waitFor('all connected', () => fleet.stats().connected === N, 30_000);
  for (let n = 1; n <= 3; n++) {
    clock.advanceBy(60_000);
    await waitFor(`tick ${n}`, () => fleet.stats().readings === n * N, 30_000);
  }
  await waitFor('all acked', () => fleet.stats().acked === 3 * N, 30_000);
  expect(fleet.stats()).toEqual({ meters: N, connected: N, sent: 3 * N, acked: 3 * N, rejected: 0, pending: 0, readings: 3 * N, skipped: 0 });
  expect(broker.readings.every((r) => r.valid)).toBe(true);
}, 60_000);
