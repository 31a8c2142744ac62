// Append-only JSON-lines files — the transaction journal, the regulator's audit log, the chain
// recovery log, the operator's suspension reasons: several processes (`feedin up`, the one-shot
// CLI) may append to one file, so each append is one write(2) in O_APPEND mode (lines stay
// whole), fsynced before it resolves (durably recorded, then answered), files 0600. A crash
// mid-write leaves at most a torn last line without its newline, which reading skips. One place
// for that rule (issue #12).
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Appends `values` as one line each, in one write, and fsyncs; creates the folder if needed. */
export async function appendJsonLines(path: string, values: readonly unknown[]): Promise<void> {
  if (values.length === 0) return;
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.write(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every whole line's value in file order ([] when there is no file); blank lines are skipped. */
export async function readJsonLines<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline: empty, or a torn line
  return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as T);
}
