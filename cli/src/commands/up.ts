// feedin up — the whole sandbox in one process, until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { sandboxContext } from '../sandbox-context.js';
import { CliError } from '../cli-error.js';
import { EXIT, type CommandHelp } from '../command-line.js';
import { startSandbox } from '../sandbox/start-sandbox.js';

export const help: CommandHelp = {
  usage: `usage: feedin up [--durability sqlite|jetstream]

Runs the whole sandbox in this process until Ctrl-C: anvil with the contracts, the gateway with its
MQTT broker and store, the simulated fleet and the dashboard. A later 'feedin up' resumes.
--durability jetstream: a reading is PUBACKed only once a 3-replica NATS JetStream stream holds it
(3 nats-server nodes on loopback under the data dir, or durability.servers); a second 'feedin up'
for the same shard waits as standby and takes over when the active one dies (docs/durability.md).
Environment: FEEDIN_DATA_DIR (./.feedin), FEEDIN_CONFIG, FEEDIN_HTTP_PORT, FEEDIN_MQTT_PORT,
FEEDIN_CHAIN_PORT, FEEDIN_REGULATOR_TOKEN (docs/cli.md).`,
};

export async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { durability: { type: 'string' } } });
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const ctx = await sandboxContext();
  if (values.durability !== undefined) {
    if (values.durability !== 'sqlite' && values.durability !== 'jetstream') throw new CliError(`--durability ${values.durability}: one of sqlite, jetstream`, EXIT.usage);
    ctx.config.durability.mode = values.durability;
  }
  log(`sandbox: ${ctx.config.sandbox.name} (${ctx.configPath}), data in ${ctx.paths.root}`);
  const sandbox = await startSandbox(ctx, process.env, log);
  log(`dashboard: ${sandbox.httpUrl}`);
  for (const line of sandbox.loginLines) log(line);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping…');
  await sandbox.stop();
  log('stopped');
  return 0;
}
