// Where a sandbox file comes from (argument, FEEDIN_CONFIG, or the default sandbox shipped here),
// reading it, and the CLI's rendering of its issues.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigIssue } from './config-error.js';
import { parseConfigText, type LoadConfigResult } from './parse-config-text.js';

export type { LoadConfigResult } from './parse-config-text.js';
export type { ConfigIssue } from './config-error.js';

export interface LoadConfigParameters {
  path?: string;
  env?: NodeJS.ProcessEnv;
}

/** The Ho Chi Minh City pilot that `npm start` runs (src/ and dist/ both sit one level below it). */
export function defaultConfigPath(): string {
  return fileURLToPath(new URL('../default.sandbox.yaml', import.meta.url));
}

/** Reads and validates a sandbox file. Bad files, missing files included, give `ok: false` with
 * every issue; this never throws. */
export function loadConfig({ path, env = process.env }: LoadConfigParameters = {}): LoadConfigResult {
  const file = resolve(path ?? (env.FEEDIN_CONFIG || defaultConfigPath()));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (error as Error).message;
    return { ok: false, path: file, errors: [{ path: '', message: `cannot read the sandbox file: ${message}` }] };
  }
  return parseConfigText(text, { path: file });
}

/** For people: a header line, then one issue per line as `file:line:column: path: message`
 * (the form editors and terminals turn into links). */
export function formatConfigIssues(path: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const where = i.line !== undefined ? `${path}:${i.line}:${i.column ?? 1}` : path;
    return `  ${where}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
  });
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [`invalid sandbox config ${path} (${count}):`, ...lines].join('\n');
}
