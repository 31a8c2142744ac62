// Audits after a key rotation and a back-dated revocation, end to end (issue 10 items 5 and 7): the
// built `feedin up` with its real chain and broker, the meters run by `feedin sim` (a separate
// device process, so that its key file can be swapped), `feedin meter rotate-key` on a running
// meter, then `feedin audit verify`, the in-browser audit (real Chromium) and `feedin audit meter`
// on claims from before and after the rotation; then `feedin meter revoke-key --from` back-dated
// into the newer claim: its audits fail on `key-valid-at-tm` / `key-revoked`, the older claim still
// passes, and the regulator's status lists the pending batch that paid the revoked reading.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { cliPath, runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR = 'e2e-key-rotation-regulator';
const METER = 'HCM-0001';

let sandbox: SandboxProcess;
let browser: Browser;
let page: Page;
let workDir: string;
let device: ChildProcess | undefined;
let validFromMs: number;
let before: { batchId: string; bundle: any };
let after: { batchId: string; bundle: any };

/** the meters as their own device process (feedin sim), against the sandbox's broker */
function startDevices(): void {
  device = spawn(process.execPath, [cliPath, 'sim', '--meters', '2'], { env: sandbox.env, stdio: ['ignore', 'ignore', 'pipe'] });
}
async function stopDevices(): Promise<void> {
  const running = device;
  device = undefined;
  if (!running || running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise((ok) => running.once('exit', ok));
  running.kill('SIGTERM');
  await exited;
}
const timeOf = (ocmf: string): number => {
  const record = parseOcmf(ocmf);
  if (!record.ok) throw new Error(record.detail);
  const reading = readingFromRecord(record.value);
  if (!reading.ok) throw new Error(reading.detail);
  return reading.value.timestampMs;
};
/** the newest batch on chain with a claim of METER whose opening reading is at or after `fromMs` */
async function claimOnChain(fromMs: number): Promise<{ batchId: string; bundle: any } | undefined> {
  const batches = (await sandbox.api('/api/batches?limit=1000', REGULATOR)).body.batches as any[];
  for (const b of batches.filter((x) => x.status !== 'rejected' && x.status !== 'built' && /^0x[0-9a-f]{64}$/.test(x.txHash ?? ''))) {
    const { status, body } = await sandbox.api(`/api/batches/${b.batchId}/claims/${METER}/audit`, REGULATOR);
    if (status === 200 && timeOf(body.readings.opening) >= fromMs) return { batchId: String(b.batchId), bundle: body };
  }
  return undefined;
}
async function auditVerify(bundle: unknown): Promise<{ code: number | null; checks: Array<{ name: string; ok: boolean; detail: string }> }> {
  const file = join(workDir, `bundle-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(bundle));
  const result = await runCli(['audit', 'verify', file, '--json'], sandbox.env);
  return { code: result.code, checks: JSON.parse(result.stdout).checks };
}
const inBrowser = (bundle: unknown): Promise<{ ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> }> =>
  // a string, not a function: the test runner would rewrite a dynamic import() inside a function
  page.evaluate(`import('/assets/audit.js').then((m) => m.auditInBrowser(${JSON.stringify(bundle)}))`);
const failedChecks = (checks: Array<{ name: string; ok: boolean }>) => checks.filter((c) => !c.ok).map((c) => c.name);

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-keys-'));
  const configPath = await writeTestConfig(workDir, (config) => {
    config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
    config.simulation.enabled = false; // the devices run in their own process (startDevices)
    config.limits.challengeWindowSeconds = 900; // batches stay pending: the regulator could still reject them
    config.meters = config.meters.slice(0, 2);
  });
  sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR } });
  startDevices();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await browser.newPage();
  await page.goto(sandbox.httpUrl + '/');
}, 150_000);

afterAll(async () => {
  await stopDevices();
  await browser?.close();
  await sandbox?.stop();
});

describe('audits across a key rotation (embedded sandbox)', () => {
  it("rotates a running meter's key; claims from before and after both pass every audit", async () => {
    before = await sandbox.waitFor('a claim of the meter on chain', () => claimOnChain(0), 120_000);
    // rotate: the device gets a new key file, the registry the new key from its sandbox now
    await stopDevices();
    const keygen = await runCli(['meter', 'keygen', '--out', join(sandbox.dataDir, 'devices', METER, 'key'), '--force'], sandbox.env);
    expect(keygen.code, keygen.stderr).toBe(0);
    const rotate = await runCli(['meter', 'rotate-key', '--id', METER, '--pubkey', JSON.parse(keygen.stdout).publicKey, '--reason', 'e2e rotation'], sandbox.env);
    expect(rotate.code, rotate.stderr).toBe(0);
    validFromMs = Date.parse(JSON.parse(rotate.stdout).validFrom);
    startDevices();
    after = await sandbox.waitFor('a claim signed entirely with the new key on chain', () => claimOnChain(validFromMs), 120_000);
    expect(timeOf(before.bundle.readings.closing)).toBeLessThan(validFromMs);

    for (const claim of [before, after]) {
      const cli = await auditVerify(claim.bundle);
      expect({ batch: claim.batchId, code: cli.code, failed: failedChecks(cli.checks) }).toEqual({ batch: claim.batchId, code: 0, failed: [] });
      const browserAudit = await inBrowser(claim.bundle);
      expect({ batch: claim.batchId, ok: browserAudit.ok, failed: failedChecks(browserAudit.checks) }).toEqual({ batch: claim.batchId, ok: true, failed: [] });
    }
    const meter = await runCli(['audit', 'meter', METER, '--from', new Date(timeOf(before.bundle.readings.opening)).toISOString(), '--to', new Date(timeOf(after.bundle.readings.closing)).toISOString(), '--json'], sandbox.env);
    expect(meter.code, meter.stderr).toBe(0);
    const readings = JSON.parse(meter.stdout).readings as Array<{ timestampMs: number; signature: string }>;
    expect(readings.some((r) => r.timestampMs < validFromMs) && readings.some((r) => r.timestampMs >= validFromMs)).toBe(true);
    expect(new Set(readings.map((r) => r.signature))).toEqual(new Set(['valid']));
  }, 300_000);

  it('a revocation back-dated into the newer claim fails its audits with key-valid-at-tm and lists its batch for the regulator', async () => {
    const revokedFromMs = timeOf(after.bundle.readings.closing);
    const revoke = await runCli(['meter', 'revoke-key', '--id', METER, '--from', new Date(revokedFromMs).toISOString(), '--as', 'regulator', '--reason', 'e2e: key leaked'], sandbox.env);
    expect(revoke.code, revoke.stderr).toBe(0);

    const cli = await auditVerify(after.bundle);
    expect({ code: cli.code, failed: failedChecks(cli.checks) }).toEqual({ code: 1, failed: ['key-valid-at-tm'] });
    expect(cli.checks.find((c) => c.name === 'key-valid-at-tm')!.detail).toMatch(/^closing PG \d+: key-revoked: /);
    expect(failedChecks((await auditVerify(before.bundle)).checks)).toEqual([]);
    const browserAudit = await inBrowser(after.bundle);
    expect({ ok: browserAudit.ok, failed: failedChecks(browserAudit.checks) }).toEqual({ ok: false, failed: ['key-valid-at-tm'] });

    const meter = await runCli(['audit', 'meter', METER, '--from', new Date(validFromMs).toISOString(), '--to', new Date(revokedFromMs).toISOString(), '--json'], sandbox.env);
    expect(meter.code).toBe(1);
    const readings = JSON.parse(meter.stdout).readings as Array<{ timestampMs: number; signature: string }>;
    expect(readings.map((r) => [r.timestampMs >= revokedFromMs, r.signature])).toEqual(readings.map((r) => (r.timestampMs >= revokedFromMs ? [true, 'key-revoked'] : [false, 'valid'])));

    // the gateway follows the registry: the pending batch that paid the revoked reading is listed
    const listed = await sandbox.waitFor('the batch listed in the regulator status', async () => {
      const status = (await sandbox.api('/api/regulator/status', REGULATOR)).body;
      return (status.revokedKeyBatches as any[]).find((b) => b.batchId === after.batchId);
    }, 30_000);
    expect(listed.claims).toContainEqual({ meterId: METER, intervalStartMs: Number(after.bundle.claim.intervalStartSec) * 1000, reading: 'closing', pagination: expect.any(Number), timestampMs: revokedFromMs, revokedFromMs });
  }, 120_000);
});
