// A newcomer's first two commands (issue 11 item 18, README "Run the sandbox"): on a fresh copy of
// the repository (the tracked files only: no node_modules, no dist), `npm install` finishes without
// install-script warnings of our own making and links the `feedin` bin, so `npx feedin --help`
// works right away. Uses the real npm against the registry (with its cache: --prefer-offline).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/sandbox-process.js';

const exec = promisify(execFile);
let clone: string;
let install: { code: number | null; output: string };

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, FEEDIN_DATA_DIR: join(cwd, '.feedin') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  clone = await mkdtemp(join(tmpdir(), 'feedin-fresh-'));
  // What a clone holds: the tracked files of this working tree.
  await exec('bash', ['-c', `git ls-files -z | tar --null -T - -cf - | tar -xf - -C '${clone}'`], { cwd: repoRoot, maxBuffer: 1 << 26 });
  const result = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], clone);
  install = { code: result.code, output: result.stdout + result.stderr };
}, 600_000);

afterAll(async () => {
  if (clone) await rm(clone, { recursive: true, force: true });
});

describe('fresh clone → npm install → npx feedin', () => {
  it('installs without install-script warnings and links the feedin bin to the committed shim', async () => {
    expect(install.code, install.output.slice(-3000)).toBe(0);
    expect(install.output).not.toMatch(/install-scripts|npm warn/i);
    expect(await readlink(join(clone, 'node_modules', '.bin', 'feedin'))).toBe('../feedin/bin/feedin.js');
  });

  it('npx feedin --help works right after the install', async () => {
    const help = await run('npx', ['--no-install', 'feedin', '--help'], clone);
    expect({ code: help.code, stderr: help.stderr }).toEqual({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^feedin — feed-in micropayment sandbox/);
  });

  it('says what to run when the CLI is not built, instead of a missing-module stack trace', async () => {
    await rm(join(clone, 'cli', 'dist'), { recursive: true, force: true });
    const unbuilt = await run('npx', ['--no-install', 'feedin', '--help'], clone);
    expect({ code: unbuilt.code, stdout: unbuilt.stdout, stderr: unbuilt.stderr.trim() }).toEqual({
      code: 2,
      stdout: '',
      stderr: "feedin: the CLI is not built yet (cli/dist/main.js is missing): run 'npm run build' at the repository root",
    });
  });
});
