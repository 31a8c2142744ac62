// A `feedin up` that died by kill -9 (or a power cut) leaves its anvil child running: it holds the
// chain port and keeps dumping the state file. The next start finds it by the pid file it wrote and
// ends it — SIGTERM first, so that anvil dumps its state — before starting its own.
import { readFile, rm, writeFile } from 'node:fs/promises';

/** The command line of a live process, or undefined (gone, or not Linux /proc). */
async function commandLine(pid: number): Promise<string | undefined> {
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return '';
  }
}

async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Ends the process in `pidFile` if it is still alive and its command line contains `marker`
 * (a recycled pid that now belongs to something else is left alone). Returns the pid it ended. */
export async function endStaleProcess(pidFile: string, marker: string, timeoutMs = 10_000): Promise<number | undefined> {
  const pid = await readPid(pidFile);
  if (pid === undefined) return undefined;
  const cmd = await commandLine(pid);
  if (cmd === undefined || !cmd.includes(marker)) {
    await rm(pidFile, { force: true });
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while ((await commandLine(pid)) !== undefined) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await rm(pidFile, { force: true });
  return pid;
}

/** Whether `pid` is another live process whose command line contains `marker`. */
export async function isLiveProcess(pid: number, marker: string): Promise<boolean> {
  if (pid === process.pid) return false;
  const cmd = await commandLine(pid);
  return cmd !== undefined && cmd.includes(marker);
}

export const writePidFile = (pidFile: string, pid: number) => writeFile(pidFile, `${pid}\n`);
