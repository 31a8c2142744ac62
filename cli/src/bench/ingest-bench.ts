// Ingest at scale: N meters, each its own MQTT TCP connection (JWT login), send pre-signed
// QoS 1 readings through the full gateway path in a separate process. Phase 1 saturates (every
// meter keeps one reading in flight) for throughput; phase 2 paces at half that rate for
// publish→PUBACK latency (under saturation latency only measures the queue length).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOcmfPayload } from '@feedin/protocol/ocmf-build';
import type { GatewayChildReply, GatewayChildStart } from './gateway-child.js';
import { encodePublish, openWire, type EncodedPublish, type WireConnection } from './mqtt-wire.js';
import { loadAddon, newKey, signJwtNative, signOcmfNative } from './native-signer.js';
import { meterTopic } from '@feedin/protocol/mqtt-topics';

export interface IngestBenchOptions {
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
  gatewayCpuSeconds: number;
  /** of which the gateway's main thread (the event loop) */
  gatewayMainThreadCpuSeconds: number;
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

export async function runIngestBench(o: IngestBenchOptions): Promise<IngestBenchResult> {
  const addon = loadAddon();
  const pacedPerMeter = 2;
  const perMeter = o.readingsPerMeter + pacedPerMeter * Math.ceil(o.pacedSeconds);
  o.log(`ingest: preparing ${o.meters} meter keys and ${o.meters * perMeter} signed readings`);
  const nowMs = Date.now();
  // Readings one minute apart, the last one now: all in the past, in order, plausible.
  const firstTmMs = nowMs - perMeter * STEP_MS;
  const fleet = Array.from({ length: o.meters }, (_, m) => {
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
    return { meterId, key, readings, topic, sent: 0, wire: undefined as WireConnection | undefined };
  });

  const dataDir = await mkdtemp(join(tmpdir(), 'feedin-bench-'));
  // FEEDIN_BENCH_PROFILE=<dir>: a V8 CPU profile of the gateway's main thread during the saturated
  // phase only (open it in Chrome DevTools) to show where the time goes.
  const profileDir = process.env['FEEDIN_BENCH_PROFILE'];
  const child = fork(new URL('./gateway-child.js', import.meta.url), { execArgv: ['--expose-gc', '--max-old-space-size=4096', ...(o.gatewayExecArgv ?? [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const start: GatewayChildStart = {
      type: 'start',
      dataDir,
      meters: fleet.map((f) => ({ meterId: f.meterId, publicKeyHex: Buffer.from(f.key.publicKey).toString('hex'), capacityW: CAPACITY_W })),
      clockSkewSeconds: 120,
      plausibilityMarginPercent: 120,
      maxPayloadBytes: 4096,
      ...(o.durability ? { durability: { ...o.durability, replicas: 3, leaseSeconds: 10 } } : {}),
    };
    const ready = await askChild(child, 'ready', start);
    const base = await askChild(child, 'rss', { type: 'rss' });
    o.log(`ingest: gateway up on port ${ready.port}; connecting ${o.meters} meters`);

    let started = performance.now();
    await pool(fleet, 256, async (f) => {
      // Signed at connect time, like a device: the gateway refuses tokens issued before it started,
      // and accepts each token (its jti) once.
      const nowSec = Math.floor(Date.now() / 1000);
      const jwt = signJwtNative(addon, f.meterId, nowSec, nowSec + 300, f.key.secretKey);
      f.wire = await openWire('127.0.0.1', ready.port, f.meterId, jwt, o.acks === false ? {} : { acksTopic: meterTopic(f.meterId, 'acks') });
    });
    const connectSeconds = (performance.now() - started) / 1000;
    const connected = await askChild(child, 'rss', { type: 'rss' });
    o.log(`ingest: ${connected.connected} connected in ${connectSeconds.toFixed(1)} s; saturating`);

    const send = async (f: (typeof fleet)[number]) => f.wire!.publishEncoded(f.readings[f.sent++]!);
    if (profileDir) await askChild(child, 'profiled', { type: 'profile-start' });
    const cpuBefore = await childCpu(child.pid!);
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
    const saturateSeconds = (performance.now() - started) / 1000;
    const cpuAfter = await childCpu(child.pid!);
    const gatewayCpuSeconds = cpuAfter.totalSeconds - cpuBefore.totalSeconds;
    const gatewayMainThreadCpuSeconds = cpuAfter.mainThreadSeconds - cpuBefore.mainThreadSeconds;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const stealShare = (await stealSince(stealBefore.ticks)).share;
    const loadGeneratorCpuSeconds = (ownCpu.user + ownCpu.system) / 1e6;
    if (profileDir) {
      const path = join(profileDir, `gateway-saturated-${Date.now()}.cpuprofile`);
      await askChild(child, 'profiled', { type: 'profile-stop', path });
      o.log(`ingest: CPU profile of the gateway's main thread while saturated: ${path}`);
    }
    const readingsPerSecond = Math.round(saturated.length / saturateSeconds);
    o.log(`ingest: ${saturated.length} readings in ${saturateSeconds.toFixed(1)} s = ${readingsPerSecond}/s; paced phase`);

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
    if (o.soak) soaked = await soak(o.soak, fleet, child, (f, i) => signOcmfNative(addon, buildOcmfPayload({ meterId: f.meterId, pagination: i + 1, importWh: BigInt(1000 + i * 7), exportWh: BigInt(5000 + i * 20), timestampMs: Date.now(), utcOffsetMinutes: 420 }), f.key.secretKey), o.log);
    const after = await askChild(child, 'rss', { type: 'rss' });
    // the last acks may still be on their way
    const sentTotal = saturated.length + pacedLatencies.length + soaked;
    for (let waited = 0; o.acks !== false && waited < 5000 && fleet.reduce((n, f) => n + (f.wire?.acksReceived() ?? 0), 0) < sentTotal; waited += 100) await new Promise((r) => setTimeout(r, 100));
    const acksReceived = fleet.reduce((n, f) => n + (f.wire?.acksReceived() ?? 0), 0);
    for (const f of fleet) f.wire?.close();
    return {
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
      rssPerMeterBytes: Math.round((connected.rssBytes - base.rssBytes) / Math.max(1, connected.connected)),
      gatewayCpuSeconds,
      gatewayMainThreadCpuSeconds,
      loadGeneratorCpuSeconds,
      stealShare,
    };
  } finally {
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
  child: ChildProcess,
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
      const m = await askChild(child, 'rss', { type: 'rss' });
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
