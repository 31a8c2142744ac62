// feedin up — the whole sandbox in one process, until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import type { CommandHelp } from '../command-line.js';
import { sandboxContext } from '../sandbox-context.js';
import { startSandbox } from '../sandbox/start-sandbox.js';

export const help: CommandHelp = {
  usage: `usage: feedin up

Runs the whole sandbox in this process until Ctrl-C: anvil with the contracts, the gateway with its
MQTT broker and store, the simulated fleet and the dashboard. A later 'feedin up' resumes.
Environment: FEEDIN_DATA_DIR (./.feedin), FEEDIN_CONFIG, FEEDIN_HTTP_PORT, FEEDIN_MQTT_PORT,
FEEDIN_CHAIN_PORT, FEEDIN_REGULATOR_TOKEN (docs/cli.md).`,
};

export async function up(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {} });
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const ctx = await sandboxContext();
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
