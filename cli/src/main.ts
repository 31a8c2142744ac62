#!/usr/bin/env node
// `feedin` — one entry point, one file per command under ./commands. Exit codes follow DESIGN:
// 0 success/valid, 1 a check failed/invalid, 2 unusable input or usage error.
import { enableWasmKeccak256 } from '@feedin/protocol/keccak-wasm';
import { CliError } from './cli-error.js';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./commands/up.js')).up,
  sim: async () => (await import('./commands/sim.js')).sim,
  ocmf: async () => (await import('./commands/ocmf.js')).ocmf,
  p1: async () => (await import('./commands/p1.js')).p1,
  audit: async () => (await import('./commands/audit.js')).audit,
  meter: async () => (await import('./commands/meter.js')).meter,
  regulator: async () => (await import('./commands/regulator.js')).regulator,
  payout: async () => (await import('./commands/payout.js')).payout,
  report: async () => (await import('./commands/report.js')).report,
  bench: async () => (await import('./commands/bench.js')).bench,
};

const usage = `feedin — feed-in micropayment sandbox

  feedin up                              run the whole sandbox (chain, gateway, fleet, dashboard)
  feedin sim [--meters N] [--broker host:port | --serial <path> [--baud N]]
                                         run the simulated fleet against a running gateway
  feedin sim --p1 <port> --id <meterId> --key <file> [--baud 115200] [--data-bits 8] [--parity none]
                                         sign readings from a real meter's DSMR P1 port (docs/p1.md)
  feedin sim --modbus <port> --model <sdm120|sdm630|dtsu666> --unit <n> --id <meterId> --key <file> [--unit … --id … --key …]
                                         sign readings from Modbus RTU meters on one RS-485 bus (docs/meters.md)
  feedin sim --sunspec <host:port> --unit <n> --id <meterId> --key <file>
                                         sign readings from a SunSpec inverter or meter over Modbus TCP (docs/meters.md)
  feedin sim --iec62056 <port> --id <meterId> --key <file>
                                         sign readings from a meter's IEC 62056-21 optical port, mode C (docs/meters.md)
  feedin ocmf verify --pubkey <key> <file|->
                                         verify a signed OCMF reading (exit 0 valid, 1 invalid, 2 unusable)
  feedin p1 parse <file|->               print a DSMR P1 telegram as JSON (exit 0 usable, 1 CRC wrong, 2 unparseable)
  feedin audit verify <bundle.json> [--rpc <url>]
                                         check a claim's audit bundle against the chain (exit 0/1)
  feedin audit batch <batchId>           rebuild a batch from stored signed readings, compare with the chain
  feedin audit meter <id> --from <time> --to <time> [--json]
                                         a meter's reading chain: gaps, rejections, caps, plausibility flags
  feedin payout show|withdraw --payee <address> | sweep
                                         withdraw what a payee is due (operator pays the gas)
  feedin report daily --date YYYY-MM-DD [--format csv|json]
                                         the regulator's daily report (exit 1 if it does not add up)
  feedin meter keygen [--out <file>]     make a device key (secp256k1), print its public key
  feedin meter register --id <id> --pubkey <hex> --payee <address> --capacity-w <W>
  feedin meter suspend --id <id> [--from <ISO time>] [--reason <text>]
  feedin meter token --id <id> --key <file> [--ttl <seconds>]
  feedin meter rotate-key --id <id> --pubkey <hex> [--from <ISO>] [--reason <text>]
  feedin meter revoke-key --id <id> [--from <ISO>] [--reason <text>]
  feedin regulator pause|resume|end-sandbox|freeze <batchId>|approve <batchId>|reject <batchId>|
                   suspend-meter <meterId> [--from <ISO>] --reason <text>
                                         regulator actions (reason hash on chain, audit log)
                                         print a JWT for MQTT login as that meter
  feedin bench [--quick] [--meters N] [--readings N] [--window N] [--no-acks] [--soak-minutes M] [--only verify,ingest,settlement,dashboard] [--out file]
                                         measure ingest, settlement and memory; print a table, write JSON

Times: --from/--to without an offset (2026-11-22T10:15) are read in the sandbox's time zone;
with Z or an offset (2026-11-22T10:15:00+07:00) as given. Human output is sandbox-local.
Language: Vietnamese or English, from FEEDIN_LANG=vi|en, else the sandbox's locale (JSON and
CSV output are the same in both).
Environment: FEEDIN_DATA_DIR, FEEDIN_CONFIG, FEEDIN_HTTP_PORT, FEEDIN_MQTT_PORT,
FEEDIN_CHAIN_PORT, FEEDIN_REGULATOR_TOKEN, FEEDIN_LANG. Docs: README.md and docs/.`;

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
  // Merkle roots and leaves hash with Keccak-256: WebAssembly when it loads (same bytes, ~4× faster).
  await enableWasmKeccak256();
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
