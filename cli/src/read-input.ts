import { readFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

/** Reads a file argument, or standard input for `-`. */
export async function readInput(arg: string | undefined, what: string): Promise<string> {
  if (!arg) throw new CliError(`missing ${what} (a file, or - for standard input)`);
  if (arg === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(arg, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${what} ${arg}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
