// anvil rewrites its state file in place (same inode, truncate and write) once a second, so a
// kill -9 or a power cut in the middle leaves a torn file that anvil then refuses to load
// ("failed to parse json file"), and the sandbox would not start at all (#17). Each start keeps
// a whole copy of the file it is about to load; a torn file is replaced by that copy, and the
// transaction journal (kept since that same start) brings back what followed.
import { copyFile, open, readFile, rename, stat } from 'node:fs/promises';

export type StateFileCheck = 'none' | 'whole' | 'restored-from-copy' | 'set-aside';

export async function checkAnvilStateFile(stateFile: string, log: (line: string) => void): Promise<StateFileCheck> {
  const copy = `${stateFile}.good`;
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
  if (isWholeJson(text)) {
    await writeAtomic(copy, text);
    return 'whole';
  }
  const torn = `${stateFile}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(stateFile, torn);
  try {
    const kept = await stat(copy);
    await copyFile(copy, stateFile);
    log(`chain: RECOVERY: the state file was torn by a crash (kept as ${torn}); starting from the copy made at the previous start (${kept.mtime.toISOString()}); the transaction journal brings back what followed`);
    return 'restored-from-copy';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    log(`chain: RECOVERY: the state file was torn by a crash and there is no earlier copy: set aside as ${torn}; the chain starts anew`);
    return 'set-aside';
  }
}

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Write, fsync, rename: a crash leaves the old copy or the new one, never half of one. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
