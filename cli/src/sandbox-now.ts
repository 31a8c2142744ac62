// The sandbox clock as a one-shot command sees it: the anchor `feedin up` keeps in the data dir.
// Regulator and meter commands default their times to it (docs/design.md §Clocks: intervals follow
// the sandbox clock), never to wall time, which at 60× is hours away from the sandbox's now.
import { sandboxTimeMs, type ClockAnchor } from '@feedin/protocol/sandbox-time';
import { CliError } from './cli-error.js';
import { readJsonFile } from './data-dir.js';
import type { SandboxContext } from './sandbox-context.js';

export async function sandboxNowMs(ctx: SandboxContext, wallNowMs = Date.now()): Promise<number> {
  const anchor = await readJsonFile<ClockAnchor>(ctx.paths.clock);
  if (!anchor) throw new CliError(`no sandbox clock at ${ctx.paths.clock}: start the sandbox with 'feedin up' first (or set FEEDIN_DATA_DIR)`);
  return sandboxTimeMs(anchor, wallNowMs);
}
