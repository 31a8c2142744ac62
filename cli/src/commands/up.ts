// feedin up — the whole sandbox in one process, until SIGINT/SIGTERM.
import { sandboxContext } from '../sandbox-context.js';
import { startSandbox } from '../sandbox/start-sandbox.js';

export async function up(_argv: string[]): Promise<number> {
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
