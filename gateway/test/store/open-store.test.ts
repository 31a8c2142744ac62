// Adapter choice by config and environment. The InfluxDB case points at a port nobody listens on:
// opening must not need InfluxDB, and appends must still be accepted (into the spool).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openReadingStore } from '../../src/store/open-store.js';
import { sampleReading } from '../../src/store/reading-store.conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'feedin-open-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const embedded = { storage: { kind: 'embedded' as const, database: 'feedin' } };

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('openReadingStore', () => {
  it('opens the embedded SQLite store by default, in <dataDir>/gateway/readings.db', async () => {
    const dataDir = join(dir, 'embedded');
    const store = openReadingStore({ config: embedded, dataDir, env: {} });
    expect(await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }])).toEqual([1]);
    expect(await store.health()).toEqual({
      status: 'ok',
      detail: `embedded SQLite store ${join(dataDir, 'gateway', 'readings.db')}`,
      kind: 'embedded',
      influxReachable: null,
      spoolBacklogReadings: 0,
    });
    await store.close();
    expect((await store.health()).status).toBe('down');
  });

  it('chooses InfluxDB by INFLUX_URL, accepts into the spool while InfluxDB is unreachable, and says degraded', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const store = openReadingStore({ config: embedded, dataDir: join(dir, 'env'), env: { INFLUX_URL: url, INFLUX_DATABASE: 'envdb' } });
    expect(await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }])).toEqual([1]);
    expect(await store.ping()).toBe(true);
    const health = await store.health();
    expect(health).toMatchObject({ status: 'degraded', kind: 'influxdb', influxReachable: false, spoolBacklogReadings: 1 });
    expect(health.detail).toContain(`InfluxDB ${new URL(url).host} database envdb unreachable`);
    // exact reads come from the spool
    expect((await store.readings('m1')).map((r) => r.pagination)).toEqual([1]);
    expect((await store.latestPerMeter()).get('m1')?.pagination).toBe(1);
    await store.close();
  });

  it('chooses InfluxDB by storage.kind with storage.url', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const store = openReadingStore({ config: { storage: { kind: 'influxdb', url, database: 'cfgdb' } }, dataDir: join(dir, 'cfg'), env: {} });
    expect((await store.health()).kind).toBe('influxdb');
    await store.close();
  });

  it('says what to fix when the InfluxDB URL is missing or not a URL', () => {
    expect(() => openReadingStore({ config: { storage: { kind: 'influxdb', database: 'feedin' } }, dataDir: join(dir, 'x'), env: {} })).toThrow(
      'sandbox config: storage.kind is "influxdb" but neither storage.url nor INFLUX_URL gives the InfluxDB URL (e.g. http://127.0.0.1:8086)',
    );
    expect(() => openReadingStore({ config: embedded, dataDir: join(dir, 'y'), env: { INFLUX_URL: 'influx:8086' } })).toThrow(/is not an http\(s\) URL|is not a URL/);
  });
});
