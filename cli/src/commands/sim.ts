// feedin sim — the simulated fleet of the sandbox file against a running gateway. The sandbox
// clock is taken from the gateway (GET /api/health `now`), so readings carry the gateway's time.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { sandboxTimeMs, type Clock } from '@feedin/protocol/sandbox-time';
import { startFleet } from '@feedin/device-firmware-sim/fleet';
import { CliError } from '../cli-error.js';
import type { CommandHelp } from '../command-line.js';
import { sandboxContext } from '../sandbox-context.js';

export const help: CommandHelp = {
  usage: `usage: feedin sim [--meters N] [--broker host:port] [--api <url>] [--serial <path> [--baud N]]
       feedin sim --p1 <port> --id <meterId> --key <file> [--baud 115200] [--data-bits 8] [--parity none]
                  [--every <seconds>] [--broker host:port] [--api <url>]
       feedin sim --modbus <port> --model <sdm120|sdm630|dtsu666> --unit <n> --id <meterId> --key <file>
                  [--unit … --id … --key … [--model …]] [--baud 9600] [--parity none] [--data-bits 8]
                  [--stop-bits 1] [--timeout-ms 500] [--poll <seconds>] [--every <seconds>] [--broker host:port] [--api <url>]
       feedin sim --sunspec <host:port> --unit <n> --id <meterId> --key <file> [--timeout-ms 500]
                  [--poll <seconds>] [--every <seconds>] [--broker host:port] [--api <url>]
       feedin sim --iec62056 <port> --id <meterId> --key <file> [--address <a>] [--poll <seconds>]
                  [--every <seconds>] [--broker host:port] [--api <url>]

Runs the simulated fleet of the sandbox file against a running gateway (default: the running
sandbox's broker and clock), or with --serial over one serial line (docs/serial.md).
With --p1, --modbus, --sunspec or --iec62056, real meters become feedin devices, signing readings
with keys from 'feedin meter keygen' (docs/p1.md, docs/meters.md). Stops on Ctrl-C.`,
};

export async function sim(argv: string[]): Promise<number> {
  // A real meter on its P1 port is its own device, with its own options (sim-p1.ts).
  if (argv.some((arg) => arg === '--p1' || arg.startsWith('--p1='))) return (await import('./sim-p1.js')).simP1(argv);
  // Modbus RTU meters, a SunSpec device over Modbus TCP, an IEC 62056-21 optical port (docs/meters.md).
  const has = (option: string) => argv.some((arg) => arg === option || arg.startsWith(`${option}=`));
  if (has('--modbus')) return (await import('./sim-modbus.js')).simModbus(argv);
  if (has('--sunspec')) return (await import('./sim-sunspec.js')).simSunspec(argv);
  if (has('--iec62056')) return (await import('./sim-iec62056.js')).simIec62056(argv);
  const { values } = parseArgs({ args: argv, options: { broker: { type: 'string' }, meters: { type: 'string' }, api: { type: 'string' }, serial: { type: 'string' }, baud: { type: 'string' }, ca: { type: 'string' } } });
  const ctx = await sandboxContext();
  const apiUrl = values.api ?? ctx.runtime?.httpUrl ?? `http://127.0.0.1:${ctx.config.dashboard.port}`;
  // --ca <file>: MQTT over TLS trusting that CA (the sandbox's: <data dir>/tls/ca.pem), by default
  // to the running sandbox's TLS port.
  const caPem = values.ca === undefined ? undefined : await readFile(values.ca, 'utf8').catch((error: Error) => {
    throw new CliError(`--ca ${values.ca}: ${error.message}`);
  });
  const defaultPort = caPem ? (ctx.runtime?.mqtt.tlsPort ?? ctx.config.mqtt.tls.port) : (ctx.runtime?.mqtt.port ?? ctx.config.mqtt.port);
  const [host, portText] = (values.broker ?? `${ctx.runtime?.mqtt.host ?? ctx.config.mqtt.host}:${defaultPort}`).split(':');
  const port = Number(portText);
  if (!host || !Number.isInteger(port)) throw new CliError('--broker host:port');
  const count = values.meters === undefined ? ctx.config.meters.length : Number(values.meters);
  if (!Number.isInteger(count) || count < 1) throw new CliError('--meters: a positive integer');
  // --serial <path>: the fleet shares one serial line (8N1) to a gateway serial port instead of MQTT.
  const baudRate = values.baud === undefined ? 115200 : Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate < 1) throw new CliError('--baud: a positive integer (default 115200)');
  const serial = values.serial === undefined ? undefined : { path: values.serial, baudRate };

  let health: { now: string };
  try {
    health = (await (await fetch(`${apiUrl}/api/health`)).json()) as { now: string };
  } catch (error) {
    throw new CliError(`cannot read the sandbox clock from ${apiUrl}/api/health (${(error as Error).message}); pass --api <url>`);
  }
  const anchor = { wallMs: Date.now(), sandboxMs: Date.parse(health.now), speed: ctx.config.simulation.clock.speed };
  const clock: Clock = { nowMs: () => sandboxTimeMs(anchor, Date.now()), wallNowMs: () => Date.now(), speed: anchor.speed };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const fleet = await startFleet({ config: ctx.config, dataDir: ctx.paths.root, clock, broker: { host: host === '0.0.0.0' ? '127.0.0.1' : host, port, ...(caPem ? { tls: { caPem, ...(host === '0.0.0.0' || host === '127.0.0.1' ? { servername: 'localhost' } : {}) } } : {}) }, serial, meterIds: ctx.config.meters.slice(0, count).map((m) => m.id), log });
  log(`fleet: ${count} meters → ${serial ? `serial ${serial.path} at ${baudRate} baud` : `${caPem ? 'mqtts' : 'mqtt'}://${host}:${port}`}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await fleet.stop();
  const s = fleet.stats();
  log(`stopped: sent ${s.sent}, acknowledged ${s.acked}, rejected ${s.rejected}, pending ${s.pending}`);
  return 0;
}
