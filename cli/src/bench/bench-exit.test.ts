// `feedin bench` exits on its own once it has written its results (issue 11 item 20), also when the
// dashboard row cannot run: without Chromium the row is "skipped" with how to install it, and the
// process ends instead of keeping the benchmark's dashboard server listening. Over the built CLI.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const cli = resolve(import.meta.dirname, '..', '..', 'dist', 'main.js');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedin-bench-exit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI and waits for it to exit by itself, killing it (and failing) after `boundMs`. */
function runToExit(args: string[], boundMs: number): Promise<{ code: number | null; stdout: string; stderr: string; exitedAlone: boolean }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let exitedAlone = true;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      exitedAlone = false;
      child.kill('SIGKILL');
    }, boundMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, exitedAlone });
    });
  });
}

const rowsOf = async (file: string) => (JSON.parse(await readFile(file, 'utf8')) as { rows: Array<{ area: string; measure: string; value: string; met: boolean | null }> }).rows;

it('without Chromium: marks the dashboard row skipped, says how to install it, and exits by itself', async () => {
  const out = join(dir, 'no-browser.json');
  const run = await runToExit(['bench', '--quick', '--only', 'dashboard', '--chromium', '/nonexistent/chromium', '--out', out], 60_000);
  expect({ exitedAlone: run.exitedAlone, code: run.code }, run.stderr).toEqual({ exitedAlone: true, code: 0 });
  expect(run.stderr).toContain('bench: dashboard: skipped: no Chromium at /nonexistent/chromium: install it (Debian/Ubuntu: apt-get install chromium) or pass its path with --chromium <path>');
  expect(await rowsOf(out)).toEqual([{ area: 'dashboard', measure: 'first render, 1,000 meters', value: 'skipped (no Chromium)', target: '< 1,000 ms', met: null }]);
  expect(run.stdout).toMatch(/\| dashboard \| first render, 1,000 meters \| skipped \(no Chromium\) \|/);
}, 70_000);

it('with Chromium: measures the first render and exits by itself', async () => {
  const out = join(dir, 'browser.json');
  const run = await runToExit(['bench', '--quick', '--only', 'dashboard', '--out', out], 60_000);
  expect({ exitedAlone: run.exitedAlone, code: run.code }, run.stderr).toEqual({ exitedAlone: true, code: 0 });
  expect((await rowsOf(out)).map((r) => r.measure)).toEqual(['first render, regulator page, 1,000 meters', 'page weight']);
}, 70_000);

it('without mosquitto: marks the MQTT peer rows skipped, says how to install it, measures the rest and exits by itself', async () => {
  const out = join(dir, 'no-mosquitto.json');
  const run = await runToExit(['bench', '--quick', '--only', 'ingest', '--meters', '20', '--mosquitto', '/nonexistent/mosquitto', '--out', out], 120_000);
  expect({ exitedAlone: run.exitedAlone, code: run.code }, run.stderr).toEqual({ exitedAlone: true, code: 0 });
  expect(run.stderr).toContain('bench: ingest: peer skipped: no mosquitto at /nonexistent/mosquitto: install it (Debian/Ubuntu: apt-get install mosquitto) or pass its path with --mosquitto <path>');
  const rows = await rowsOf(out);
  expect(rows.find((r) => r.measure.startsWith('floor:'))).toMatchObject({ value: 'skipped (no mosquitto: apt-get install mosquitto)', met: null });
  expect(rows.find((r) => r.measure === 'every reading accepted and stored')?.met).toBe(true);
}, 130_000);
