// Ingest at scale: N meters, each its own MQTT TCP connection (JWT login), send pre-signed
// QoS 1 readings through the full gateway path in a separate process. Phase 1 saturates (every
// meter keeps one reading in flight) for throughput; phase 2 paces at half that rate for
// publish→PUBACK latency (under saturation latency only measures the queue length).
// The same fleet, load generator and phases also drive the MQTT-layer peers of issue 16: aedes
// with a plain responder in place of ingest ('aedes-plain'), and Debian's Mosquitto with a plain
// responder process ('mosquitto'), so the MQTT layer's own cost is measured beside C's.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOcmfPayload } from '@feedin/protocol/ocmf-build';
import type { GatewayChildReply, GatewayChildStart } from './gateway-child.js';
import { encodePublish, openWire, type EncodedPublish, type WireConnection } from './mqtt-wire.js';
import { loadAddon, newKey, signJwtNative, signOcmfNative } from './native-signer.js';
import { meterTopic } from '@feedin/protocol/mqtt-topics';
import { startMosquitto } from './mosquitto-peer.js';
import type { ResponderReply } from './responder-child.js';

/** What the load is sent to: the full gateway, aedes with a plain responder, or Mosquitto with a
 * plain responder process (issue 16). */
export type IngestTarget = 'gateway' | 'aedes-plain' | 'mosquitto';

export interface IngestBenchOptions {
  /** default 'gateway' */
  target?: IngestTarget;
  /** the mosquitto binary, for target 'mosquitto' */
  mosquittoBin?: string;
  /** keys and signed readings made by prepareFleet, to drive several targets with the same load */
  fleet?: Fleet;
  meters: number;
  /** readings per meter in the saturation phase */
  readingsPerMeter: number;
  /** readings each meter keeps in flight (awaiting PUBACK) in the saturation phase: 1 is a meter
   * reporting live; more is a meter catching up a backlog, as MQTT QoS 1 allows */
  window?: number;
  /** meters subscribe to their acks topic (QoS 1) and answer each ack, as the devices do
   * (default true); false measures the PUBACK path alone */
  acks?: boolean;
  /** extra Node flags for the gateway process (tests: a small --stack-size to find deep recursion) */
  gatewayExecArgv?: string[];
  /** durability jetstream (docs/durability.md): the gateway PUBACKs after the shard's R3 stream
   * on these NATS servers acknowledged the append, instead of after its SQLite fsync */
  durability?: { servers: string[]; shard: string };
  /** seconds of the paced (latency) phase */
  pacedSeconds: number;
  log: (line: string) => void;
  /** after the measured phases, keep every meter sending (one reading per meter every ≥ 15 s,
   * at most 200/s in all, signed on the fly) and sample the gateway's RSS every 10 s */
  soak?: { minutes: number; onSample(sample: { atSec: number; rssBytes: number }): void };
}

export interface IngestBenchResult {
  target: IngestTarget;
  meters: number;
  readings: number;
  acceptedByGateway: number;
  /** acks delivered to the meters' subscriptions (0 without `acks`) */
  acksReceived: number;
  rejectedByGateway: number;
  connectSeconds: number;
  readingsPerSecond: number;
  pacedRatePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  saturatedP50Ms: number;
  saturatedP99Ms: number;
  gatewayRssBaseBytes: number;
  gatewayRssConnectedBytes: number;
  rssPerMeterBytes: number;
  /** RSS growth from half the meters connected to all of them ÷ the second half */
  rssPerMeterMarginalBytes: number;
  /** CPU of the target's process during the saturated phase: the gateway, or mosquitto */
  gatewayCpuSeconds: number;
  /** of which the gateway's main thread (the event loop) */
  gatewayMainThreadCpuSeconds: number;
  /** target 'mosquitto': the plain responder process's CPU meanwhile (0 otherwise) */
  responderCpuSeconds: number;
  /** CPU of this process (the load generator) during the saturated phase: it shares the cores */
  loadGeneratorCpuSeconds: number;
  /** CPU time taken by the hypervisor for other guests during the saturated phase (0–1) */
  stealShare: number;
}

const CAPACITY_W = 5000;
const STEP_MS = 60_000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function askChild<T extends GatewayChildReply['type']>(child: ChildProcess, type: T, send?: object): Promise<Extract<GatewayChildReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: GatewayChildReply) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<GatewayChildReply, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`bench gateway exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (send) child.send(send);
  });
}

/** utime + stime of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat (fields 14 and 15, clock
 * ticks of 1/100 s), in seconds; NaN off Linux. */
async function cpuSecondsOf(statPath: string): Promise<number> {
  const stat = (await readFile(statPath, 'utf8').catch(() => '')).split(') ')[1]?.split(' ');
  return stat ? (Number(stat[11]) + Number(stat[12])) / 100 : NaN;
}

/** Share of the machine's CPU time the hypervisor gave to other guests ("steal", /proc/stat) since
 * `before`; NaN off Linux. On a shared VM it is what makes two runs differ. */
async function stealSince(before?: number[]): Promise<{ ticks: number[]; share: number }> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const ticks = line.split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  if (!before || ticks.length < 8) return { ticks, share: NaN };
  const delta = ticks.map((t, i) => t - (before[i] ?? 0));
  const total = delta.reduce((a, b) => a + b, 0);
  return { ticks, share: total > 0 ? delta[7]! / total : NaN };
}

/** The gateway's CPU: all of it, and its main thread (the event loop: MQTT, decode, validate,
 * store) apart from the rest (the verify worker, mostly). */
async function childCpu(pid: number): Promise<{ totalSeconds: number; mainThreadSeconds: number }> {
  const [totalSeconds, mainThreadSeconds] = await Promise.all([cpuSecondsOf(`/proc/${pid}/stat`), cpuSecondsOf(`/proc/${pid}/task/${pid}/stat`)]);
  return { totalSeconds, mainThreadSeconds };
}

export interface FleetMeter {
  meterId: string;
  key: { secretKey: Uint8Array; publicKey: Uint8Array };
  topic: string;
  readings: EncodedPublish[];
}

export interface Fleet {
  meters: FleetMeter[];
  /** readings encoded per meter: the saturated phase's, then the paced phase's */
  perMeter: number;
}

const PACED_PER_METER_PER_SECOND = 2;

/** Meter keys and their pre-signed, pre-encoded readings, one minute apart, the last one now: all
 * in the past, in order, plausible. */
export function prepareFleet(o: { meters: number; readingsPerMeter: number; pacedSeconds: number; log: (l: string) => void }): Fleet {
  const addon = loadAddon();
  const perMeter = o.readingsPerMeter + PACED_PER_METER_PER_SECOND * Math.ceil(o.pacedSeconds);
  o.log(`ingest: preparing ${o.meters} meter keys and ${o.meters * perMeter} signed readings`);
  const firstTmMs = Date.now() - perMeter * STEP_MS;
  const meters = Array.from({ length: o.meters }, (_, m) => {
    const meterId = `bench-${String(m).padStart(6, '0')}`;
    const key = newKey(addon);
    const topic = meterTopic(meterId, 'readings');
    const readings: EncodedPublish[] = Array.from({ length: perMeter }, (_, i) =>
      encodePublish(
        topic,
        signOcmfNative(
          addon,
          buildOcmfPayload({ meterId, pagination: i + 1, importWh: BigInt(1000 + i * 7), exportWh: BigInt(5000 + i * 20), timestampMs: firstTmMs + i * STEP_MS, utcOffsetMinutes: 420 }),
          key.secretKey,
        ),
      ),
    );
    return { meterId, key, readings, topic };
  });
  return { meters, perMeter };
}

/** What the load generator needs of the process under load. */
interface Target {
  pid: number;
  port: number;
  /** RSS and the target's own counts */
  counts(): Promise<{ rssBytes: number; connected: number; accepted: number; rejected: number }>;
  /** CPU of the target's process: all of it and its main thread; plus a responder process's */
  cpu(): Promise<{ totalSeconds: number; mainThreadSeconds: number; responderSeconds: number }>;
  profile?(action: 'start' | 'stop', path?: string): Promise<void>;
  stop(): Promise<void>;
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : NaN;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.connected) child.send({ type: 'stop' });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 10_000);
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function startGatewayTarget(fleet: Fleet, dataDir: string, t: { plain: boolean; execArgv: string[]; durability?: { servers: string[]; shard: string } }): Promise<Target> {
  const child = fork(new URL('./gateway-child.js', import.meta.url), { execArgv: ['--expose-gc', '--max-old-space-size=4096', ...t.execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const start: GatewayChildStart = {
    type: 'start',
    dataDir,
    meters: fleet.meters.map((f) => ({ meterId: f.meterId, publicKeyHex: Buffer.from(f.key.publicKey).toString('hex'), capacityW: CAPACITY_W })),
    clockSkewSeconds: 120,
    plausibilityMarginPercent: 120,
    maxPayloadBytes: 4096,
    plain: t.plain,
    ...(t.durability ? { durability: { ...t.durability, replicas: 3, leaseSeconds: 10 } } : {}),
  };
  try {
    const ready = await askChild(child, 'ready', start);
    return {
      pid: child.pid!,
      port: ready.port,
      counts: async () => askChild(child, 'rss', { type: 'rss' }),
      cpu: async () => ({ ...(await childCpu(child.pid!)), responderSeconds: 0 }),
      async profile(action, path) {
        await askChild(child, 'profiled', action === 'start' ? { type: 'profile-start' } : { type: 'profile-stop', path });
      },
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function startMosquittoTarget(bin: string, dataDir: string): Promise<Target> {
  const broker = await startMosquitto(bin, dataDir);
  const responder = fork(new URL('./responder-child.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (m: object) =>
    new Promise<ResponderReply>((resolve, reject) => {
      responder.once('message', resolve);
      responder.once('exit', (code) => reject(new Error(`bench responder exited (${code})`)));
      responder.send(m);
    });
  try {
    await ask({ type: 'start', port: broker.port });
  } catch (error) {
    await stopChild(responder);
    await broker.stop();
    throw error;
  }
  return {
    pid: broker.pid,
    port: broker.port,
    async counts() {
      const r = await ask({ type: 'count' });
      return { rssBytes: await rssOf(broker.pid), connected: NaN, accepted: r.type === 'count' ? r.received : 0, rejected: 0 };
    },
    async cpu() {
      const [own, responderSeconds] = await Promise.all([childCpu(broker.pid), cpuSecondsOf(`/proc/${responder.pid}/stat`)]);
      return { ...own, responderSeconds };
    },
    async stop() {
      await stopChild(responder);
      await broker.stop();
    },
  };
}

export async function runIngestBench(o: IngestBenchOptions): Promise<IngestBenchResult> {
  const addon = loadAddon();
  const target = o.target ?? 'gateway';
  const pacedPerMeter = PACED_PER_METER_PER_SECOND;
  const prepared = o.fleet ?? prepareFleet(o);
  if (prepared.meters.length !== o.meters || prepared.perMeter < o.readingsPerMeter + pacedPerMeter * Math.ceil(o.pacedSeconds)) throw new Error('bench: the fleet given does not fit these options');
  const fleet = prepared.meters.map((m) => ({ ...m, sent: 0, wire: undefined as WireConnection | undefined }));

  const dataDir = await mkdtemp(join(tmpdir(), 'feedin-bench-'));
  // FEEDIN_BENCH_PROFILE=<dir>: a V8 CPU profile of the gateway's main thread during the saturated
  // phase only (open it in Chrome DevTools) to show where the time goes.
  const profileDir = process.env['FEEDIN_BENCH_PROFILE'];
  let server: Target | undefined;
  try {
    server = target === 'mosquitto' ? await startMosquittoTarget(o.mosquittoBin ?? 'mosquitto', dataDir) : await startGatewayTarget(prepared, dataDir, { plain: target === 'aedes-plain', execArgv: o.gatewayExecArgv ?? [], ...(o.durability ? { durability: o.durability } : {}) });
    const base = await server.counts();
    o.log(`ingest: ${target} up on port ${server.port}; connecting ${o.meters} meters`);

    let started = performance.now();
    const connectAll = (meters: typeof fleet) =>
      pool(meters, 256, async (f) => {
        // Signed at connect time, like a device: the gateway refuses tokens issued before it
        // started, and accepts each token (its jti) once.
        const nowSec = Math.floor(Date.now() / 1000);
        const jwt = signJwtNative(addon, f.meterId, nowSec, nowSec + 300, f.key.secretKey);
        f.wire = await openWire('127.0.0.1', server!.port, f.meterId, jwt, o.acks === false ? {} : { acksTopic: meterTopic(f.meterId, 'acks') });
      });
    // Half, a sample, the other half: the second half's RSS ÷ its meters is the marginal cost of a
    // meter, without the heap's one-off growth from the first logins.
    const half = Math.floor(fleet.length / 2);
    await connectAll(fleet.slice(0, half));
    const halfConnected = await server.counts();
    await connectAll(fleet.slice(half));
    const connectSeconds = (performance.now() - started) / 1000;
    const connected = await server.counts();
    const connectedCount = Number.isNaN(connected.connected) ? fleet.length : connected.connected;
    o.log(`ingest: ${connectedCount} connected in ${connectSeconds.toFixed(1)} s; saturating`);

    const acksNow = () => fleet.reduce((n, f) => n + (f.wire?.acksReceived() ?? 0), 0);
    /** waits (bounded) until `n` acks have arrived: behind Mosquitto they follow the PUBACK */
    const acksReached = async (n: number, boundMs: number) => {
      for (let waited = 0; o.acks !== false && waited < boundMs && acksNow() < n; waited += 5) await new Promise((r) => setTimeout(r, 5));
    };
    const send = async (f: (typeof fleet)[number]) => f.wire!.publishEncoded(f.readings[f.sent++]!);
    const profiling = profileDir !== undefined && server.profile !== undefined;
    if (profiling) await server.profile!('start');
    const cpuBefore = await server.cpu();
    const ownCpuBefore = process.cpuUsage();
    const stealBefore = await stealSince();
    const saturated: number[] = [];
    started = performance.now();
    await Promise.all(
      fleet.map(async (f) => {
        let left = o.readingsPerMeter;
        // `window` senders per meter, each taking the meter's next reading: in order on the wire.
        await Promise.all(
          Array.from({ length: Math.min(o.window ?? 1, o.readingsPerMeter) }, async () => {
            while (left-- > 0) saturated.push(await send(f));
          }),
        );
      }),
    );
    // The phase ends with the last PUBACK and the last ack: all the work it caused is in the CPU.
    await acksReached(saturated.length, 30_000);
    const saturateSeconds = (performance.now() - started) / 1000;
    const cpuAfter = await server.cpu();
    const gatewayCpuSeconds = cpuAfter.totalSeconds - cpuBefore.totalSeconds;
    const gatewayMainThreadCpuSeconds = cpuAfter.mainThreadSeconds - cpuBefore.mainThreadSeconds;
    const responderCpuSeconds = cpuAfter.responderSeconds - cpuBefore.responderSeconds;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const stealShare = (await stealSince(stealBefore.ticks)).share;
    const loadGeneratorCpuSeconds = (ownCpu.user + ownCpu.system) / 1e6;
    if (profiling) {
      const path = join(profileDir, `${target}-saturated-${Date.now()}.cpuprofile`);
      await server.profile!('stop', path);
      o.log(`ingest: CPU profile of the ${target} main thread while saturated: ${path}`);
    }
    const readingsPerSecond = Math.round(saturated.length / saturateSeconds);
    o.log(`ingest: ${target}: ${saturated.length} readings in ${saturateSeconds.toFixed(1)} s = ${readingsPerSecond}/s; paced phase`);

    // Paced: one meter at a time in round robin, at half the saturated rate.
    const pacedRate = Math.max(1, Math.floor(readingsPerSecond / 2));
    const pacedTotal = Math.min(Math.floor(pacedRate * o.pacedSeconds), o.meters * pacedPerMeter * Math.ceil(o.pacedSeconds));
    const paced: Promise<number>[] = [];
    started = performance.now();
    for (let k = 0; k < pacedTotal; k++) {
      const due = started + (k / pacedRate) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      paced.push(send(fleet[k % o.meters]!));
    }
    const pacedLatencies = (await Promise.all(paced)).sort((a, b) => a - b);
    saturated.sort((a, b) => a - b);

    let soaked = 0;
    if (o.soak) soaked = await soak(o.soak, fleet, server, (f, i) => signOcmfNative(addon, buildOcmfPayload({ meterId: f.meterId, pagination: i + 1, importWh: BigInt(1000 + i * 7), exportWh: BigInt(5000 + i * 20), timestampMs: Date.now(), utcOffsetMinutes: 420 }), f.key.secretKey), o.log);
    // the last acks may still be on their way
    const sentTotal = saturated.length + pacedLatencies.length + soaked;
    await acksReached(sentTotal, 5000);
    const after = await server.counts();
    const acksReceived = acksNow();
    for (const f of fleet) f.wire?.close();
    return {
      target,
      meters: o.meters,
      readings: sentTotal,
      acksReceived,
      acceptedByGateway: after.accepted,
      rejectedByGateway: after.rejected,
      connectSeconds,
      readingsPerSecond,
      pacedRatePerSecond: pacedRate,
      p50Ms: percentile(pacedLatencies, 50),
      p99Ms: percentile(pacedLatencies, 99),
      saturatedP50Ms: percentile(saturated, 50),
      saturatedP99Ms: percentile(saturated, 99),
      gatewayRssBaseBytes: base.rssBytes,
      gatewayRssConnectedBytes: connected.rssBytes,
      rssPerMeterBytes: Math.round((connected.rssBytes - base.rssBytes) / Math.max(1, connectedCount)),
      rssPerMeterMarginalBytes: Math.round((connected.rssBytes - halfConnected.rssBytes) / Math.max(1, fleet.length - half)),
      gatewayCpuSeconds,
      gatewayMainThreadCpuSeconds,
      responderCpuSeconds,
      loadGeneratorCpuSeconds,
      stealShare,
    };
  } finally {
    for (const f of fleet) f.wire?.close();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

interface SoakMeter {
  meterId: string;
  topic: string;
  key: { secretKey: Uint8Array };
  sent: number;
  wire?: WireConnection | undefined;
}

async function soak(
  s: NonNullable<IngestBenchOptions['soak']>,
  fleet: SoakMeter[],
  server: Target,
  sign: (f: SoakMeter, index: number) => string,
  log: (l: string) => void,
): Promise<number> {
  const rate = Math.max(1, Math.min(200, fleet.length / 15));
  const endsAt = performance.now() + s.minutes * 60_000;
  const started = performance.now();
  let sent = 0;
  let nextSampleAt = started;
  const inFlight = new Set<Promise<unknown>>();
  while (performance.now() < endsAt) {
    if (performance.now() >= nextSampleAt) {
      const m = await server.counts();
      const atSec = Math.round((performance.now() - started) / 1000);
      s.onSample({ atSec, rssBytes: m.rssBytes });
      log(`soak: ${atSec} s, gateway RSS ${(m.rssBytes / 2 ** 20).toFixed(1)} MiB, ${m.accepted} accepted`);
      nextSampleAt += 10_000;
    }
    const f = fleet[sent % fleet.length]!;
    const p = f.wire!.publish(f.topic, sign(f, f.sent++)).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
    const due = started + (sent / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  return sent;
}
