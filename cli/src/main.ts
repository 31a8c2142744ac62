#!/usr/bin/env node
// `feedin` — one entry point, one file per command under ./commands. Exit codes follow DESIGN:
// 0 success/valid, 1 a check failed/invalid, 2 unusable input or usage error.
import { CliError } from './cli-error.js';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./commands/up.js')).up,
  sim: async () => (await import('./commands/sim.js')).sim,
  ocmf: async () => (await import('./commands/ocmf.js')).ocmf,
  audit: async () => (await import('./commands/audit.js')).audit,
  meter: async () => (await import('./commands/meter.js')).meter,
};

const usage = `feedin — feed-in micropayment sandbox

  feedin up                              run the whole sandbox (chain, gateway, fleet, dashboard)
  feedin sim [--meters N] [--broker host:port]
                                         run the simulated fleet against a running gateway
  feedin ocmf verify --pubkey <key> <file|->
                                         verify a signed OCMF reading (exit 0 valid, 1 invalid, 2 unusable)
  feedin audit verify <bundle.json> [--rpc <url>]
                                         check a claim's audit bundle against the chain (exit 0/1)
  feedin meter keygen [--out <file>]     make a device key (secp256k1), print its public key
  feedin meter register --id <id> --pubkey <hex> --payee <address> --capacity-w <W>
  feedin meter suspend --id <id> [--from <ISO time>] [--reason <text>]
  feedin meter token --id <id> --key <file> [--ttl <seconds>]
                                         print a JWT for MQTT login as that meter

Environment: FEEDIN_DATA_DIR, FEEDIN_CONFIG, FEEDIN_HTTP_PORT, FEEDIN_MQTT_PORT,
FEEDIN_CHAIN_PORT, FEEDIN_REGULATOR_TOKEN. Docs: README.md and docs/.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`feedin: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  const command = await load();
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      console.error(`feedin: ${error.message}`);
      process.exitCode = error.exitCode;
    } else {
      console.error(error);
      process.exitCode = 2;
    }
  },
);
