// A newcomer's path as a test (issue 11 items 16, 17 and "Done when"; README "Run the sandbox"),
// after the fresh clone → `npm install` → `npx feedin --help` of fresh-install.test.ts: `npm start`
// runs the default sandbox file unchanged (vi-VN, 60×), each role logs in in Chromium (the
// regulator by the link `npm start` prints, the operator and a household by the links of
// `npx feedin tokens`), the household verifies a payment in the browser and withdraws, the sandbox
// stops and starts again, and its clock resumes where it stopped. It runs in this checkout (so its
// `npm start` build is incremental) with its own data dir and free ports: a fresh `npm install` on
// the 2-core dev box under load took over 10 minutes, too slow to repeat here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../support/sandbox-process.js';

let env: NodeJS.ProcessEnv;
const clone = repoRoot;
const timings: Record<string, number> = {};

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  env = {
    ...process.env,
    FEEDIN_DATA_DIR: await mkdtemp(join(tmpdir(), 'feedin-newcomer-')),
    FEEDIN_HTTP_PORT: String(await freePort()),
    FEEDIN_MQTT_PORT: String(await freePort()),
    FEEDIN_MQTTS_PORT: String(await freePort()),
    FEEDIN_CHAIN_PORT: String(await freePort()),
  };
  for (const name of ['FEEDIN_CONFIG', 'FEEDIN_REGULATOR_TOKEN', 'FEEDIN_LANG']) delete env[name];
});

afterAll(async () => {
  await browser?.close();
  await up?.stop();
  console.log(`newcomer timings: ${JSON.stringify(timings)}`);
});

interface Running {
  output(): string;
  stop(): Promise<number | null>;
}
let up: Running | undefined;
let browser: Browser | undefined;
const SHOTS = join(repoRoot, 'test-results', 'screenshots', 'newcomer');

/** `command` in the clone as its own process group, so a stop reaches npm and the node it started. */
function startInClone(command: string, args: string[]): Running {
  const child: ChildProcess = spawn(command, args, { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      // What Ctrl-C in the terminal ends: `feedin up` itself (its pid is in runtime.json); npm or
      // npx then exits with its exit code. The whole group only if it does not end in time.
      process.kill(await runtimePid(), 'SIGTERM');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

const httpUrl = () => `http://127.0.0.1:${env.FEEDIN_HTTP_PORT}`;
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what} (${String(last ?? '')})\n${up?.output().slice(-3000) ?? ''}`);
}
const runtimePid = async () => (JSON.parse(await readFile(join(env.FEEDIN_DATA_DIR!, 'runtime.json'), 'utf8')) as { pid: number }).pid;
const sandboxNowMs = async () => Date.parse(((await (await fetch(`${httpUrl()}/api/health`)).json()) as { now: string }).now);

async function logIn(link: string, path: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(link);
  await page.waitForURL(`${httpUrl()}${path}`, { timeout: 20_000 });
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 30_000 });
  expect(page.url()).not.toContain('#token=');
  return page;
}

async function tokensLink(who: string): Promise<string> {
  const out = await run('npx', ['--no-install', 'feedin', 'tokens', who], clone);
  expect(out.code, out.stderr).toBe(0);
  return /(http:\/\/\S+#token=\S+)/.exec(out.stdout)![1]!;
}

describe('newcomer: npm start → log in as each role → verify and withdraw → stop → start', () => {
  it('npm start runs the default sandbox and prints the regulator link and where the others log in', async () => {
    const started = Date.now();
    up = startInClone('npm', ['start']);
    await waitFor('npm start: the sandbox fully up', async () => up!.output().includes('regulator login:') && (await runtimePid()) > 0, 240_000);
    timings.npmStartMs = Date.now() - started;
    expect(up.output()).toContain(`regulator login: ${httpUrl()}/#token=regulator-sandbox-token (sandbox test token)`);
    expect(up.output()).toContain('household logins: feedin tokens households');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    await mkdir(SHOTS, { recursive: true });
  }, 300_000);

  it('each role logs in: the regulator by the printed link, the operator and a household by feedin tokens', async () => {
    const regulatorLink = /regulator login: (\S+)/.exec(up!.output())![1]!;
    const regulator = await logIn(regulatorLink, '/regulator');
    expect(await regulator.locator('html').getAttribute('lang')).toBe('vi'); // the default sandbox is vi-VN
    await regulator.screenshot({ path: join(SHOTS, 'regulator.png'), fullPage: true });
    await regulator.context().close();
    const operator = await logIn(await tokensLink('operator'), '/operator');
    await operator.screenshot({ path: join(SHOTS, 'operator.png'), fullPage: true });
    await operator.context().close();
    const household = await logIn(await tokensLink('hh-01'), '/household');
    expect(await household.locator('#role-name').textContent()).toContain('Nguyễn Văn An');
    await household.context().close();
  }, 120_000);

  it('the household verifies a payment in the browser and withdraws it', async () => {
    const started = Date.now();
    const page = await logIn(await tokensLink('hh-01'), '/household');
    // A final batch with one of its claims: then Verify reads the chain and Withdraw pays.
    await waitFor(
      'something withdrawable for hh-01',
      async () => {
        if (await page.locator('#withdraw').isEnabled()) return true;
        await page.reload();
        await page.locator('body[data-loaded="true"]').waitFor({ timeout: 30_000 });
        return false;
      },
      240_000,
    );
    const verify = page.locator('#claims-table tbody tr button.verify').first();
    await verify.click();
    await expect.poll(() => page.locator('#audit-verdict').getAttribute('data-result'), { timeout: 60_000 }).toBe('passed');
    await page.locator('#withdraw').click();
    await page.locator('#confirm-dialog[open]').waitFor();
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => page.locator('#withdraw-status').textContent(), { timeout: 60_000 }).toMatch(/0x[0-9a-f]{6}…[0-9a-f]{6}/);
    await page.screenshot({ path: join(SHOTS, 'household-withdrawn.png'), fullPage: true });
    timings.verifyAndWithdrawMs = Date.now() - started;
    await page.context().close();
  }, 300_000);

  it('stop → start: the sandbox clock resumes where it stopped', async () => {
    const beforeStop = await sandboxNowMs();
    expect(await up!.stop()).toBe(0);
    const clock = JSON.parse(await readFile(join(env.FEEDIN_DATA_DIR!, 'clock.json'), 'utf8')) as { seenSandboxMs: number; stopped?: boolean };
    expect(clock.seenSandboxMs).toBeGreaterThanOrEqual(beforeStop);
    // A pause longer than a sandbox interval at 60×: without the resume it would skip sandbox time.
    await new Promise((r) => setTimeout(r, 20_000));
    const started = Date.now();
    up = startInClone('npx', ['--no-install', 'feedin', 'up']);
    await waitFor('feedin up again', async () => up!.output().includes('regulator login:'), 180_000);
    timings.restartMs = Date.now() - started;
    expect(up.output()).toContain(`resumed where it stopped, ${new Date(clock.seenSandboxMs).toISOString()}`);
    const now = await sandboxNowMs();
    // Only the time since this start has passed on the sandbox clock, not the 20 s stop (20 sandbox minutes).
    expect(now - clock.seenSandboxMs).toBeLessThan((Date.now() - started) * 60 + 60_000);
    expect(await up.stop()).toBe(0);
  }, 300_000);
});
