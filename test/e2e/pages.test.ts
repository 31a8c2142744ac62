// The three role pages in a real Chromium against the real sandbox (`feedin up`: anvil, broker,
// fleet, gateway, dashboard): each loads real data and receives a live update over SSE; the
// household's in-browser audit passes every check for a real claim (keys and root read from
// anvil by the browser itself) and fails for a tampered bundle served in its place.
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const SCREENSHOTS = join(repoRoot, 'test-results', 'screenshots');
const REGULATOR_TOKEN = 'e2e-pages-regulator-token';
const OPERATOR_TOKEN = 'operator-sandbox-token';
const HOUSEHOLD_TOKEN = 'household-hh-01-sandbox-token';
const HOUSEHOLD_METER = 'HCM-0001';

let sandbox: SandboxProcess;
let browser: Browser;
let tamperServer: Server;
let tamperUrl: string;
let tamperedBundle: unknown;

beforeAll(async () => {
  const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-pages-'));
  const configPath = await writeTestConfig(workDir, (config) => {
    config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
    config.limits.challengeWindowSeconds = 3;
    config.meters = config.meters.slice(0, 4);
  });
  sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // The "gateway that lies": serves whatever tampered bundle the test sets.
  tamperServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tamperedBundle)));
  await new Promise<void>((ok) => tamperServer.listen(0, '127.0.0.1', ok));
  tamperUrl = `http://127.0.0.1:${(tamperServer.address() as { port: number }).port}/bundle.json`;
  await mkdir(SCREENSHOTS, { recursive: true });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => tamperServer?.close(ok));
  await sandbox?.stop();
});

async function open(token: string, path: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} ${m.location().url}`);
  });
  await page.goto(`${sandbox.httpUrl}/#token=${token}`);
  await page.waitForURL(`${sandbox.httpUrl}${path}`, { timeout: 15_000 });
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 30_000 });
  expect(await page.content()).not.toContain(token);
  expect(page.url()).not.toContain(token);
  return { page, problems };
}

/** A claim of the household's meter in a batch that is on chain (the audit reads its root there). */
async function claimOnChain(): Promise<{ batchId: string }> {
  return sandbox.waitFor(
    'a batch on chain with a claim of the household meter',
    async () => {
      const { body } = await sandbox.api('/api/batches', REGULATOR_TOKEN);
      for (const b of body.batches ?? []) {
        if (!b.txHash || !['pending', 'final', 'approved'].includes(b.status)) continue;
        const { body: detail } = await sandbox.api(`/api/batches/${b.batchId}`, HOUSEHOLD_TOKEN);
        if (detail.claims?.some((c: any) => c.meterId === HOUSEHOLD_METER)) return { batchId: b.batchId };
      }
      return undefined;
    },
    120_000,
  );
}

describe('role pages against the real sandbox', () => {
  it('regulator: status, batches, meters; a live reading arrives', async () => {
    await claimOnChain();
    const { page, problems } = await open(REGULATOR_TOKEN, '/regulator');
    await expect.poll(() => page.locator('#meters-table tbody tr[data-meter-id]').count()).toBe(4);
    expect(await page.locator('#batches-table tbody tr[data-batch-id]').count()).toBeGreaterThan(0);
    // The default sandbox is vi-VN: the pages read Vietnamese until someone switches.
    await expect.poll(() => page.locator('#sandbox-state').textContent()).toBe('đang chạy');
    expect(await page.locator('#time-zone').textContent()).toBe('Asia/Ho_Chi_Minh (GMT+7)');
    expect(await page.locator('#meters-table tbody tr[data-meter-id="HCM-0001"] td').nth(1).textContent()).toBe('Nguyễn Văn An — Quận 7');
    expect(await page.locator('#report-link').getAttribute('href')).toBe('/report.html');
    await page.locator('#feed-table tbody tr[data-meter-id^="HCM-"]').first().waitFor({ timeout: 30_000 });
    await page.locator('#batch-chart canvas').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'regulator-e2e.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('operator: health, escrow, meters; a live reading arrives', async () => {
    const { page, problems } = await open(OPERATOR_TOKEN, '/operator');
    expect(await page.locator('#health-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.component))).toEqual(['broker', 'store', 'chain']);
    await expect.poll(() => page.locator('#meters-table tbody tr[data-meter-id]').count()).toBe(4);
    await expect.poll(() => page.locator('#cover').textContent()).toBe('đủ chi trả');
    await expect.poll(async () => Number(await page.locator('#live-count').textContent()), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#rate').textContent(), { timeout: 20_000 }).toMatch(/^[\d.]+,\d$/); // vi-VN: decimal comma
    await page.screenshot({ path: join(SCREENSHOTS, 'operator-e2e.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('household: own meter only, earnings, live reading; verify passes for a real claim and fails for a tampered one', async () => {
    const { batchId } = await claimOnChain();
    const { page, problems } = await open(HOUSEHOLD_TOKEN, '/household');
    expect(await page.locator('#meters-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.meterId))).toEqual([HOUSEHOLD_METER]);
    await page.waitForFunction(() => (document.body.dataset.lastEvent ?? '').startsWith('reading.accepted:HCM-0001:'), undefined, { timeout: 30_000 });
    const row = page.locator(`#claims-table tbody tr[data-batch-id="${batchId}"][data-meter-id="${HOUSEHOLD_METER}"]`);
    await row.waitFor({ timeout: 30_000 });

    // Keyboard: focus Verify and press Enter.
    await row.locator('button.verify').focus();
    await page.keyboard.press('Enter');
    await page.locator('#audit-verdict[data-result]').waitFor({ timeout: 30_000 });
    const checks = await page.locator('#audit-table tbody tr').evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.check, (r as HTMLElement).dataset.ok]));
    expect(checks.filter(([, ok]) => ok !== 'true'), JSON.stringify(checks)).toEqual([]);
    expect(checks.map(([name]) => name)).toEqual(expect.arrayContaining(['chain-id', 'registry-key', 'opening-signature', 'closing-signature', 'amount-arithmetic', 'merkle-proof', 'root-on-chain']));
    expect(await page.locator('#audit-verdict').getAttribute('data-result')).toBe('passed');
    await page.screenshot({ path: join(SCREENSHOTS, 'household-e2e.png'), fullPage: true });

    // A lying gateway: the real bundle with one more unit of money, served by the test server.
    const real = (await sandbox.api(`/api/batches/${batchId}/claims/${HOUSEHOLD_METER}/audit`, HOUSEHOLD_TOKEN)).body;
    tamperedBundle = { ...real, claim: { ...real.claim, amount: String(BigInt(real.claim.amount) + 1n) } };
    await page.route(`**/api/batches/${batchId}/claims/${HOUSEHOLD_METER}/audit`, async (route) => route.fulfill({ response: await route.fetch({ url: tamperUrl }) }));
    await row.locator('button.verify').click();
    await expect.poll(() => page.locator('#audit-verdict').getAttribute('data-result'), { timeout: 30_000 }).toBe('failed');
    expect(await page.locator('#audit-table tbody tr[data-check="amount-arithmetic"]').getAttribute('data-ok')).toBe('false');
    expect(await page.locator('#audit-table tbody tr[data-check="registry-key"]').getAttribute('data-ok')).toBe('true');
    await page.screenshot({ path: join(SCREENSHOTS, 'household-tampered-e2e.png'), fullPage: true });

    // Narrow and print: readable at 360 px, controls hidden in print.
    await page.setViewportSize({ width: 360, height: 800 });
    // the charts follow the width from a ResizeObserver, a frame or more after the resize
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5_000 }).toBeLessThanOrEqual(360);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#withdraw').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 240_000);

  it("the API keeps household A out of household B's data", async () => {
    const B_METER = 'HCM-0002';
    const { batchId } = await claimOnChain();
    const meters = await sandbox.api('/api/meters', HOUSEHOLD_TOKEN);
    expect(meters.body.meters.map((m: any) => m.meterId)).toEqual([HOUSEHOLD_METER]);
    const bPayee = (await sandbox.api('/api/meters', REGULATOR_TOKEN)).body.meters.find((m: any) => m.meterId === B_METER).payee;
    for (const path of [`/api/meters/${B_METER}/readings`, `/api/batches/${batchId}/claims/${B_METER}/audit`, `/api/payouts/${bPayee}`, `/api/rejections?meterId=${B_METER}`, '/api/status']) {
      expect((await sandbox.api(path)).status, path).toBe(401);
      expect((await sandbox.api(path, HOUSEHOLD_TOKEN)).status, path).toBe(403);
    }
    const detail = await sandbox.api(`/api/batches/${batchId}`, HOUSEHOLD_TOKEN);
    expect(detail.body.claims.map((c: any) => c.meterId)).toEqual([HOUSEHOLD_METER]);
  }, 120_000);
});
