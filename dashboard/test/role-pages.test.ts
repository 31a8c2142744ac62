// The operator and household pages and the regulator's governance actions in a real Chromium
// against the real dashboard app (fake ports): each page loads, a live update arrives, every
// action asks for confirmation and POSTs what it should, and Escape cancels.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYEE_A, T0, TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const KEY = '02' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

let s: Served;
let browser: Browser;

beforeAll(async () => {
  s = await serve({ info: { sandboxName: 'Test neighbourhood', token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh', locale: 'en', currency: 'VND', householdNames: { 'hh-a': 'Nguyễn An', 'hh-b': 'Trần Bình' } } });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await mkdir(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function openAs(token: string, path: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} ${m.location().url}`);
  });
  await page.goto(`${s.url}/#token=${token}`);
  await page.waitForURL(`${s.url}${path}`);
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
  expect(await page.content()).not.toContain(token);
  return { page, problems };
}

/** Answers POSTs to `pattern` with `answer` (or what it makes of the request) and records them. */
async function capturePosts(page: Page, pattern: string, answer: unknown): Promise<Request[]> {
  const seen: Request[] = [];
  await page.route(pattern, async (route) => {
    seen.push(route.request());
    const body = typeof answer === 'function' ? (answer as (r: Request) => unknown)(route.request()) : answer;
    await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
  });
  return seen;
}

describe('regulator governance actions', () => {
  it('confirms with a reason before POSTing, and Escape cancels', async () => {
    const { page, problems } = await openAs(TOKENS.regulator!, '/regulator');
    expect(await page.locator('#sandbox-state').textContent()).toBe('running');
    expect(await page.locator('#budget-used').textContent()).toBe('₫3,500 of ₫100,000,000 (0.00%)');
    // The regulator API answers with its audit entry, whose `target` names the batch or meter.
    const posts = await capturePosts(page, '**/api/regulator/**', (r: Request) => ({ outcome: 'ok', target: /\/(batches|meters)\/([^/]+)\//.exec(new URL(r.url()).pathname)?.[2] ?? null }));

    // Batch 2 is pending: it can be frozen, not approved nor rejected (only a frozen batch can be).
    const actions = page.locator('#batches-table tbody tr[data-batch-id="2"] span.actions button');
    expect(await actions.allTextContents()).toEqual(['Freeze']);
    await actions.first().focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await page.locator('#confirm-title').textContent()).toBe('Freeze batch #2');
    await page.keyboard.type('meter HCM-0007 looks tampered');
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => posts.length).toBe(1);
    expect(posts[0]!.method()).toBe('POST');
    expect(new URL(posts[0]!.url()).pathname).toBe('/api/regulator/batches/2/freeze');
    expect(posts[0]!.postDataJSON()).toEqual({ reason: 'meter HCM-0007 looks tampered' });
    // At once, without a reload (the gateway here still says pending): frozen, Approve or Reject.
    await expect.poll(() => page.locator('#batches-table tbody tr[data-batch-id="2"]').getAttribute('data-status')).toBe('frozen');
    expect(await actions.allTextContents()).toEqual(['Approve', 'Reject']);

    // Pause, then Escape: nothing is sent.
    await page.locator('#pause-control button').click();
    await page.locator('#confirm-dialog[open]').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#confirm-dialog').getAttribute('open')).toBeNull();
    expect(posts.length).toBe(1);

    // An empty reason is refused by the form.
    await page.locator('#meters-table tbody tr[data-meter-id="m-b1"] button').click();
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    expect(await page.locator('#confirm-dialog').getAttribute('open')).not.toBeNull();
    await page.locator('#confirm-reason').fill('seal broken');
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => posts.map((p) => new URL(p.url()).pathname)).toEqual(['/api/regulator/batches/2/freeze', '/api/regulator/meters/m-b1/suspend']);
    // The meter's row says suspended at once, and Suspend is no longer offered.
    await expect.poll(() => page.locator('#meters-table tbody tr[data-meter-id="m-b1"] td').last().textContent()).toBe('suspended');
    expect(await page.locator('#meters-table tbody tr[data-meter-id="m-b1"] button').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('operator page', () => {
  it('shows health, escrow and meters, updates live, registers and suspends meters', async () => {
    // Three hours after the meters' last readings (10:15): each is silent for 11+ intervals.
    const nowBefore = s.ports.state.nowMs;
    s.ports.state.nowMs = T0 + 3 * 3600_000;
    const { page, problems } = await openAs(TOKENS.operator!, '/operator');
    s.ports.state.nowMs = nowBefore;
    expect(await page.locator('#health-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.component))).toEqual(['broker', 'store', 'chain']);
    expect(await page.locator('#escrow').textContent()).toBe('₫99,997,000');
    expect(await page.locator('#outstanding').textContent()).toBe('₫500');
    expect(await page.locator('#cover').textContent()).toBe('covered');
    expect(await page.locator('#meters-table tbody tr').count()).toBe(3);
    expect(await page.locator('#silent-table tbody tr[data-meter-id]').count()).toBe(3);
    await page.locator('#silent-intervals').fill('96');
    await expect.poll(() => page.locator('#silent-table tbody tr[data-meter-id]').count()).toBe(0);

    s.ports.gatewayEvents.emit('reading.accepted', { meterId: 'm-b1', pagination: 17, timestampMs: T0 + 16 * 60_000, importWh: '1300', exportWh: '990000', seq: 100 });
    await expect.poll(() => page.locator('#live-count').textContent()).toBe('1');

    await page.locator('#reg-meter-id').fill('m-new');
    await page.locator('#reg-public-key').fill(KEY);
    // Registered for a household (paid to its payee), capacity in kW, sent as integer W.
    await page.locator('#reg-household').selectOption('hh-a');
    await page.locator('#reg-capacity').fill('4.5');
    await page.locator('#register-form button[type="submit"]').click();
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await page.locator('#confirm-description').textContent()).toContain('4.5 kW');
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => page.locator('#register-status').textContent()).toBe('Registered in transaction 0xa1a1a1…a1a1a1.');
    expect(s.ports.calls.registered).toEqual([{ meterId: 'm-new', publicKey: KEY, payee: PAYEE_A, capacityW: 4500 }]);
    // The new row at once, with its household and capacity.
    expect((await page.locator('#meters-table tbody tr[data-meter-id="m-new"] td').allTextContents()).slice(0, 5)).toEqual(['m-new', 'Nguyễn An', '0x111111…111111', '4.5', 'yes']);

    await page.locator('#meters-table tbody tr[data-meter-id="m-a2"] button').click();
    await page.locator('#confirm-reason').fill('decommissioned');
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => s.ports.calls.suspended.map((c) => [c.meterId, c.reason])).toEqual([['m-a2', 'decommissioned']]);
    // At once: suspended, and Suspend no longer offered.
    await expect.poll(() => page.locator('#meters-table tbody tr[data-meter-id="m-a2"] td').nth(4).textContent()).toBe('suspended');
    expect(await page.locator('#meters-table tbody tr[data-meter-id="m-a2"] button').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'operator.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('household page', () => {
  it('shows only its own meters and claims, withdraws after confirmation, updates live, and reports a bad bundle as failed', async () => {
    const { page, problems } = await openAs(TOKENS.households[0]!.token, '/household');
    expect(await page.locator('#meters-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.meterId))).toEqual(['m-a1', 'm-a2']);
    expect(await page.locator('#claims-table tbody tr').evaluateAll((rows) => rows.map((r) => `${(r as HTMLElement).dataset.batchId}:${(r as HTMLElement).dataset.meterId}`))).toEqual(['2:m-a1', '1:m-a1']);
    expect(await page.locator('#claims-table tbody tr[data-batch-id="2"] td').nth(7).textContent()).toBe('₫5,468'); // cumulative
    expect(await page.locator('#withdrawable').textContent()).toBe('₫2,468');
    await page.locator('#interval-chart canvas').waitFor();
    await page.locator('#power-chart canvas').waitFor();

    // Live: its own meter's reading arrives; another household's does not.
    s.ports.gatewayEvents.emit('reading.accepted', { meterId: 'm-b1', pagination: 18, timestampMs: T0 + 17 * 60_000, importWh: '1300', exportWh: '990001', seq: 101 });
    s.ports.gatewayEvents.emit('reading.accepted', { meterId: 'm-a1', pagination: 17, timestampMs: T0 + 16 * 60_000, importWh: '1300', exportWh: '5000', seq: 102 });
    await expect.poll(() => page.locator('body').getAttribute('data-last-event')).toBe('reading.accepted:m-a1:17');

    const posts = await capturePosts(page, `**/api/payouts/${PAYEE_A}/withdraw`, { txHash: '0x' + 'b7'.repeat(32) });
    await page.locator('#withdraw').click();
    await page.locator('#confirm-dialog[open]').waitFor();
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => page.locator('#withdraw-status').textContent()).toBe('Withdrawn: transaction 0xb7b7b7…b7b7b7');
    expect(posts.length).toBe(1);

    // The fake bundle is not a real one: the audit must say so, check by check.
    await page.locator('#claims-table tbody tr[data-batch-id="1"] button.verify').click();
    await expect.poll(() => page.locator('#audit-verdict').getAttribute('data-result')).toBe('failed');
    expect(await page.locator('#audit-table tbody tr[data-check="bundle-shape"]').getAttribute('data-ok')).toBe('false');
    expect(await page.locator('#audit-table tbody tr[data-check="root-on-chain"]').getAttribute('data-ok')).toBe('false');

    await page.screenshot({ path: join(SCREENSHOTS, 'household.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('sends each role to its own page', async () => {
    const { page } = await openAs(TOKENS.households[1]!.token, '/household');
    await page.goto(`${s.url}/regulator`);
    await page.waitForURL(`${s.url}/household`);
    await page.goto(`${s.url}/operator`);
    await page.waitForURL(`${s.url}/household`);
    await page.context().close();
  }, 60_000);
});
