// Measures (prints, does not assert) how fast readings go through the adapter into a real influxd:
// 1) appends into the durable spool, 2) the forwarder draining a full spool into InfluxDB.
// Correctness is asserted (every reading arrives once); speed is only reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openInfluxStore } from '../../src/store/influx-store.js';
import { sampleReading } from '../../src/store/reading-store.conformance.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { describeWithInfluxd, startInfluxd, type Influxd } from '../support/influxd.js';

const READINGS = Number(process.env.FEEDIN_INFLUX_BENCH_READINGS ?? 20_000);
const METERS = 100;

describeWithInfluxd('InfluxDB write throughput (reported, not asserted)', () => {
  let influxd: Influxd;
  const dir = mkdtempSync(join(tmpdir(), 'feedin-influx-throughput-'));
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`forwards ${READINGS} readings of ${METERS} meters into influxd, each once`, async () => {
    const spoolPath = join(dir, 'readings.db');
    const reading = (i: number) => sampleReading(`m${i % METERS}`, Math.floor(i / METERS) + 1);
    // 1) fill the spool alone: what a PUBACK waits for
    const spool = openSqliteStore(spoolPath);
    let t = performance.now();
    await Promise.all(Array.from({ length: READINGS }, (_, i) => spool.append([{ kind: 'accepted', reading: reading(i) }])));
    const appendPerSecond = READINGS / ((performance.now() - t) / 1000);
    await spool.close();

    // 2) the forwarder drains the whole spool into InfluxDB (groups of 5,000 points)
    t = performance.now();
    const store = openInfluxStore({ url: influxd.url, database: 'throughput', spoolPath });
    const deadline = Date.now() + 120_000;
    while ((await store.health()).spoolBacklogReadings > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const forwardPerSecond = READINGS / ((performance.now() - t) / 1000);
    await store.close();

    const influx = new InfluxDB({ host: '127.0.0.1', port: Number(new URL(influxd.url).port), database: 'throughput' });
    const [count] = await influx.query<{ count: number }>('SELECT COUNT("pagination") AS "count" FROM "raw"."readings"');
    expect(count?.count).toBe(READINGS);
    console.log(
      `influx throughput: ${READINGS} readings, ${METERS} meters: spool appends ${Math.round(appendPerSecond)}/s (fsync'd group commit); ` +
        `spool → influxd ${Math.round(forwardPerSecond)} readings/s (5,000 points per write, precision ms)`,
    );
  });
});
