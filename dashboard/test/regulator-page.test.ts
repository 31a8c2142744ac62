// The regulator page in a real Chromium against the real dashboard app (fake ports): login by
// `#token=` link and by the form, tables filled, live updates from server-sent events, claims
// of a batch by keyboard, CSV download, no token left in the page, no CSP violations.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, claimOf, PAYEE_A, T0, TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';
import type { ChainRecoveryView } from '../src/ports.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const REG = TOKENS.regulator!;

let s: Served;
let browser: Browser;

beforeAll(async () => {
  s = await serve({ info: { sandboxName: 'Test neighbourhood', token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh' } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { page, problems };
}

describe('regulator page', () => {
  it('logs in from a #token link, fills the tables, updates live, and keeps no token', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${s.url}/#token=${REG}`);
    await page.waitForURL(`${s.url}/regulator`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 10_000 });
    expect(page.url()).toBe(`${s.url}/regulator`);

    await expect.poll(() => page.locator('#meters-table tbody tr').count()).toBe(3);
    expect(await page.locator('#meters-table tbody tr[data-meter-id="m-b1"] td').allTextContents()).toEqual([
      'm-b1',
      'hh-b',
      '5',
      'yes',
      'Nov 22, 2026, 10:15:00',
      '987.7',
      '—',
      'Suspend',
    ]);
    expect(await page.locator('#batches-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.batchId))).toEqual(['2', '1']);
    expect(await page.locator('#batches-table tbody tr[data-batch-id="1"] td').allTextContents()).toEqual([
      '#1',
      'Nov 22, 2026, 10:00 – 10:15',
      'final',
      '2',
      '1.750',
      '3,500 sVND',
      '0x010101…010101',
      '101',
      '',
    ]);
    expect(await page.locator('#rejections-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.reason))).toEqual([
      'bad-signature',
      'replay',
      'malformed',
    ]);
    expect(await page.locator('#clock').textContent()).toMatch(/^Nov 22, 2026, 10:2\d:\d\d \(60×\)$/);
    expect(await page.locator('#time-zone').textContent()).toBe('Asia/Ho_Chi_Minh (GMT+7)');
    await expect.poll(() => page.locator('#live').textContent()).toBe('connected');

    // Live: a reading arrives, then a new batch is built.
    s.ports.gatewayEvents.emit('reading.accepted', {
      meterId: 'm-a1',
      pagination: 17,
      timestampMs: T0 + 16 * 60_000,
      importWh: '1300',
      exportWh: '5000',
      seq: 99,
    });
    const feedRow = page.locator('#feed-table tbody tr[data-meter-id="m-a1"]');
    await feedRow.waitFor({ timeout: 5_000 });
    expect((await feedRow.locator('td').allTextContents()).slice(1)).toEqual(['m-a1', 'F17', 'accepted', 'Nov 22, 2026, 10:16:00', '5.0']);
    await expect.poll(() => page.locator('#meters-table tbody tr[data-meter-id="m-a1"] td').nth(5).textContent()).toBe('5.0');

    s.ports.state.batches.push(batchOf(3, [claimOf('m-a2', 'hh-a', PAYEE_A, '800', '1600')], 'pending'));
    s.ports.gatewayEvents.emit('batch.built', { batchId: '3', intervalStartMs: T0 + 30 * 60_000, intervalEndMs: T0 + 45 * 60_000, claimCount: 1, totalAmount: '1600' });
    await page.locator('#batches-table tbody tr[data-batch-id="3"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('#batches-table tbody tr').first().getAttribute('data-batch-id')).toBe('3');

    // Keyboard: focus a batch and press Enter to see its claims.
    await page.locator('#batches-table tbody tr[data-batch-id="1"] button').focus();
    await page.keyboard.press('Enter');
    await page.locator('#claims-section:not([hidden])').waitFor();
    expect(await page.locator('#claims-batch').textContent()).toBe('#1');
    expect(await page.locator('#claims-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.meterId))).toEqual(['m-a1', 'm-b1']);

    // CSV: exact values, not the shortened display.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button.csv[data-table="batches-table"]').click()]);
    expect(download.suggestedFilename()).toBe('batches.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Batch,Interval,Status,Claims,Export (kWh),Amount,Tx hash,Block,Actions');
    expect(csv).toContain(`\r\n1,2026-11-22T03:00:00.000Z/2026-11-22T03:15:00.000Z,final,2,1750,3500,0x${'01'.repeat(32)},101,\r\n`);

    await page.locator('#batch-chart canvas').waitFor();
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'regulator.png'), fullPage: true });

    const html = await page.content();
    expect(html).not.toContain(REG);
    expect(page.url()).not.toContain(REG);
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: invisible to scripts
    expect(await page.evaluate(() => history.length)).toBeLessThanOrEqual(2);

    // Print: controls hidden.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('button.csv').first().isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    // Narrow: the page itself does not scroll sideways; wide tables scroll in their own box.
    await page.setViewportSize({ width: 360, height: 800 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5_000 }).toBeLessThanOrEqual(360);

    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows what the embedded chain lost in a crash, and hides the notice when nothing was (#17)', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${s.url}/#token=${REG}`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#recovery-section').isHidden()).toBe(true);

    const lost = (label: string, outcome: ChainRecoveryView['outcome'], detail: string): ChainRecoveryView => ({
      recoveredAt: '2026-11-22T03:20:00.000Z',
      txHash: '0x' + 'ab'.repeat(32),
      label,
      signedAt: '2026-11-22T03:19:59.000Z',
      outcome,
      lostBlockNumber: 41,
      blockNumber: outcome === 'not-re-applied' ? null : 52,
      detail,
    });
    s.ports.state.status = {
      ...s.ports.state.status,
      chainRecovery: [
        lost('freezeBatch', 're-applied', 'sent again as the same signed transaction; mined in block 52'),
        lost('rejectBatch', 'refused-on-re-apply', 'sent again as the same signed transaction, but it reverted in block 52'),
      ],
    };
    try {
      await page.reload();
      await page.locator('body[data-loaded="true"]').waitFor({ timeout: 10_000 });
      await page.locator('#recovery-section').waitFor({ state: 'visible', timeout: 5_000 });
      expect(await page.locator('#recovery-summary').textContent()).toBe('The chain lost 2 transactions in a crash; 1 re-applied. 1 was NOT re-applied: check it below.');
      // Newest first.
      expect(await page.locator('#recovery-table tbody tr td:nth-child(2)').allTextContents()).toEqual(['rejectBatch', 'freezeBatch']);
      expect(await page.locator('#recovery-table tbody tr td:nth-child(3)').allTextContents()).toEqual(['refused when re-applied', 're-applied']);
    } finally {
      delete s.ports.state.status.chainRecovery;
    }
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('logs in with a pasted token, refuses an unknown one, and logs out', async () => {
    const { page, problems } = await openPage();
    await page.goto(`${s.url}/`);
    await page.locator('#token').fill('not-a-real-token-at-all');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#login-status').textContent()).toBe('That token is not known to this sandbox.');

    await page.locator('#token').fill(TOKENS.operator!);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${s.url}/operator`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#role-name').textContent()).toBe('operator');
    expect(await page.content()).not.toContain(TOKENS.operator!);

    await page.locator('#logout').click();
    await page.waitForURL(`${s.url}/`);
    await page.goto(`${s.url}/regulator`);
    await page.waitForURL(`${s.url}/`);
    // The unknown token's 401 is the one expected console message.
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
    await page.context().close();
  }, 60_000);
});
