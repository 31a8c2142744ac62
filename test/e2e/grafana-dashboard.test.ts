// The Grafana dashboard of the consortium variant (deploy/grafana) asks InfluxDB for things that
// exist: every panel's InfluxQL and the meter variable run on a real influxd holding readings in the
// schema the gateway's InfluxDB store writes (docs/storage.md), and return the expected numbers.
// Grafana itself is not started; its macros are expanded the way Grafana does.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { ensureInfluxSchema, DEFAULT_RETENTION } from '@feedin/gateway/store/influx-setup';
import { pointFromReading } from '@feedin/gateway/store/influx-schema';
import type { StoredReading } from '@feedin/gateway/store/reading-store';
import { describeWithInfluxd, startInfluxd, type Influxd } from '../../gateway/test/support/influxd.js';
import { repoRoot } from '../support/sandbox-process.js';

const DATABASE = 'feedin';
const T0 = Date.parse('2026-11-22T03:00:00Z'); // 10:00 in Ho Chi Minh City
const MINUTE = 60_000;

interface Panel {
  title: string;
  targets: Array<{ query: string }>;
}

/** Grafana's expansion of the macros the dashboard uses, over [T0, T0 + 1 h]. */
const expand = (query: string) =>
  query
    .replaceAll('$timeFilter', `time >= ${T0}ms AND time <= ${T0 + 60 * MINUTE}ms`)
    .replaceAll('$__interval', '1m')
    .replaceAll('/^$meter$/', '/^(M-1|M-2)$/');

describeWithInfluxd('the provisioned Grafana dashboard on a real InfluxDB', () => {
  let influxd: Influxd;
  let influx: InfluxDB;
  let panels: Panel[];

  beforeAll(async () => {
    influxd = await startInfluxd();
    influx = new InfluxDB({ host: new URL(influxd.url).hostname, port: Number(new URL(influxd.url).port), database: DATABASE });
    await ensureInfluxSchema(influx, DATABASE, DEFAULT_RETENTION);
    // Two meters, a reading a minute for 40 minutes; M-1 exports 10 Wh a minute, M-2 5 Wh.
    const readings: StoredReading[] = [];
    for (const [index, meterId] of ['M-1', 'M-2'].entries())
      for (let i = 0; i <= 40; i++)
        readings.push({
          seq: readings.length + 1,
          meterId,
          pagination: i + 1,
          importWh: 1000n,
          exportWh: BigInt(i * (index === 0 ? 10 : 5)),
          timestampMs: T0 + i * MINUTE,
          receivedAtMs: T0 + i * MINUTE + 100,
          payloadDigest: `0x${'ab'.repeat(32)}`,
          ocmf: 'OCMF|{}|{}',
          source: 'mqtt',
        } as StoredReading);
    await influx.writePoints(readings.map(pointFromReading), { precision: 'ms', retentionPolicy: 'raw' });
    // What the continuous query writes every 15 minutes, written here directly (it runs on wall time).
    await influx.query(`SELECT last("import_wh") AS "import_wh", last("export_wh") AS "export_wh", last("pagination") AS "pagination" INTO "${DATABASE}"."downsampled"."registers_15m" FROM "${DATABASE}"."raw"."readings" WHERE time >= ${T0}ms AND time <= ${T0 + 60 * MINUTE}ms GROUP BY time(15m), "meter"`);
    const dashboard = JSON.parse(await readFile(join(repoRoot, 'deploy', 'grafana', 'dashboards', 'feedin-readings.json'), 'utf8'));
    panels = dashboard.panels;
    const meterVariable = dashboard.templating.list.find((v: { name: string }) => v.name === 'meter');
    expect((await influx.query(meterVariable.query)).map((row: any) => row.value).sort()).toEqual(['M-1', 'M-2']);
  }, 60_000);

  afterAll(async () => {
    await influxd?.dispose();
  });

  const rows = async (title: string) => {
    const panel = panels.find((p) => p.title.startsWith(title));
    if (!panel) throw new Error(`no panel "${title}"`);
    return (await influx.query(expand(panel.targets[0]!.query))) as unknown as Array<Record<string, any>>;
  };

  it('shows the export per 15-minute interval of each meter', async () => {
    const exportPerInterval = await rows('Export per 15-minute interval');
    const m1 = exportPerInterval.filter((r) => r.meter === 'M-1').map((r) => r.non_negative_difference);
    const m2 = exportPerInterval.filter((r) => r.meter === 'M-2').map((r) => r.non_negative_difference);
    // Last register of 10:00–10:15 is at 10:14 (140 Wh), then 10:29 (290), then 10:40 (400).
    expect(m1).toEqual([150, 110]);
    expect(m2).toEqual([75, 55]);
  });

  it('counts the readings per minute and draws both registers', async () => {
    const perMinute = await rows('Readings accepted per minute');
    expect(perMinute.reduce((n, r) => n + r.count, 0)).toBe(82);
    const exported = await rows('Cumulative export register');
    expect(exported.filter((r) => r.meter === 'M-1').at(-1)!.last).toBe(400);
    const imported = await rows('Cumulative import register');
    expect(imported.filter((r) => r.meter === 'M-2').at(-1)!.last).toBe(1000);
  });

  it('reads the downsampled registers of the continuous query', async () => {
    const downsampled = await rows('Export per interval from the downsampled');
    expect(downsampled.filter((r) => r.meter === 'M-1').map((r) => r.non_negative_difference)).toEqual([150, 110]);
  });
});
