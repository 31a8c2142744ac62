// What every real-meter device started by `feedin sim --p1|--modbus|--sunspec|--iec62056` shares:
// the sandbox clock read from the running gateway, the MQTT broker address, the key file signer
// and the device parameters of the core (real-meter/real-meter-device.ts). One place, so the
// readers differ only in how they read their meter.
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';
import { sandboxTimeMs } from '@feedin/protocol/sandbox-time';
import { openOutbox } from '@feedin/device-firmware-sim/outbox';
import { loadKeyFileSigner } from '@feedin/device-firmware-sim/real-meter/key-file-signer';
import type { RealMeterDeviceParameters } from '@feedin/device-firmware-sim/real-meter/real-meter-device';
import { CliError } from '../cli-error.js';
import { sandboxContext } from '../sandbox-context.js';

/** Devices ask for short-lived tokens (docs/design.md §Clocks: short exp), within what the
 * gateway accepts. */
const JWT_LIFETIME_SEC = 300;

export interface RealMeterSetup {
  /** a device for meter `id` signing with the key in `keyFile`; onRefused words the log line */
  device(id: string, keyFile: string, onRefused: (why: string) => string): Promise<Omit<RealMeterDeviceParameters, 'onReading'>>;
  broker: string;
  log(line: string): void;
}

export function checkMeterId(id: string | undefined, option = '--id'): string {
  if (!isMeterId(id)) throw new CliError(`${option} <meterId>: ${METER_ID_RULE} (the id registered with feedin meter register), got ${JSON.stringify(id ?? '')}`);
  return id;
}

export function everyMs(text: string | undefined): number {
  const everySec = Number(text ?? '0');
  if (!Number.isFinite(everySec) || everySec < 0) throw new CliError('--every: sandbox seconds between signed readings, ≥ 0 (0: every usable reading)');
  return Math.round(everySec * 1000);
}

export async function realMeterSetup(values: { broker?: string; api?: string; every?: string }): Promise<RealMeterSetup> {
  const minIntervalMs = everyMs(values.every);
  const ctx = await sandboxContext();
  const apiUrl = values.api ?? ctx.runtime?.httpUrl ?? `http://127.0.0.1:${ctx.config.dashboard.port}`;
  const [host, portText] = (values.broker ?? `${ctx.runtime?.mqtt.host ?? ctx.config.mqtt.host}:${ctx.runtime?.mqtt.port ?? ctx.config.mqtt.port}`).split(':');
  const port = Number(portText);
  if (!host || !Number.isInteger(port)) throw new CliError('--broker host:port');
  let health: { now: string };
  try {
    health = (await (await fetch(`${apiUrl}/api/health`)).json()) as { now: string };
  } catch (error) {
    throw new CliError(`cannot read the sandbox clock from ${apiUrl}/api/health (${(error as Error).message}); pass --api <url>`);
  }
  const anchor = { wallMs: Date.now(), sandboxMs: Date.parse(health.now), speed: ctx.config.simulation.clock.speed };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  return {
    broker: `${host}:${port}`,
    log,
    async device(id, keyFile, onRefused) {
      let signer;
      try {
        signer = await loadKeyFileSigner(keyFile, id);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      return {
        signer,
        outbox: await openOutbox(ctx.paths.root, signer.meterId),
        nowMs: () => sandboxTimeMs(anchor, Date.now()),
        utcOffsetMinutes: ctx.config.sandbox.utcOffsetMinutes,
        link: { host, port, wallNowMs: () => Date.now(), jwtLifetimeSec: Math.min(JWT_LIFETIME_SEC, ctx.config.mqtt.jwtMaxLifetimeSeconds) },
        minIntervalMs,
        log,
        onRefused: (why) => log(onRefused(why)),
      };
    },
  };
}

/** resolves on SIGINT or SIGTERM */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
