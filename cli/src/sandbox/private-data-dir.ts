// Stores, chain state, keys and logs in the data dir are the sandbox's secrets and evidence:
// files 0600 in folders 0700 (issue #10.11). The umask makes it so for everything `feedin up`
// and its children (anvil writes its own state file) create from here on, whatever each writer
// asks for; the walk tightens what an older sandbox left with wider modes.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export const PRIVATE_UMASK = 0o077;

/** Sets the process umask (the process's own, inherited by its children) and tightens `root`. */
export async function makeDataDirPrivate(root: string): Promise<void> {
  process.umask(PRIVATE_UMASK);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await tighten(root);
}

async function tighten(path: string): Promise<void> {
  const stat = await lstat(path);
  if (stat.isSymbolicLink()) return; // chmod would follow it out of the data dir
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) await chmod(path, 0o700);
    for (const entry of await readdir(path)) await tighten(join(path, entry));
  } else if ((stat.mode & 0o077) !== 0) await chmod(path, stat.mode & 0o700);
}
