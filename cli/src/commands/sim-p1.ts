// feedin sim --p1 <port> --id <meterId> --key <file> [--baud 115200] [--data-bits 8] [--parity none]
//            [--broker host:port] [--api <url>] [--every <seconds>]
// A real smart meter on its P1 port becomes a feedin device: each usable telegram is signed as an
// OCMF reading with the key from `feedin meter keygen` and sent to the gateway (store-and-forward
// under <data dir>/devices/<meterId>/). Defaults to the running embedded sandbox.
import { parseArgs } from 'node:util';
import { sandboxTimeMs } from '@feedin/protocol/sandbox-time';
import { openOutbox } from '@feedin/device-firmware-sim/outbox';
import { loadKeyFileSigner } from '@feedin/device-firmware-sim/real-meter/key-file-signer';
import { createP1Meter } from '@feedin/device-firmware-sim/p1/p1-meter';
import { openP1Port } from '@feedin/device-firmware-sim/p1/p1-port';
import { CliError } from '../cli-error.js';
import { sandboxContext } from '../sandbox-context.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';

/** Devices ask for short-lived tokens (DESIGN: short exp), within what the gateway accepts. */
const JWT_LIFETIME_SEC = 300;

export async function simP1(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      p1: { type: 'string' },
      id: { type: 'string' },
      key: { type: 'string' },
      baud: { type: 'string', default: '115200' },
      'data-bits': { type: 'string', default: '8' },
      parity: { type: 'string', default: 'none' },
      broker: { type: 'string' },
      api: { type: 'string' },
      every: { type: 'string', default: '0' },
    },
  });
  const path = values.p1;
  if (!path) throw new CliError('missing --p1 <port> (e.g. /dev/ttyUSB0)');
  if (!isMeterId(values.id)) throw new CliError(`--id <meterId>: ${METER_ID_RULE} (the id registered with feedin meter register)`);
  if (!values.key) throw new CliError('missing --key <file> (the device private key file from feedin meter keygen)');
  const baudRate = Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate < 300 || baudRate > 921_600) throw new CliError('--baud: 115200 (DSMR 4.x/5.x) or 9600 (DSMR 2.2/3.0)');
  const dataBits = Number(values['data-bits']);
  if (dataBits !== 7 && dataBits !== 8) throw new CliError('--data-bits: 8 (DSMR 4.x/5.x) or 7 (DSMR 2.2/3.0)');
  const parity = values.parity;
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new CliError('--parity: none (DSMR 4.x/5.x), even (DSMR 2.2/3.0) or odd');
  const everySec = Number(values.every);
  if (!Number.isFinite(everySec) || everySec < 0) throw new CliError('--every: sandbox seconds between signed readings, ≥ 0 (0: every usable telegram)');

  const ctx = await sandboxContext();
  const apiUrl = values.api ?? ctx.runtime?.httpUrl ?? `http://127.0.0.1:${ctx.config.dashboard.port}`;
  const [host, portText] = (values.broker ?? `${ctx.runtime?.mqtt.host ?? ctx.config.mqtt.host}:${ctx.runtime?.mqtt.port ?? ctx.config.mqtt.port}`).split(':');
  const port = Number(portText);
  if (!host || !Number.isInteger(port)) throw new CliError('--broker host:port');

  let signer;
  try {
    signer = await loadKeyFileSigner(values.key, values.id);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  let health: { now: string };
  try {
    health = (await (await fetch(`${apiUrl}/api/health`)).json()) as { now: string };
  } catch (error) {
    throw new CliError(`cannot read the sandbox clock from ${apiUrl}/api/health (${(error as Error).message}); pass --api <url>`);
  }
  const anchor = { wallMs: Date.now(), sandboxMs: Date.parse(health.now), speed: ctx.config.simulation.clock.speed };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

  const outbox = await openOutbox(ctx.paths.root, signer.meterId);
  const meter = createP1Meter({
    signer,
    outbox,
    nowMs: () => sandboxTimeMs(anchor, Date.now()),
    utcOffsetMinutes: ctx.config.sandbox.utcOffsetMinutes,
    link: { host, port, wallNowMs: () => Date.now(), jwtLifetimeSec: Math.min(JWT_LIFETIME_SEC, ctx.config.mqtt.jwtMaxLifetimeSeconds) },
    minIntervalMs: Math.round(everySec * 1000),
    log,
    onReading: (r) =>
      log(`${r.meterId}: reading F${r.pagination}: import ${r.importWh} Wh, export ${r.exportWh} Wh (P1 CRC ${r.telegram.crc}, meter time ${r.telegram.timestamp ?? 'none'}, equipment ${r.telegram.equipmentId ?? '?'})`),
  });
  meter.start();
  const serial = openP1Port({ path, baudRate, dataBits, parity, onData: (chunk) => meter.push(chunk), log });
  log(`P1 meter ${signer.meterId}: ${path} → ${host}:${port}`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await serial.close();
  await meter.stop();
  const s = meter.stats();
  log(`stopped: telegrams ${s.telegrams}, refused ${s.refused}, readings ${s.readings}, acknowledged ${s.acked}, rejected ${s.rejected}, pending ${s.pending}`);
  return 0;
}
