// The gateway core as `feedin up` and the ingest bench build it (gateway-core.ts): its verify
// pool runs on real worker threads while it is up, and close() ends them — no thread is left
// behind by a stopped gateway (issue #12.8) — while a reading goes through the one ingest path.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayEvents } from '../src/events.js';
import { startGatewayCore, type GatewayCoreParameters } from '../src/gateway-core.js';
import { manualClock, MINUTE, signedReading, T0, testMeter } from '../src/ingest/ingest-fixtures.js';
import { createMetrics } from '../src/metrics.js';
import { createStaticDirectory } from '../src/registry/meter-directory.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';

const meter = testMeter('core-1');
const store = openSqliteStore(':memory:');
afterAll(() => store.close());
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** The threads of this process (Linux): a worker thread is one of them while it runs. */
const threads = () => readdirSync('/proc/self/task').length;

const core = (verifyThreads: number): Promise<Awaited<ReturnType<typeof startGatewayCore>>> => {
  const p: GatewayCoreParameters = {
    store,
    directory: createStaticDirectory([meter.entry]),
    clock: manualClock(T0 + 2 * MINUTE),
    events: new GatewayEvents(),
    metrics: createMetrics(),
    crypto: { verifyThreads },
    limits: { clockSkewSeconds: 120, plausibilityMarginPercent: 120 },
    maxPayloadBytes: 2048,
    jwtMaxLifetimeSeconds: 600,
    broker: { host: '127.0.0.1', port: 0 },
    log: quiet,
  };
  return startGatewayCore(p);
};

describe('gateway core', () => {
  it('verifies on its worker threads while up, and close() leaves no worker thread behind', async () => {
    // a first start and stop without workers creates what a process makes once (libuv's pool …)
    await (await core(0)).close();
    const before = threads();
    const running = await core(2);
    expect(running.crypto.verifyPool.threads).toBe(2);
    expect(threads()).toBeGreaterThanOrEqual(before + 2);
    const frame = signedReading(meter, { pagination: 1, importWh: 0n, exportWh: 1_000n, timestampMs: T0 + MINUTE });
    expect(await running.ingest.ingest(frame, { kind: 'mqtt', meterId: meter.meterId })).toMatchObject({ status: 'accepted', meterId: 'core-1' });
    expect(running.broker.port).toBeGreaterThan(0);

    await running.close();
    await running.close(); // a second stop is the first one's
    // terminate() resolves once the thread has exited; give the OS a moment to reap it
    for (let i = 0; i < 50 && threads() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(threads()).toBeLessThanOrEqual(before);
  }, 60_000);
});
