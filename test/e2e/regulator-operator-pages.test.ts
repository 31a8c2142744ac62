// The regulator's and the operator's pages in a real Chromium against one real sandbox (`feedin
// up`: anvil, broker, fleet, gateway, dashboard), issue #11 items 10–12, 14, 15: the money verdict
// and today's figures at a glance, anomalies without caps, the night folded, actions that change
// their row at once with errors beside the button, a suspended meter cut off and its retries
// counted, a meter registered for a household in kW. Both languages, 1280 and 390 px wide, with
// screenshots under test-results/screenshots/{regulator,operator}/.
import { mkdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const SHOTS = join(repoRoot, 'test-results', 'screenshots');
const REGULATOR = 'regulator-sandbox-token';
const OPERATOR = 'operator-sandbox-token';
const WIDTHS = [1280, 390] as const;
const LANGUAGES = ['vi', 'en'] as const;

let sandbox: SandboxProcess;
let browser: Browser;

beforeAll(async () => {
  const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-reg-op-'));
  const configPath = await writeTestConfig(workDir, (config) => {
    config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
    config.limits.challengeWindowSeconds = 600; // batches stay pending: the regulator can freeze them
    config.meters = config.meters.slice(0, 4);
  });
  sandbox = await startSandbox({ configPath });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await mkdir(join(SHOTS, 'regulator'), { recursive: true });
  await mkdir(join(SHOTS, 'operator'), { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

async function open(token: string, path: string, { language = 'en', width = 1280 }: { language?: string; width?: number } = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  // The language switch remembers its choice here (dashboard/public/assets/i18n.js).
  await context.addInitScript((lang) => localStorage.setItem('feedin.language', lang), language);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} ${m.location().url}`);
  });
  await page.goto(`${sandbox.httpUrl}/#token=${token}`);
  await page.waitForURL(`${sandbox.httpUrl}${path}`, { timeout: 30_000 });
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 60_000 });
  return { page, problems };
}

/** At 390 px the page itself never scrolls sideways (tables scroll inside their box). */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
}

/** An open dialog lies wholly inside the viewport (no cut-off dialog at 390 px). */
async function expectDialogInside(page: Page, width: number): Promise<void> {
  const box = (await page.locator('#confirm-dialog[open]').boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(width);
  expect(box.height).toBeLessThanOrEqual(900);
}

async function confirmWith(page: Page, reason: string | undefined): Promise<void> {
  await page.locator('#confirm-dialog[open]').waitFor();
  if (reason !== undefined) await page.locator('#confirm-reason').fill(reason);
  await page.locator('#confirm-dialog button[value="confirm"]').click();
}

const metric = async (name: string): Promise<number> => {
  const text = await fetch(`${sandbox.httpUrl}/metrics`, { headers: { authorization: `Bearer ${OPERATOR}` } }).then((r) => r.text());
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0);
};

describe('regulator page at a glance (item 10)', () => {
  it('shows the money verdict with its three figures, today, who is active and anomaly counts that link to their lists', async () => {
    // Some claims on chain first, so the figures are not all zero.
    await sandbox.waitFor('a submitted batch with claims', async () => {
      const { body } = await sandbox.api('/api/batches', REGULATOR);
      return body.batches?.some((b: any) => b.txHash && b.claimCount > 0);
    });
    const { page, problems } = await open(REGULATOR, '/regulator');
    await expect.poll(() => page.locator('#money-verdict').getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
    expect(await page.locator('#money-verdict').getAttribute('class')).toBe('verdict ok');
    expect(await page.locator('#money-verdict').textContent()).toMatch(/^✓ The money adds up: Σ claims = totals on chain = withdrawn \+ outstanding \(batches 1–\d+\)\.$/);
    const claims = await page.locator('#g-claims').textContent();
    expect(claims).toMatch(/^₫[\d,]+$/);
    expect(await page.locator('#g-chain').textContent()).toBe(claims);
    expect(await page.locator('#g-paid').textContent()).toBe(`₫0 + ${claims}`);
    // The same figures as the API's summary, which is the daily report of today.
    const { body: summary } = await sandbox.api('/api/summary', REGULATOR);
    expect(summary.money.ok).toBe(true);
    expect(summary.money.sumOfClaims).toBe(summary.money.committedOnChain);
    expect(await page.locator('#g-exported').textContent()).toMatch(/^[\d,]+\.\d{3} kWh$/);
    expect(await page.locator('#g-capped').textContent()).toMatch(/^[\d,]+\.\d{3} kWh \((—|[\d.]+%)\), \d+ claims?$/);
    expect(await page.locator('#g-households').textContent()).toBe('4 of 20');
    expect(await page.locator('#g-meters').textContent()).toMatch(/^4 of 4 \([0-4] connected\)$/);
    // Anomalies are counts that link to their lists.
    expect(await page.locator('#g-gaps').getAttribute('href')).toBe('#h-attention');
    expect(await page.locator('#g-rejections').getAttribute('href')).toBe('#h-rejections');
    expect(await page.locator('#g-plausibility').textContent()).toBe('0 implausible exports (plausibility rule)');
    expect(await page.locator('#g-silent').getAttribute('href')).toBe('#h-attention');
    await page.locator('#g-rejections').click();
    expect(new URL(page.url()).hash).toBe('#h-rejections');
    // The glance is the first section of the page.
    expect(await page.locator('main > section').first().getAttribute('id')).toBe('glance');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('lists anomalies only: the caps that cut claims are a column of the meters table (item 11)', async () => {
    const { page, problems } = await open(REGULATOR, '/regulator');
    expect(await page.locator('#h-attention').textContent()).toBe('Anomalies');
    expect(await page.locator('#attention-table thead th').allTextContents()).toEqual(['Meter', 'Household', 'Rejections', 'Reasons', 'Gaps', 'Missing readings', 'Silent since']);
    expect(await page.locator('#meters-table thead th').allTextContents()).toContain('Capped (last 5 batches)');
    // A meter that only had claims capped is not in the anomalies list.
    const anomalous = await page.locator('#attention-table tbody tr[data-meter-id]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.meterId));
    const { body: rejections } = await sandbox.api('/api/rejections', REGULATOR);
    const { body: summary } = await sandbox.api('/api/summary', REGULATOR);
    const expected = new Set([...rejections.rejections.map((r: any) => r.meterId), ...summary.anomalies.gapsByMeter.map((g: any) => g.meterId), ...summary.anomalies.silent.map((m: any) => m.meterId)]);
    expect(new Set(anomalous)).toEqual(expected);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('regulator actions show their result at once (item 12)', () => {
  it('freeze → frozen with Approve/Reject, approve → approved, reject → rejected, without a reload', async () => {
    const { page, problems } = await open(REGULATOR, '/regulator');
    const pendingAfter = (after: number) =>
      sandbox.waitFor(`a pending batch after #${after} on the page`, async () => {
        const ids = await page.locator('#batches-table tbody tr[data-status="pending"]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.batchId));
        return ids.find((id) => Number(id) > after);
      });
    const rowOf = (id: string) => page.locator(`#batches-table tbody tr[data-batch-id="${id}"]:not([data-status="rejected"])`);
    const first = (await pendingAfter(0))!;
    // Only allowed actions: a pending batch offers Freeze alone (Reject only once frozen).
    expect(await rowOf(first).locator('span.actions button').allTextContents()).toEqual(['Freeze']);
    await rowOf(first).locator('span.actions button', { hasText: 'Freeze' }).click();
    await confirmWith(page, 'e2e: look closer');
    // No reload: the row changes from the action's answer (then the event stream confirms it).
    await expect.poll(() => rowOf(first).getAttribute('data-status'), { timeout: 30_000 }).toBe('frozen');
    expect(await rowOf(first).locator('span.actions button').allTextContents()).toEqual(['Approve', 'Reject']);
    await page.screenshot({ path: join(SHOTS, 'regulator', 'after-freeze-en-1280.png'), fullPage: true, timeout: 60_000 });
    await rowOf(first).locator('span.actions button', { hasText: 'Approve' }).click();
    await confirmWith(page, 'e2e: fine after all');
    await expect.poll(async () => ['approved', 'final'].includes((await rowOf(first).getAttribute('data-status')) ?? ''), { timeout: 30_000 }).toBe(true);
    expect(await rowOf(first).locator('span.actions button').count()).toBe(0);

    // Freeze and reject a later one: it (and every later pending batch) shows rejected at once.
    const second = (await pendingAfter(Number(first)))!;
    await rowOf(second).locator('span.actions button', { hasText: 'Freeze' }).click();
    await confirmWith(page, 'e2e: second look');
    await expect.poll(() => rowOf(second).getAttribute('data-status'), { timeout: 30_000 }).toBe('frozen');
    await rowOf(second).locator('span.actions button', { hasText: 'Reject' }).click();
    await confirmWith(page, 'e2e: tampered');
    await page.locator(`#batches-table tbody tr[data-batch-id="${second}"][data-status="rejected"]`).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'regulator', 'after-reject-en-1280.png'), fullPage: true, timeout: 60_000 });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('pause flips to Resume at once', async () => {
    const { page, problems } = await open(REGULATOR, '/regulator');
    await page.locator('#pause-control button').click();
    await confirmWith(page, 'e2e: pause');
    await expect.poll(() => page.locator('#pause-control button').textContent(), { timeout: 30_000 }).toBe('Resume');
    expect(await page.locator('#sandbox-state').textContent()).toBe('paused');
    await page.locator('#pause-control button').click();
    await confirmWith(page, 'e2e: resume');
    await expect.poll(() => page.locator('#pause-control button').textContent(), { timeout: 30_000 }).toBe('Pause');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('suspending a meter (items 12, 14)', () => {
  it('changes the row at once, disconnects the meter, and counts its refused logins instead of logging each', async () => {
    const meterId = 'HCM-0004';
    const { page, problems } = await open(REGULATOR, '/regulator');
    const meterRow = page.locator(`#meters-table tbody tr[data-meter-id="${meterId}"]`);
    await expect.poll(() => meterRow.locator('td').nth(3).textContent(), { timeout: 20_000 }).toBe('yes');
    const refusedBefore = await metric('feedin_mqtt_connections_refused_total{reason="meter-suspended"}');
    await meterRow.locator('button', { hasText: 'Suspend' }).click();
    await confirmWith(page, 'e2e: seal broken');
    // At once: suspended, and Suspend is no longer offered.
    await expect.poll(() => meterRow.locator('td').last().textContent(), { timeout: 30_000 }).toBe('suspended');
    expect(await meterRow.locator('button').count()).toBe(0);
    // The broker cuts it off (the event stream says so) ...
    await expect.poll(() => meterRow.locator('td').nth(3).textContent(), { timeout: 15_000 }).toBe('no');
    // ... and refuses its retries: counted, with one log line for the meter, not one per attempt.
    await expect.poll(() => metric('feedin_mqtt_connections_refused_total{reason="meter-suspended"}'), { timeout: 30_000 }).toBeGreaterThanOrEqual(refusedBefore + 2);
    const lines = sandbox.output().split('\n');
    expect(lines.filter((l) => l.includes(`suspended-disconnect (client "${meterId}")`))).toHaveLength(1);
    expect(lines.filter((l) => l.includes(`meter ${meterId}: login refused, meter-suspended`))).toHaveLength(1);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);
});

describe('operator page (items 12, 14, 15)', () => {
  it('registers a meter for a household with its capacity in kW; the row appears at once and the household sees it', async () => {
    const { page, problems } = await open(OPERATOR, '/operator');
    const publicKey = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true)).toString('hex');
    await page.locator('#reg-meter-id').fill('HCM-0901');
    await page.locator('#reg-public-key').fill(publicKey);
    await page.locator('#reg-household').selectOption('hh-02');
    await page.locator('#reg-capacity').fill('3.5');
    await page.locator('#register-form button[type="submit"]').click();
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await page.locator('#confirm-description').textContent()).toContain('3.5 kW');
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => page.locator('#register-status').textContent(), { timeout: 20_000 }).toMatch(/^Registered in transaction 0x/);
    const newRow = page.locator('#meters-table tbody tr[data-meter-id="HCM-0901"] td');
    expect((await newRow.allTextContents()).slice(0, 5)).toEqual(['HCM-0901', 'Trần Thị Bích — Quận 7', expect.stringMatching(/^0x/), '3.5', 'yes']);
    await page.screenshot({ path: join(SHOTS, 'operator', 'after-register-en-1280.png'), fullPage: true, timeout: 60_000 });
    // Stored as integer W, paid to the household's payee, and on that household's page.
    const meter = await sandbox.waitFor('the registry sync to list HCM-0901', async () => {
      const { body } = await sandbox.api('/api/meters', OPERATOR);
      return body.meters.find((m: any) => m.meterId === 'HCM-0901');
    });
    expect({ householdId: meter.householdId, capacityW: meter.capacityW }).toEqual({ householdId: 'hh-02', capacityW: 3500 });
    const { body: who } = await sandbox.api('/api/whoami', 'household-hh-02-sandbox-token');
    expect(who.meterIds).toEqual(['HCM-0002', 'HCM-0901']);
    expect((await sandbox.api('/api/meters/HCM-0901/readings', 'household-hh-02-sandbox-token')).status).toBe(200);
    expect((await sandbox.api('/api/meters/HCM-0901/readings', 'household-hh-01-sandbox-token')).status).toBe(403);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('suspends a meter: the row changes at once and Suspend is gone', async () => {
    const { page, problems } = await open(OPERATOR, '/operator');
    const meterRow = page.locator('#meters-table tbody tr[data-meter-id="HCM-0003"]');
    await meterRow.locator('button', { hasText: 'Suspend' }).click();
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await page.locator('#confirm-description').textContent()).toContain('it is disconnected and its logins are refused');
    await confirmWith(page, 'e2e: decommissioned');
    await expect.poll(() => meterRow.locator('td').nth(4).textContent(), { timeout: 30_000 }).toBe('suspended');
    expect(await meterRow.locator('button').count()).toBe(0);
    await expect.poll(() => meterRow.locator('td').nth(5).textContent(), { timeout: 15_000 }).toBe('no');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('an action the chain refuses (item 12)', () => {
  it('shows the refusal in words beside the button that was pressed', async () => {
    const meterId = 'HCM-0001';
    const { page, problems } = await open(OPERATOR, '/operator');
    const meterRow = page.locator(`#meters-table tbody tr[data-meter-id="${meterId}"]`);
    // Suspended from another desk meanwhile; this page still offers Suspend.
    const { status } = await fetch(`${sandbox.httpUrl}/api/regulator/meters/${meterId}/suspend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${REGULATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'e2e: from another desk' }),
    });
    expect(status).toBe(201);
    await expect.poll(() => meterRow.locator('td').nth(5).textContent(), { timeout: 15_000 }).toBe('no');
    await meterRow.locator('button', { hasText: 'Suspend' }).click();
    await confirmWith(page, 'e2e: too late');
    const error = meterRow.locator('.action-error');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.getAttribute('data-refusal')).toBe('MeterRegistryAlreadySuspended');
    expect(await error.textContent()).toContain(meterId);
    expect(await meterRow.locator('button').isEnabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'operator', 'refused-en-1280.png'), fullPage: true, timeout: 60_000 });
    // The browser logs the 409 answer itself; nothing else may go wrong.
    expect(problems.filter((p) => !/Failed to load resource: the server responded with a status of 409 .*\/api\/operator\/meters\/HCM-0001\/suspend/.test(p))).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('both languages, 1280 and 390 px wide', () => {
  for (const language of LANGUAGES)
    for (const width of WIDTHS)
      it(`regulator and operator in ${language} at ${width} px: readable, no sideways scroll, dialogs inside`, async () => {
        const reg = await open(REGULATOR, '/regulator', { language, width });
        await expect.poll(() => reg.page.locator('#money-verdict').getAttribute('data-ok'), { timeout: 15_000 }).not.toBeNull();
        expect(await reg.page.locator('html').getAttribute('lang')).toBe(language);
        expect(await reg.page.locator('#h-glance').textContent()).toBe(language === 'vi' ? 'Tổng quan' : 'At a glance');
        await expectNoSidewaysScroll(reg.page);
        await reg.page.screenshot({ path: join(SHOTS, 'regulator', `regulator-${language}-${width}.png`), fullPage: true, timeout: 60_000 });
        await reg.page.locator('#pause-control button').click();
        await reg.page.locator('#confirm-dialog[open]').waitFor();
        await expectDialogInside(reg.page, width);
        await reg.page.screenshot({ path: join(SHOTS, 'regulator', `dialog-${language}-${width}.png`), timeout: 60_000 });
        await reg.page.keyboard.press('Escape');
        expect(reg.problems).toEqual([]);
        await reg.page.context().close();

        const op = await open(OPERATOR, '/operator', { language, width });
        expect(await op.page.locator('#reg-household option').count()).toBe(21); // "choose" + 20 households
        await expectNoSidewaysScroll(op.page);
        await op.page.screenshot({ path: join(SHOTS, 'operator', `operator-${language}-${width}.png`), fullPage: true, timeout: 60_000 });
        await op.page.locator('#meters-table tbody tr button').first().click();
        await op.page.locator('#confirm-dialog[open]').waitFor();
        await expectDialogInside(op.page, width);
        await op.page.screenshot({ path: join(SHOTS, 'operator', `dialog-${language}-${width}.png`), timeout: 60_000 });
        await op.page.keyboard.press('Escape');
        expect(op.problems).toEqual([]);
        await op.page.context().close();
      }, 150_000);
});
