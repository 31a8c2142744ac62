// Shared parts of the durability fault tests (docs/durability.md): gateways in log mode as their
// own processes (the bench's gateway process: real broker, ingest and the JetStream log store),
// and meters that behave like the devices — each sends its readings in order and resends the one
// in flight, on a fresh connection, until it gets a PUBACK. What each meter got PUBACKs for is
// what the tests then look for.
import { randomBytes } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { buildOcmfPayload, signOcmf } from '@feedin/protocol/ocmf-build';
import { generatePrivateKey, publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { openWire, type WireConnection } from '../../cli/src/bench/mqtt-wire.js';
import { repoRoot } from './sandbox-process.js';

const MIN_MS = 60_000;

export interface TestMeter {
  meterId: string;
  key: Uint8Array;
  publicKeyHex: string;
  readings: string[];
  /** PGs that got a PUBACK */
  acked: Set<number>;
  /** wall time (ms) of every PUBACK */
  ackTimesMs: number[];
}

export function makeMeters(prefix: string, count: number, readingsEach: number): TestMeter[] {
  const t0 = Date.now() - (readingsEach + 1) * MIN_MS;
  return Array.from({ length: count }, (_, m) => {
    const meterId = `${prefix}-${m}`;
    const key = generatePrivateKey();
    const readings = Array.from({ length: readingsEach }, (_, i) =>
      signOcmf(buildOcmfPayload({ meterId, pagination: i + 1, importWh: 100n, exportWh: 1000n + 10n * BigInt(i), timestampMs: t0 + i * MIN_MS, utcOffsetMinutes: 420 }), key),
    );
    return { meterId, key, publicKeyHex: Buffer.from(publicKeyFromPrivate(key)).toString('hex'), readings, acked: new Set(), ackTimesMs: [] };
  });
}

export interface LogGateway {
  child: ChildProcess;
  /** resolves when the child waits as standby */
  standby: Promise<void>;
  /** resolves with the MQTT port once it is the active one and listens */
  ready: Promise<{ port: number; atMs: number; rebuiltReadings: number }>;
  exited: Promise<void>;
}

export function startLogGateway(p: { dataDir: string; meters: TestMeter[]; servers: string[]; shard: string; port: number; leaseSeconds: number }): LogGateway {
  const child = fork(join(repoRoot, 'cli', 'dist', 'bench', 'gateway-child.js'), { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const standby = new Promise<void>((resolve) => child.on('message', (m: { type: string }) => m.type === 'standby' && resolve()));
  const ready = new Promise<{ port: number; atMs: number; rebuiltReadings: number }>((resolve, reject) => {
    child.on('message', (m: { type: string; port: number; rebuiltReadings: number }) => m.type === 'ready' && resolve({ port: m.port, atMs: Date.now(), rebuiltReadings: m.rebuiltReadings }));
    void exited.then(() => reject(new Error(`log gateway exited (${child.exitCode ?? child.signalCode}) before it was ready`)));
  });
  ready.catch(() => {});
  child.send({
    type: 'start',
    dataDir: p.dataDir,
    port: p.port,
    meters: p.meters.map((f) => ({ meterId: f.meterId, publicKeyHex: f.publicKeyHex, capacityW: 5000 })),
    clockSkewSeconds: 120,
    plausibilityMarginPercent: 120,
    maxPayloadBytes: 4096,
    durability: { servers: p.servers, shard: p.shard, replicas: 3, leaseSeconds: p.leaseSeconds },
  });
  return { child, standby, ready, exited };
}

export function askLogStatus(child: ChildProcess): Promise<{ acknowledging: boolean; fencedReason: string | null }> {
  return new Promise((resolve) => {
    const on = (m: { type: string; acknowledging: boolean; fencedReason: string | null }) => {
      if (m.type !== 'log-status') return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ type: 'log-status' });
  });
}

export interface SendOptions {
  port: number;
  /** a PUBACK not seen within this is treated as lost: reconnect and resend */
  ackTimeoutMs?: number;
  /** pause between a meter's readings (a steady trickle instead of a burst) */
  gapMs?: number;
  /** give up after this long in all */
  deadlineMs: number;
  /** called after each PUBACK with the total so far */
  onAck?(total: number): void;
  /** stop sending new readings (the one in flight is still resent until acknowledged) */
  stopAfter?: (meter: TestMeter, pagination: number) => boolean;
}

/** Each meter sends its readings in order, resending the one in flight on a new connection until
 * it is PUBACKed, as the device firmware does. Resolves when all are acknowledged (or at the deadline). */
export async function sendLikeDevices(meters: TestMeter[], o: SendOptions): Promise<void> {
  const endAt = Date.now() + o.deadlineMs;
  let total = 0;
  await Promise.all(
    meters.map(async (meter) => {
      let wire: WireConnection | undefined;
      for (let i = meter.acked.size; i < meter.readings.length; i++) {
        if (o.stopAfter?.(meter, i + 1)) break;
        for (;;) {
          if (Date.now() > endAt) {
            wire?.close();
            return;
          }
          try {
            wire ??= await openWire('127.0.0.1', o.port, meter.meterId, jwtFor(meter));
            await withTimeout(wire.publish(`feedin/v1/meters/${meter.meterId}/readings`, meter.readings[i]!), o.ackTimeoutMs ?? 3_000);
            meter.acked.add(i + 1);
            meter.ackTimesMs.push(Date.now());
            o.onAck?.(++total);
            break;
          } catch {
            // no PUBACK (gateway gone, fenced or slow): a new connection, the same reading again
            wire?.close();
            wire = undefined;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        if (o.gapMs) await new Promise((r) => setTimeout(r, o.gapMs));
      }
      wire?.close();
    }),
  );
}

function jwtFor(meter: TestMeter): string {
  const nowSec = Math.floor(Date.now() / 1000);
  return signMeterJwt({ meterId: meter.meterId, issuedAtSec: nowSec, expiresAtSec: nowSec + 300, jwtId: randomBytes(16).toString('base64url') }, meter.key);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no PUBACK in ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** polls `check` until it is true or the bound passes */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
