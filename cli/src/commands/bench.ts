// `feedin bench [--quick] [--meters N] [--readings N] [--window N] [--no-acks] [--soak-minutes M] [--only a,b] [--registry-meters N] [--out file] [--chromium path] [--mosquitto path]`:
// runs the benchmarks of docs/design.md §Measures that matter, prints one table (every row with its
// target and met / not met) and writes the figures as JSON (bench-results.json by default).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { CliError } from '../cli-error.js';
import type { CommandHelp } from '../command-line.js';
import { prepareFleet, runIngestBench, type IngestBenchResult } from '../bench/ingest-bench.js';
import { findMosquitto, MOSQUITTO_INSTALL_HINT } from '../bench/mosquitto-peer.js';
import { measureSqliteInsert } from '../bench/sqlite-insert-speed.js';
import { durabilityRows } from '../bench/durability-bench.js';
import { formatTable, hardware, hardwareLine, writeResults, type BenchRow } from '../bench/report.js';
import { runSettlementBench } from '../bench/settlement-bench.js';
import { runRegistryBench } from '../bench/registry-bench.js';
import { maxOpenFiles, runSoak } from '../bench/soak.js';
import { measureVerifySpeed } from '../bench/verify-speed.js';

const AREAS = ['verify', 'ingest', 'settlement', 'registry', 'dashboard'] as const;
type Area = (typeof AREAS)[number];

function parseArgs(argv: string[]) {
  const o = { quick: false, meters: 10_000, readings: 5, window: 1, acks: true, soakMinutes: 0, only: new Set<Area>(AREAS), out: 'bench-results.json', claims: [10, 1_000, 100_000], registryMeters: 100_000, chromium: '/usr/bin/chromium', mosquitto: undefined as string | undefined };
  let metersGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`bench: ${a} needs a value`);
      return v;
    };
    const int = (min: number) => {
      const v = Number(value());
      if (!Number.isSafeInteger(v) || v < min) throw new CliError(`bench: ${a} must be an integer ≥ ${min}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--meters') {
      o.meters = int(1);
      metersGiven = true;
    }
    else if (a === '--readings') o.readings = int(1);
    else if (a === '--window') o.window = int(1);
    else if (a === '--no-acks') o.acks = false;
    else if (a === '--soak-minutes') o.soakMinutes = int(0);
    else if (a === '--registry-meters') o.registryMeters = int(1);
    else if (a === '--out') o.out = value();
    else if (a === '--chromium') o.chromium = value();
    else if (a === '--mosquitto') o.mosquitto = value();
    else if (a === '--only') {
      const names = value().split(',');
      const unknown = names.filter((n) => !(AREAS as readonly string[]).includes(n));
      if (unknown.length) throw new CliError(`bench: unknown area(s) ${unknown.join(', ')} (one of ${AREAS.join(', ')})`);
      o.only = new Set(names as Area[]);
    } else throw new CliError(`unknown option '${a}' (see 'feedin bench --help')`);
  }
  // --quick: a smoke test for CI, same code paths, small numbers.
  if (o.quick) {
    if (!metersGiven) o.meters = 500;
    o.readings = Math.min(o.readings, 3);
    o.claims = [10, 1_000, 10_000];
    o.registryMeters = Math.min(o.registryMeters, 200);
  }
  return o;
}

export const help: CommandHelp = {
  usage: `usage: feedin bench [--quick] [--meters N] [--readings N] [--window N] [--no-acks] [--soak-minutes M]
                    [--only verify,ingest,settlement,registry,dashboard]
                    [--registry-meters 100000] [--out bench-results.json] [--chromium /usr/bin/chromium]
                    [--mosquitto /usr/sbin/mosquitto]

Runs the benchmarks (docs/bench.md) and prints one table, every row with its target and whether it
is met; writes the figures as JSON to --out. --quick is a smoke run with small numbers. The
dashboard row needs Chromium at --chromium (default /usr/bin/chromium); the ingest area's peer rows
need Debian's mosquitto at --mosquitto (default /usr/sbin/mosquitto). Without one, its rows are
"skipped" with how to install it, and the other rows are measured as usual.`,
};

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function bench(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  const log = (line: string) => console.error(`bench: ${line}`);
  const hw = hardware();
  const rows: BenchRow[] = [];
  const raw: Record<string, unknown> = {};
  log(hardwareLine(hw));

  let nativeSpeed = NaN;
  let nativeCpuUs = NaN;
  if (o.only.has('verify') || o.only.has('ingest')) {
    const speed = measureVerifySpeed(o.quick ? 500 : 2000);
    raw['verify'] = speed;
    nativeSpeed = speed.nativePerSecond;
    nativeCpuUs = speed.nativeCpuUs;
    rows.push({ area: 'verify', measure: 'raw verify, native libsecp256k1 (1 core)', value: `${fmt(speed.nativePerSecond)}/s`, target: '—', met: null });
    rows.push({ area: 'verify', measure: 'raw verify, @noble/secp256k1 (1 core)', value: `${fmt(speed.noblePerSecond)}/s`, target: '—', met: null });
    rows.push({ area: 'verify', measure: 'CPU per native verify (what the floor counts; load-independent)', value: `${speed.nativeCpuUs.toFixed(0)} µs`, target: '—', met: null });
  }

  if (o.only.has('ingest')) {
    const pacedSeconds = o.quick ? 2 : 5;
    const common = { meters: o.meters, readingsPerMeter: o.readings, window: o.window, acks: o.acks, pacedSeconds, log };
    // One fleet (keys, signed and encoded readings) for every target: the same load each time.
    const fleet = prepareFleet(common);
    // The MQTT layer alone (issue 16): Mosquitto with a plain responder, and aedes with every hook
    // but a plain responder in place of ingest; then the full gateway. Same connections, payloads
    // and ack subscriptions, in this run.
    const mosquittoBin = findMosquitto(o.mosquitto);
    let peer: IngestBenchResult | undefined;
    if (mosquittoBin) peer = await runIngestBench({ ...common, fleet, target: 'mosquitto', mosquittoBin });
    else log(`ingest: peer skipped: no mosquitto at ${o.mosquitto ?? MOSQUITTO_CANDIDATES_TEXT}: ${MOSQUITTO_INSTALL_HINT}`);
    const plain = await runIngestBench({ ...common, fleet, target: 'aedes-plain' });
    const r = await runIngestBench({ ...common, fleet, target: 'gateway' });
    const sqlite = await measureSqliteInsert({ readings: o.quick ? 2_000 : 20_000, groupSize: 256 });
    raw['ingest'] = r;
    raw['ingestPeers'] = { mosquitto: peer ?? null, aedesPlain: plain, sqliteInsert: sqlite };
    rows.push(...ingestRows(r, { readings: o.readings, window: o.window, acks: o.acks, nativeSpeed, cores: hw.cores }));
    rows.push(...peerRows({ gateway: r, plain, peer, sqliteUs: sqlite.cpuPerReadingUs, verifyUs: nativeCpuUs, readings: o.readings, acks: o.acks, mosquitto: o.mosquitto }));
    rows.push({ area: 'memory', measure: `gateway RSS per connected meter (${fmt(r.meters)})`, value: `${(r.rssPerMeterBytes / 1024).toFixed(1)} kB`, target: '≤ 8 kB', met: r.rssPerMeterBytes <= 8 * 1024 });
    rows.push({ area: 'memory', measure: `gateway RSS per connected meter, marginal (${fmt(Math.floor(r.meters / 2))} → ${fmt(r.meters)})`, value: `${(r.rssPerMeterMarginalBytes / 1024).toFixed(1)} kB`, target: '—', met: null });
    if (peer) rows.push({ area: 'memory', measure: `Mosquitto RSS per connected meter (${fmt(peer.meters)}), for comparison`, value: `${(peer.rssPerMeterBytes / 1024).toFixed(1)} kB`, target: '—', met: null });
    rows.push(...(await durabilityRows({ meters: Math.min(o.meters, o.quick ? 100 : 1_000), readingsPerMeter: o.readings, window: o.window, acks: o.acks, pacedSeconds: o.quick ? 2 : 5, sqlite: r, log }, raw)));
  }

  if (o.soakMinutes > 0) {
    const s = await runSoak({ meters: o.meters, minutes: o.soakMinutes, log });
    raw['soak'] = s;
    rows.push({ area: 'memory', measure: `soak ${o.soakMinutes} min: RSS growth, last half`, value: `${(s.growthBytesLastHalf / 2 ** 20).toFixed(1)} MiB`, target: 'no growth (< 5 %)', met: s.growthBytesLastHalf < 0.05 * s.rssMidBytes });
    rows.push({ area: 'memory', measure: `${fmt(s.meters)} connected meters, idle plus a trickle (≤ 200 readings/s), ${o.soakMinutes} min`, value: `${(s.rssConnectedBytes / 2 ** 20).toFixed(0)} MiB, ${(s.rssPerMeterBytes / 1024).toFixed(1)} kB per meter${s.accepted ? ', all readings accepted' : ', NOT all readings accepted'}`, target: s.meters >= 100_000 ? 'in memory' : '—', met: s.meters >= 100_000 ? s.accepted : null });
  }
  if (o.only.has('ingest') || o.soakMinutes > 0) {
    // 100,000 meters take 100,000 descriptors in the gateway and as many in the load generator.
    const files = maxOpenFiles();
    if (!(files > 100_000) && !(o.soakMinutes > 0 && o.meters >= 100_000))
      rows.push({ area: 'memory', measure: '100,000 connected meters on one gateway', value: `not measurable here: ${fmt(files)} open files per process (ulimit -n); run --meters 100000 --soak-minutes 2 where it allows`, target: 'in memory', met: null });
  }

  if (o.only.has('settlement')) {
    // --quick keeps the registerMeters rows (same code path) with fewer meters per transaction.
    const s = await runSettlementBench({ claimCounts: o.claims, ...(o.quick ? { registerCounts: [1, 10, 100] } : {}), log });
    raw['settlement'] = s;
    rows.push(...s.rows);
  }

  if (o.only.has('registry')) {
    const r = await runRegistryBench({ meters: o.registryMeters, windowSeconds: o.quick ? 5 : 60, log });
    raw['registry'] = { ...r, rows: undefined };
    rows.push(...r.rows);
  }

  if (o.only.has('dashboard')) rows.push(...(await dashboardRows(log, raw, { ...(o.quick ? { meterCount: 1_000, runs: 1 } : { meterCount: 10_000, runs: 5 }), executablePath: o.chromium })));

  console.log(`\n${hardwareLine(hw)}\n\n${formatTable(rows)}\n`);
  const out = resolve(o.out);
  await writeResults(out, { hardware: hw, mode: o.quick ? 'quick' : 'full', startedAt: new Date().toISOString(), rows, raw });
  log(`results written to ${out}`);
  return 0;
}

const MOSQUITTO_CANDIDATES_TEXT = '/usr/sbin/mosquitto or /usr/bin/mosquitto';

/** CPU per saturated reading, µs */
const perReadingUs = (seconds: number, r: IngestBenchResult, readings: number) => (seconds / (r.meters * readings)) * 1e6;

function ingestRows(r: IngestBenchResult, o: { readings: number; window: number; acks: boolean; nativeSpeed: number; cores: number }): BenchRow[] {
  const rows: BenchRow[] = [];
  const allAccepted = r.acceptedByGateway === r.readings && r.rejectedByGateway === 0;
  rows.push({ area: 'ingest', measure: `verified readings/s, ${fmt(r.meters)} meters, MQTT QoS 1, ${o.window} in flight per meter${o.acks ? ', acks subscribed' : ''} (saturated)`, value: `${fmt(r.readingsPerSecond)}/s`, target: '≥ 10,000/s', met: r.readingsPerSecond >= 10_000 });
  rows.push({ area: 'ingest', measure: 'every reading accepted and stored', value: `${fmt(r.acceptedByGateway)} of ${fmt(r.readings)}, ${r.rejectedByGateway} rejected`, target: 'all', met: allAccepted });
  if (o.acks) rows.push({ area: 'ingest', measure: 'every ack delivered to its meter (QoS 1)', value: `${fmt(r.acksReceived)} of ${fmt(r.readings)}`, target: 'all', met: r.acksReceived === r.readings });
  rows.push({ area: 'ingest', measure: 'end-to-end ÷ raw native verify (1 core)', value: (r.readingsPerSecond / o.nativeSpeed).toFixed(2), target: '—', met: null });
  rows.push({ area: 'ingest', measure: `publish→PUBACK p50 / p99 at ${fmt(r.pacedRatePerSecond)}/s`, value: `${r.p50Ms.toFixed(1)} / ${r.p99Ms.toFixed(1)} ms`, target: '—', met: null });
  rows.push({ area: 'ingest', measure: 'publish→PUBACK p50 / p99 saturated', value: `${r.saturatedP50Ms.toFixed(0)} / ${r.saturatedP99Ms.toFixed(0)} ms`, target: '—', met: null });
  // Where the CPU of one reading goes, and what that allows on this machine's cores: the
  // ceiling no scheduling can beat while gateway and load generator share them.
  const mainUs = perReadingUs(r.gatewayMainThreadCpuSeconds, r, o.readings);
  const otherUs = perReadingUs(r.gatewayCpuSeconds - r.gatewayMainThreadCpuSeconds, r, o.readings);
  const loadUs = perReadingUs(r.loadGeneratorCpuSeconds, r, o.readings);
  rows.push({ area: 'ingest', measure: 'CPU per reading: gateway event loop / its other threads (verify, GC) / load generator', value: `${mainUs.toFixed(0)} / ${otherUs.toFixed(0)} / ${loadUs.toFixed(0)} µs`, target: '—', met: null });
  rows.push({ area: 'ingest', measure: 'CPU stolen by the hypervisor meanwhile (shared VM)', value: Number.isNaN(r.stealShare) ? 'n/a' : `${(r.stealShare * 100).toFixed(0)} %`, target: '—', met: null });
  rows.push({ area: 'ingest', measure: `ceiling at that cost: ${o.cores} cores ÷ all three, or 1 core ÷ event loop`, value: `${fmt(Math.min((o.cores * 1e6) / (mainUs + otherUs + loadUs), 1e6 / mainUs))}/s`, target: '—', met: null });
  rows.push({ area: 'ingest', measure: `connect ${fmt(r.meters)} meters (JWT login)`, value: `${r.connectSeconds.toFixed(1)} s`, target: '—', met: null });
  return rows;
}

/** The MQTT layer beside Mosquitto's, and the floor (issue 16). */
function peerRows(p: { gateway: IngestBenchResult; plain: IngestBenchResult; peer: IngestBenchResult | undefined; sqliteUs: number; verifyUs: number; readings: number; acks: boolean; mosquitto: string | undefined }): BenchRow[] {
  const rows: BenchRow[] = [];
  const { gateway, plain, peer } = p;
  const gatewayUs = perReadingUs(gateway.gatewayCpuSeconds, gateway, p.readings);
  const aedesUs = perReadingUs(plain.gatewayCpuSeconds, plain, p.readings);
  const plainOk = plain.acceptedByGateway === plain.readings && (!p.acks || plain.acksReceived === plain.readings);
  rows.push({ area: 'mqtt', measure: `aedes + hooks, plain responder: readings/s (${plainOk ? 'all answered, all acks delivered' : `${fmt(plain.acceptedByGateway)} answered, ${fmt(plain.acksReceived)} acks of ${fmt(plain.readings)}`})`, value: `${fmt(plain.readingsPerSecond)}/s`, target: '—', met: plainOk ? null : false });
  const skipped = 'skipped (no mosquitto: apt-get install mosquitto)';
  if (!peer) {
    rows.push({ area: 'mqtt', measure: 'Mosquitto 2 + plain responder: readings/s', value: skipped, target: '—', met: null });
    rows.push({ area: 'mqtt', measure: 'MQTT layer CPU per reading: aedes + hooks / Mosquitto / ratio', value: `${aedesUs.toFixed(0)} µs / skipped`, target: '—', met: null });
    rows.push({ area: 'mqtt', measure: 'floor: raw verify + Mosquitto MQTT + SQLite insert', value: skipped, target: '—', met: null });
    rows.push({ area: 'mqtt', measure: `gateway CPU per reading (${gatewayUs.toFixed(0)} µs, all threads) ÷ floor`, value: skipped, target: '≤ 2.0', met: null });
    return rows;
  }
  const peerOk = peer.acceptedByGateway === peer.readings && (!p.acks || peer.acksReceived === peer.readings);
  const mosquittoUs = perReadingUs(peer.gatewayCpuSeconds, peer, p.readings);
  const responderUs = perReadingUs(peer.responderCpuSeconds, peer, p.readings);
  rows.push({ area: 'mqtt', measure: `Mosquitto 2 + plain responder: readings/s (${peerOk ? 'all answered, all acks delivered' : `${fmt(peer.acceptedByGateway)} answered, ${fmt(peer.acksReceived)} acks of ${fmt(peer.readings)}`})`, value: `${fmt(peer.readingsPerSecond)}/s`, target: '—', met: peerOk ? null : false });
  rows.push({ area: 'mqtt', measure: 'MQTT layer CPU per reading: aedes + hooks / Mosquitto (its responder apart)', value: `${aedesUs.toFixed(0)} / ${mosquittoUs.toFixed(0)} µs (responder ${responderUs.toFixed(0)} µs)`, target: '—', met: null });
  rows.push({ area: 'mqtt', measure: 'MQTT layer: aedes + hooks ÷ Mosquitto', value: (aedesUs / mosquittoUs).toFixed(1), target: '—', met: null });
  const floorUs = p.verifyUs + mosquittoUs + p.sqliteUs;
  rows.push({ area: 'mqtt', measure: 'floor: raw verify + Mosquitto MQTT + SQLite insert (CPU, this run)', value: `${p.verifyUs.toFixed(0)} + ${mosquittoUs.toFixed(0)} + ${p.sqliteUs.toFixed(0)} = ${floorUs.toFixed(0)} µs`, target: '—', met: null });
  rows.push({ area: 'mqtt', measure: `gateway CPU per reading (${gatewayUs.toFixed(0)} µs, all threads) ÷ floor`, value: (gatewayUs / floorUs).toFixed(2), target: '≤ 2.0', met: gatewayUs / floorUs <= 2 });
  return rows;
}

// The dashboard's first-render benchmark lives with the dashboard (dashboard/bench, real Chromium
// over the built page); it is run when present, and skipped with a note otherwise.
async function dashboardRows(log: (l: string) => void, raw: Record<string, unknown>, options: { meterCount: number; runs: number; executablePath: string }): Promise<BenchRow[]> {
  const candidates = ['../../../dashboard/bench/first-render.mjs', '../../../dashboard/dist/bench/first-render.js'].map((p) => new URL(p, import.meta.url));
  const found = candidates.find((u) => existsSync(u));
  if (!found) {
    log('dashboard: no dashboard/bench module built; skipped');
    return [{ area: 'dashboard', measure: 'first render, 10,000 meters', value: 'not run (dashboard/bench absent)', target: '—', met: null }];
  }
  const mod = (await import(pathToFileURL(found.pathname).href)) as { benchFirstRender?: (o: { meterCount: number; runs: number; executablePath: string }) => Promise<unknown> };
  if (typeof mod.benchFirstRender !== 'function') return [{ area: 'dashboard', measure: 'first render', value: 'benchFirstRender() not exported', target: '—', met: null }];
  try {
    const result = await mod.benchFirstRender(options);
    raw['dashboard'] = result;
    return dashboardResultRows(result);
  } catch (error) {
    // A missing browser must not throw away the other areas' figures: the row says it was skipped.
    if ((error as { code?: unknown }).code === 'BROWSER_MISSING') {
      log(`dashboard: skipped: ${(error as Error).message}`);
      return [{ area: 'dashboard', measure: `first render, ${fmt(options.meterCount)} meters`, value: 'skipped (no Chromium)', target: '< 1,000 ms', met: null }];
    }
    log(`dashboard: ${(error as Error).message}`);
    return [{ area: 'dashboard', measure: `first render, ${fmt(options.meterCount)} meters`, value: `failed: ${(error as Error).message.slice(0, 60)}`, target: '< 1,000 ms', met: false }];
  }
}

function dashboardResultRows(result: unknown): BenchRow[] {
  const r = result as { firstRenderMs?: number; meterCount?: number; pageWeightKB?: number } | null;
  if (r && typeof r.firstRenderMs === 'number') {
    // dashboard/bench/first-render.mjs: the regulator page on screen within a second
    const rows: BenchRow[] = [{ area: 'dashboard', measure: `first render, regulator page${r.meterCount ? `, ${fmt(r.meterCount)} meters` : ''}`, value: `${fmt(r.firstRenderMs)} ms`, target: '< 1,000 ms', met: r.firstRenderMs < 1000 }];
    if (typeof r.pageWeightKB === 'number') rows.push({ area: 'dashboard', measure: 'page weight', value: `${fmt(r.pageWeightKB)} kB`, target: '—', met: null });
    return rows;
  }
  return [{ area: 'dashboard', measure: 'first render', value: JSON.stringify(result).slice(0, 80), target: '—', met: null }];
}
