// The InfluxDB store against a real influxd: the shared conformance suite, then what is specific
// to InfluxDB (schema, byte-exact OCMF and exact registers read back from InfluxDB itself,
// escaping of hostile input).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeReadingStoreConformance, sampleReading } from '../../src/store/reading-store.conformance.js';
import { openInfluxStore } from '../../src/store/influx-store.js';
import type { MonitoredReadingStore } from '../../src/store/open-store.js';
import { describeWithInfluxd, startInfluxd, type Influxd } from '../support/influxd.js';

describeWithInfluxd('InfluxDB store (real influxd)', () => {
  let influxd: Influxd;
  const dir = mkdtempSync(join(tmpdir(), 'feedin-influx-store-'));
  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  let counter = 0;
  let last = { spoolPath: '', database: '' };
  const open = (spoolPath: string, database: string) => openInfluxStore({ url: influxd.url, database, spoolPath, retryDelayMs: 100 });
  describeReadingStoreConformance('influxdb', {
    open: async () => {
      counter += 1;
      last = { spoolPath: join(dir, `conf-${counter}`, 'readings.db'), database: `conformance_${counter}` };
      return open(last.spoolPath, last.database);
    },
    reopen: async () => open(last.spoolPath, last.database),
  });

  const client = (database?: string) => new InfluxDB({ host: '127.0.0.1', port: Number(new URL(influxd.url).port), database });

  it('reads OCMF byte-exact and registers exactly back from InfluxDB itself', async () => {
    const store: MonitoredReadingStore = open(join(dir, 'exact', 'readings.db'), 'exact');
    // quotes, backslashes, a newline, commas, equals signs, spaces and non-BMP characters: every
    // character the line protocol escapes, inside one OCMF string
    const ocmf = 'OCMF|{"MS":"m.1","PG":"F1", "X":"a\\"b\\\\c\nd,e=f g ü€𝄞"}|{"SA":"ECDSA-secp256k1-SHA256","SD":"00"}';
    const reading = sampleReading('m.1', 1, { ocmf, importWh: 2n ** 70n, exportWh: 9_007_199_254_740_991n });
    const [seq] = await store.append([{ kind: 'accepted', reading }]);
    await store.close();
    const rows = await client().query<Record<string, unknown>>(`SELECT * FROM "exact"."raw"."readings"`, { database: 'exact', precision: 'ms' });
    expect(rows.length).toBe(1);
    const row = rows[0]!;
    expect(row.ocmf).toBe(ocmf);
    expect(row.meter).toBe('m.1');
    expect((row.time as Date).getTime()).toBe(reading.timestampMs);
    expect(row.import_wh ?? null).toBeNull();
    expect(row).toMatchObject({ seq, pagination: 1, import_wh_decimal: (2n ** 70n).toString(), export_wh: 9_007_199_254_740_991, source: 'mqtt' });
    // and through the port's range read: a store with an empty spool can only answer from InfluxDB
    const again = open(join(dir, 'exact-empty-spool', 'readings.db'), 'exact');
    expect(await again.readings('m.1')).toEqual([{ seq, ...reading }]);
    await again.close();
  });

  it('stores integer fields, one meter tag, in the raw retention policy with a downsampling continuous query', async () => {
    const store = open(join(dir, 'schema', 'readings.db'), 'schema');
    await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }]);
    await store.close();
    const influx = client('schema');
    const fieldTypes = await influx.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS ON "schema" FROM "raw"."readings"');
    expect(Object.fromEntries(fieldTypes.map((f) => [f.fieldKey, f.fieldType]))).toEqual({
      export_wh: 'integer',
      import_wh: 'integer',
      ocmf: 'string',
      pagination: 'integer',
      payload_digest: 'string',
      received_at_ms: 'integer',
      seq: 'integer',
      source: 'string',
    });
    expect((await influx.query<{ tagKey: string }>('SHOW TAG KEYS ON "schema"')).map((t) => t.tagKey)).toEqual(['meter']);
    const rps = await influx.query<{ name: string; default: boolean }>('SHOW RETENTION POLICIES ON "schema"');
    expect(rps.filter((r) => r.default).map((r) => r.name)).toEqual(['raw']);
    expect(rps.map((r) => r.name)).toContain('downsampled');
    const cqs = await influx.queryRaw('SHOW CONTINUOUS QUERIES');
    expect(JSON.stringify(cqs)).toContain('registers_15m');
  });

  it('never pastes a meter id into InfluxQL: hostile ids read nothing and cannot be stored', async () => {
    const store = open(join(dir, 'hostile', 'readings.db'), 'hostile');
    await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }]);
    for (const id of [`m1' OR meter =~ /.*/ --`, `m1"`, '', 'x'.repeat(33), 'm1\n']) expect(await store.readings(id)).toEqual([]);
    await expect(store.append([{ kind: 'accepted', reading: sampleReading(`m1',x`, 1) }])).rejects.toThrow(
      `influx store: meter id "m1',x" is not 1-32 characters of [A-Za-z0-9._-]`,
    );
    expect((await store.readings('m1')).map((r) => r.pagination)).toEqual([1]);
    await store.close();
  });

  it('reports ok with an empty spool backlog when InfluxDB has everything', async () => {
    const store = open(join(dir, 'health', 'readings.db'), 'health');
    await store.append([{ kind: 'accepted', reading: sampleReading('m1', 1) }]);
    await store.readings('m1'); // waits for the forwarder
    const health = await store.health();
    expect(health).toEqual({
      status: 'ok',
      detail: `InfluxDB ${new URL(influxd.url).host} database health, 0 readings waiting in the local spool`,
      kind: 'influxdb',
      influxReachable: true,
      spoolBacklogReadings: 0,
    });
    await store.close();
  });
});
