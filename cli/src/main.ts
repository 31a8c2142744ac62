#!/usr/bin/env node
// `feedin` — one entry point, one file per command under ./commands. Exit codes (docs/cli.md,
// command-line.ts): 0 success/valid, 1 a check failed/invalid/the chain refused, 2 unusable input or
// usage error, 3 chain or system resource unavailable, 4 internal error.
import { commandName, failureOf, helpFor, wantsHelp, type CommandHelp } from './command-line.js';

/** A command module: its handler and its `--help` (command-line.ts). Adding a command = one entry
 * here and a module under ./commands that exports both. */
interface Command {
  run(argv: string[]): Promise<number>;
  help: CommandHelp;
}

const commands: Record<string, () => Promise<Command>> = {
  up: () => import('./commands/up.js').then((m) => ({ run: m.up, help: m.help })),
  sim: () => import('./commands/sim.js').then((m) => ({ run: m.sim, help: m.help })),
  ocmf: () => import('./commands/ocmf.js').then((m) => ({ run: m.ocmf, help: m.help })),
  p1: () => import('./commands/p1.js').then((m) => ({ run: m.p1, help: m.help })),
  audit: () => import('./commands/audit.js').then((m) => ({ run: m.audit, help: m.help })),
  meter: () => import('./commands/meter.js').then((m) => ({ run: m.meter, help: m.help })),
  regulator: () => import('./commands/regulator.js').then((m) => ({ run: m.regulator, help: m.help })),
  payout: () => import('./commands/payout.js').then((m) => ({ run: m.payout, help: m.help })),
  report: () => import('./commands/report.js').then((m) => ({ run: m.report, help: m.help })),
  bench: () => import('./commands/bench.js').then((m) => ({ run: m.bench, help: m.help })),
  tokens: () => import('./commands/tokens.js').then((m) => ({ run: m.tokens, help: m.help })),
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
  feedin tokens [regulator|operator|households|<householdId>] [--json]
                                         where each role logs in (links for sandbox test tokens; never env/file secrets)
  feedin meter keygen [--out <file>]     make a device key (secp256k1), print its public key
  feedin meter register --id <id> --pubkey <hex> --payee <address> --capacity-w <W>
  feedin meter suspend --id <id> [--from <ISO time>] [--reason <text>]
  feedin meter token --id <id> --key <file> [--ttl <seconds>]
                                         print a JWT for MQTT login as that meter
  feedin meter rotate-key --id <id> --pubkey <hex> [--from <ISO>] [--reason <text>]
  feedin meter revoke-key --id <id> [--from <ISO>] [--reason <text>]
  feedin regulator pause|resume|end-sandbox|freeze <batchId>|approve <batchId>|reject <batchId>|
                   suspend-meter <meterId> [--from <ISO>] --reason <text>
                                         regulator actions (reason hash on chain, audit log)
  feedin bench [--quick] [--meters N] [--readings N] [--window N] [--no-acks] [--soak-minutes M] [--only verify,ingest,settlement,registry,dashboard] [--registry-meters N] [--out file] [--mosquitto path]
                                         measure ingest, durability, settlement, registry and memory; print a table, write JSON

'feedin <command> --help' shows a command's options. Exit codes: 0 success, 1 a check failed or
the chain refused, 2 usage error or unusable input, 3 chain or system resource unavailable, 4 internal error.

Times: --from/--to without an offset (2026-11-22T10:15) are read in the sandbox's time zone;
with Z or an offset (2026-11-22T10:15:00+07:00) as given. Human output is sandbox-local.
Language: Vietnamese or English, from FEEDIN_LANG=vi|en, else the sandbox's locale (JSON and
CSV output are the same in both).
Environment: FEEDIN_DATA_DIR, FEEDIN_CONFIG, FEEDIN_HTTP_PORT, FEEDIN_MQTT_PORT,
FEEDIN_MQTTS_PORT, FEEDIN_CHAIN_PORT, FEEDIN_REGULATOR_TOKEN, FEEDIN_LANG. Docs: README.md and docs/.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? console.log : console.error)(usage);
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    console.error(`feedin: unknown command '${name}' (see 'feedin --help')`);
    return 2;
  }
  const command = await load();
  if (wantsHelp(rest)) {
    console.log(helpFor(command.help, rest));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // Every failure is one line with its exit code (docs/cli.md); the stack only on request.
    const failure = failureOf(error, commandName(name, rest, command.help));
    console.error(failure.line);
    if (failure.stack && process.env.FEEDIN_DEBUG) console.error(failure.stack);
    return failure.exitCode;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only a failure to load a command module lands here.
    console.error(failureOf(error, 'feedin').line);
    process.exitCode = 4;
  },
);
