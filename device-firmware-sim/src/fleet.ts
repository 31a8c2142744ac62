// A fleet of simulated meters in one process: one device (own key, own outbox, own MQTT client)
// per configured meter, all driven by one shared tick scheduler on the sandbox clock.
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { createClockTimer, type SandboxTimer } from './clock.js';
import { ensureDeviceKey, loadDeviceSigner } from './device-keys.js';
import { createMeterDevice, type MeterDevice, type MeterReadingEvent } from './meter-device.js';
import { openOutbox } from './outbox.js';
import { createPvModel } from './pv-model.js';
import { createRandom, hash32, seedFromString } from './seeded-random.js';
import { openSerialLine, type SerialLine, type SerialLineSettings } from './serial-link.js';
import { startTickScheduler } from './tick-scheduler.js';
import type { Backoff } from '@feedin/protocol/backoff';

/** Devices ask for short-lived tokens (docs/design.md §Clocks: short exp), within what the
 * gateway accepts. */
const JWT_LIFETIME_SEC = 300;

export interface StartFleetParameters {
  config: SandboxConfig;
  dataDir: string;
  clock: Clock;
  /** the MQTT broker; ignored when `serial` is given */
  broker?: { host: string; port: number; tls?: { caPem: string; servername?: string } };
  /** speak to the gateway over this serial line instead of MQTT: all meters share the one port */
  serial?: SerialLineSettings & { answerTimeoutMs?: number };
  /** a subset of config.meters (default: all of them) */
  meterIds?: string[];
  log?: (message: string) => void;
  onReading?: (event: MeterReadingEvent) => void;
  /** when the clock is not wall-driven (tests: createManualClock, which is also a timer) */
  timer?: SandboxTimer;
  /** unacknowledged readings a device keeps (default 100,000) */
  outboxCapacity?: number;
  backoff?: Backoff;
}

export interface FleetStats {
  meters: number;
  connected: number;
  /** publishes, resends included */
  sent: number;
  acked: number;
  rejected: number;
  pending: number;
  /** readings taken by this process */
  readings: number;
  /** reading instants passed over (outbox full, storage slower than the clock) */
  skipped: number;
}

export interface Fleet {
  stop(): Promise<void>;
  stats(): FleetStats;
  /** meter id → 33-byte compressed secp256k1 public key */
  publicKeys(): Map<string, Uint8Array>;
}

/** Per-household seed: the sandbox seed mixed with the meter id, stable across restarts. */
export function meterSeed(config: SandboxConfig, meterId: string): number {
  return hash32(config.simulation.seed, seedFromString(meterId));
}

/** Creates missing device keys and answers every configured meter's public key, so the
 * composition root can register them on chain before any device connects. */
export async function ensureFleetKeys(config: SandboxConfig, dataDir: string): Promise<Map<string, Uint8Array>> {
  const keys = new Map<string, Uint8Array>();
  for (const m of config.meters) keys.set(m.id, (await ensureDeviceKey(dataDir, m.id)).publicKey);
  return keys;
}

export async function startFleet(opts: StartFleetParameters): Promise<Fleet> {
  const { config, clock } = opts;
  const log = opts.log ?? ((message: string) => console.log(message));
  const known = new Map(config.meters.map((m) => [m.id, m]));
  const ids = opts.meterIds ?? config.meters.map((m) => m.id);
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new RangeError(`meterIds: not in the sandbox config: ${unknown.join(', ')}`);

  const sim = config.simulation;
  const installedAtMs = clock.nowMs();
  const publicKeys = new Map<string, Uint8Array>();
  if (!opts.serial && !opts.broker) throw new RangeError('broker: the fleet needs an MQTT broker or a serial line (serial)');
  const line: SerialLine | undefined = opts.serial && openSerialLine({ ...opts.serial, backoff: opts.backoff, log });
  const devices: MeterDevice[] = await Promise.all(
    ids.map(async (id) => {
      const meter = known.get(id)!;
      const seed = meterSeed(config, id);
      const [signer, outbox] = await Promise.all([loadDeviceSigner(opts.dataDir, id), openOutbox(opts.dataDir, id, { capacity: opts.outboxCapacity })]);
      publicKeys.set(id, signer.publicKey);
      return createMeterDevice({
        signer,
        outbox,
        model: createPvModel({ ...sim.location, capacityW: meter.capacityW, seed, cloudiness: sim.faults.cloudiness, utcOffsetMinutes: config.sandbox.utcOffsetMinutes }),
        utcOffsetMinutes: config.sandbox.utcOffsetMinutes,
        installedAtMs,
        link: opts.broker && {
          ...opts.broker,
          wallNowMs: () => clock.wallNowMs(),
          jwtLifetimeSec: Math.min(JWT_LIFETIME_SEC, config.mqtt.jwtMaxLifetimeSeconds),
          backoff: opts.backoff,
        },
        openLink: line && ((hooks) => line.link(hooks)),
        // A serial line can lose a line unnoticed; with a second one in flight the gateway would
        // see PG n+1 first, record a gap and refuse the resent PG n as regressed. So on serial a
        // meter waits for each answer (TCP keeps MQTT in order, there 64 may be in flight).
        window: line ? 1 : undefined,
        dropConnection: sim.faults.dropConnection,
        random: createRandom(hash32(seed, 0xfa17)),
        log,
        onReading: opts.onReading,
      });
    }),
  ).catch(async (error: unknown) => {
    await line?.close(); // its reopen timer would keep the process alive
    throw error;
  });
  for (const d of devices) d.start();

  const scheduler = startTickScheduler({
    clock,
    timer: opts.timer ?? createClockTimer(clock),
    periodMs: sim.readingIntervalSeconds * 1000,
    log,
    onTick: async (atMs) => {
      await Promise.all(devices.map((d) => d.takeReading(atMs).catch((error: unknown) => log(`${d.meterId}: reading failed: ${(error as Error).message}`))));
    },
  });

  let stopping: Promise<void> | undefined;
  return {
    stop: () =>
      (stopping ??= (async () => {
        await scheduler.stop();
        await Promise.all(devices.map((d) => d.stop()));
        await line?.close();
      })()),
    stats() {
      const s: FleetStats = { meters: devices.length, connected: 0, sent: 0, acked: 0, rejected: 0, pending: 0, readings: 0, skipped: scheduler.skippedTicks() * devices.length };
      for (const d of devices) {
        const x = d.stats();
        s.connected += x.connected ? 1 : 0;
        s.sent += x.sent;
        s.acked += x.acked;
        s.rejected += x.rejected;
        s.pending += x.pending;
        s.readings += x.readings;
        s.skipped += x.skipped;
      }
      return s;
    },
    publicKeys: () => new Map(publicKeys),
  };
}
