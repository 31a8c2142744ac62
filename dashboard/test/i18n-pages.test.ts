// Every page in Vietnamese (the sandbox's locale, vi-VN) and English in a real Chromium against
// the real dashboard app (fake ports): the default follows the sandbox, the switcher changes the
// language and the choice is remembered; money (`1.234 ₫` / `₫1,234`), energy (kWh) and times
// (sandbox-local, zone named once in the header) are formatted for the language; household
// names from the sandbox file stand beside their ids. Screenshots at 1280 and 390 px.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DailyReport } from '@feedin/gateway/reports/daily-report';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYEE_A, PAYEE_B, T0, TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots', 'i18n');
const NAMES = { 'hh-a': 'Nguyễn Văn An — Quận 7', 'hh-b': 'Trần Thị Bích — Quận 7' };

let s: Served;
let browser: Browser;

// Intl separates with no-break and thin spaces; the reader sees spaces.
const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const texts = async (l: Locator) => (await l.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());

const report: DailyReport = {
  date: '2026-11-22',
  utcOffsetMinutes: 420,
  fromMs: Date.parse('2026-11-21T17:00:00Z'),
  toMs: Date.parse('2026-11-22T17:00:00Z'),
  totals: { exportWh: '1750', paidWh: '1750', amount: '3500', claims: 2, households: 2, meters: 2 },
  batches: [{ batchId: '1', intervalStartMs: T0, intervalEndMs: T0 + 900_000, status: 'final', chainStatus: 'final', claimCount: 2, totalExportWh: '1750', totalAmount: '3500', chainTotalAmount: '3500', txHash: null }],
  households: [
    { householdId: 'hh-a', payee: PAYEE_A, meters: 1, claims: 1, exportWh: '1500', paidWh: '1500', amount: '3000', cappedClaims: 0 },
    { householdId: 'hh-b', payee: PAYEE_B, meters: 1, claims: 1, exportWh: '250', paidWh: '250', amount: '500', cappedClaims: 0 },
  ],
  rejectionsByReason: [],
  gaps: { count: 0, missingReadings: 0, byMeter: [] },
  outages: [{ fromMs: T0 + 3600_000, toMs: T0 + 3600_000 + 26 * 60_000 }], // 11:00–11:26 local
  capsHit: [],
  ledger: { throughBatchId: '1', sumOfClaims: '3500', committedOnChain: '3500', withdrawn: '3000', outstanding: '500', payees: [{ payee: PAYEE_A, cumulativeAmount: '3000', withdrawn: '3000', outstanding: '0' }] },
  checks: [
    { name: 'day-claims-equal-chain', ok: true, detail: 'Σ claims 3500 = Σ batch totals recorded 3500 = Σ batch totals on chain 3500' },
    { name: 'claims-equal-committed', ok: true, detail: 'Σ claims of batches 1..1 3500; committed on chain 3500' },
    { name: 'committed-equals-withdrawn-plus-outstanding', ok: true, detail: 'committed 3500 = withdrawn 3000 + outstanding 500' },
  ],
  ok: true,
};

beforeAll(async () => {
  s = await serve({ info: { sandboxName: 'Khu phố thử nghiệm', token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh', locale: 'vi-VN', currency: 'VND', householdNames: NAMES } });
  s.ports.dailyReport = async () => report;
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

async function openAs(token: string, path: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} ${m.location().url}`);
  });
  await page.goto(`${s.url}/#token=${token}`);
  await page.waitForURL(`${s.url}${path}`);
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
  return { page, problems };
}

/** Clicks the header's switch, waits for the reloaded page in `language`. */
async function switchTo(page: Page, language: 'vi' | 'en'): Promise<void> {
  await page.locator(`#language-switch button[data-language="${language}"]`).click();
  await page.waitForFunction((l) => document.documentElement.lang === l && document.body.dataset.loaded === 'true', language, { timeout: 15_000 });
}

/** Full-page screenshots at 1280 and 390 px; at 390 the page itself must not scroll sideways. */
async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5_000 }).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('pages in Vietnamese and English', () => {
  it('login page: Vietnamese by default for a vi-VN sandbox, English once chosen, remembered', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForFunction(() => document.documentElement.lang === 'vi');
    expect(await text(page.locator('main.login h1'))).toBe('Sandbox feedin');
    expect(await text(page.locator('#login-form button[type="submit"]'))).toBe('Đăng nhập');
    expect(await page.locator('#language-switch button[aria-pressed="true"]').getAttribute('data-language')).toBe('vi');
    await screenshots(page, 'login-vi');
    await page.locator('#language-switch button[data-language="en"]').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await text(page.locator('#login-form button[type="submit"]'))).toBe('Log in');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await text(page.locator('main.login h1'))).toBe('feedin sandbox');
    await page.locator('#token').fill('not-a-real-token-at-all');
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page.locator('#login-status'))).toBe('That token is not known to this sandbox.');
    await context.close();
  }, 60_000);

  it('regulator: money, energy, times and names in Vietnamese, then English after the switch, remembered on reload', async () => {
    const { page, problems } = await openAs(TOKENS.regulator!, '/regulator');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('vi');
    expect(await text(page.locator('#role-name'))).toBe('cơ quan quản lý');
    expect(await text(page.locator('#h-batches'))).toBe('Các lô');
    expect(await text(page.locator('#sandbox-state'))).toBe('đang chạy');
    expect(await text(page.locator('#budget-used'))).toBe('3.500 ₫ trên 100.000.000 ₫ (0,00%)');
    expect(await text(page.locator('#money-note'))).toBe('VND sandbox (token sVND), không phải tiền thật');
    // The zone once in the header; every time below is sandbox-local without it.
    expect(await text(page.locator('#time-zone'))).toBe('Asia/Ho_Chi_Minh (GMT+7)');
    expect(await text(page.locator('#clock'))).toMatch(/^10:2\d:\d\d 22 thg 11, 2026 \(60×\)$/);
    expect(await texts(page.locator('#batches-table tbody tr[data-batch-id="1"] td'))).toEqual(['#1', '10:00–10:15 22 thg 11, 2026', 'đã chốt', '2', '1,750', '3.500 ₫', '0x010101…010101', '101', '']);
    expect(await texts(page.locator('#meters-table tbody tr[data-meter-id="m-b1"] td'))).toEqual(['m-b1', NAMES['hh-b'], '5', 'có', '10:15:00 22 thg 11, 2026', '987,7', '—', 'Đình chỉ']);
    expect(await page.locator('#meters-table tbody tr[data-meter-id="m-b1"] td').nth(1).getAttribute('title')).toBe('hh-b');
    expect(await texts(page.locator('#batches-table tbody tr[data-batch-id="2"] span.actions button'))).toEqual(['Phong tỏa']);
    // Rejection reasons in words, the code as the title (and in the CSV).
    expect(await text(page.locator('#rejections-table tbody tr[data-reason="bad-signature"] td').first())).toBe('chữ ký sai');
    expect(await page.locator('#rejections-table tbody tr[data-reason="bad-signature"] td').first().getAttribute('title')).toBe('bad-signature');
    // The filter finds a household by its name.
    await page.locator('#meter-filter').fill('bích');
    await expect.poll(() => page.locator('#meters-table tbody tr[data-meter-id]').count()).toBe(1);
    await page.locator('#meter-filter').fill('');
    // Claims of a batch: names beside the ids.
    await page.locator('#batches-table tbody tr[data-batch-id="1"] button').click();
    await page.locator('#claims-section:not([hidden])').waitFor();
    expect(await text(page.locator('#h-claims'))).toBe('Yêu cầu thanh toán của lô #1');
    expect(await texts(page.locator('#claims-table tbody tr[data-meter-id="m-a1"] td'))).toEqual(expect.arrayContaining(['m-a1', NAMES['hh-a'], '1,500', '3.000 ₫']));
    // The chart's time legend follows the locale and zone.
    await page.locator('#batch-chart canvas').waitFor();
    const box = (await page.locator('#batch-chart .u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => text(page.locator('#batch-chart .u-legend .u-series').first().locator('.u-value'))).toMatch(/^10:\d\d:00 22 thg 11, 2026$/);
    await screenshots(page, 'regulator-vi');

    await switchTo(page, 'en');
    expect(await text(page.locator('#h-batches'))).toBe('Batches');
    expect(await text(page.locator('#sandbox-state'))).toBe('running');
    expect(await text(page.locator('#budget-used'))).toBe('₫3,500 of ₫100,000,000 (0.00%)');
    expect(await texts(page.locator('#batches-table tbody tr[data-batch-id="1"] td'))).toEqual(['#1', 'Nov 22, 2026, 10:00 – 10:15', 'final', '2', '1.750', '₫3,500', '0x010101…010101', '101', '']);
    expect(await texts(page.locator('#meters-table tbody tr[data-meter-id="m-b1"] td'))).toEqual(['m-b1', NAMES['hh-b'], '5', 'yes', 'Nov 22, 2026, 10:15:00', '987.7', '—', 'Suspend']);
    await page.reload();
    await page.locator('body[data-loaded="true"]').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await text(page.locator('#money-note'))).toBe('sandbox VND (token sVND), not real money');
    await screenshots(page, 'regulator-en');

    // Confirmation dialogs speak the language too.
    await switchTo(page, 'vi');
    await page.locator('#pause-control button').click();
    await page.locator('#confirm-dialog[open]').waitFor();
    expect(await text(page.locator('#confirm-title'))).toBe('Tạm dừng thanh toán');
    expect(await texts(page.locator('#confirm-dialog .actions button'))).toEqual(['Hủy', 'Xác nhận']);
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('household: its name in the header, its money and energy in both languages', async () => {
    const { page, problems } = await openAs(TOKENS.households[0]!.token, '/household');
    expect(await text(page.locator('#role-name'))).toBe(`hộ ${NAMES['hh-a']}`);
    expect(await text(page.locator('#withdrawable'))).toBe('2.468 ₫');
    expect(await text(page.locator('#cumulative'))).toBe('5.468 ₫');
    expect(await texts(page.locator('#claims-table tbody tr[data-batch-id="2"] td'))).toEqual(expect.arrayContaining(['#2', 'chờ chốt', 'm-a1', '1,234', '2.468 ₫', '5.468 ₫', 'Kiểm tra']));
    expect(await texts(page.locator('#meters-table tbody tr[data-meter-id="m-a1"] td'))).toEqual(['m-a1', '5', 'có', 'có', '10:15:00 22 thg 11, 2026', '4,3']);
    await page.locator('#interval-chart canvas').waitFor();
    await screenshots(page, 'household-vi');
    await switchTo(page, 'en');
    expect(await text(page.locator('#role-name'))).toBe(`household ${NAMES['hh-a']}`);
    expect(await text(page.locator('#withdrawable'))).toBe('₫2,468');
    expect(await texts(page.locator('#claims-table tbody tr[data-batch-id="2"] td'))).toEqual(expect.arrayContaining(['pending', '1.234', '₫2,468', '₫5,468', 'Verify']));
    await screenshots(page, 'household-en');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('operator: escrow, silent meters with names, in both languages', async () => {
    const nowBefore = s.ports.state.nowMs;
    s.ports.state.nowMs = T0 + 3 * 3600_000;
    const { page, problems } = await openAs(TOKENS.operator!, '/operator');
    s.ports.state.nowMs = nowBefore;
    expect(await text(page.locator('#escrow'))).toBe('99.997.000 ₫');
    expect(await text(page.locator('#outstanding'))).toBe('500 ₫');
    expect(await text(page.locator('#cover'))).toBe('đủ chi trả');
    expect(await texts(page.locator('#silent-table tbody tr[data-meter-id="m-b1"] td'))).toEqual(['m-b1', NAMES['hh-b'], 'có', '10:15:00 22 thg 11, 2026', '11']);
    expect(await texts(page.locator('#health-table tbody tr[data-component="broker"] td'))).toEqual(['máy chủ MQTT', 'bình thường', 'fine']);
    await screenshots(page, 'operator-vi');
    await switchTo(page, 'en');
    expect(await text(page.locator('#escrow'))).toBe('₫99,997,000');
    expect(await text(page.locator('#cover'))).toBe('covered');
    await screenshots(page, 'operator-en');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('daily report: formatted and translated, names, the zone once, in both languages', async () => {
    const { page, problems } = await openAs(TOKENS.regulator!, '/regulator');
    await page.goto(`${s.url}/report.html?date=2026-11-22`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
    expect(await text(page.locator('#verdict'))).toBe('Báo cáo khớp: yêu cầu thanh toán = tổng trên chuỗi = đã rút + còn phải trả.');
    expect(await text(page.locator('#time-zone'))).toBe('Asia/Ho_Chi_Minh (GMT+7)');
    expect(await text(page.locator('#report-day'))).toBe('00:00:00 22 thg 11, 2026 – 00:00:00 23 thg 11, 2026');
    expect(await texts(page.locator('#households tbody tr').first().locator('td'))).toEqual([NAMES['hh-a'], PAYEE_A, '1', '1', '1,500', '1,500', '3.000 ₫', '0']);
    expect(await texts(page.locator('#batches tbody tr').first().locator('td'))).toEqual(['1', '10:00–10:15 22 thg 11, 2026', 'đã chốt', 'đã chốt', '2', '1,750', '3.500 ₫', '3.500 ₫']);
    expect(await texts(page.locator('#checks tbody tr').nth(0).locator('td'))).toEqual([
      'Yêu cầu thanh toán trong ngày bằng tổng các lô trên chuỗi',
      'khớp',
      'Σ yêu cầu 3.500 ₫ = Σ tổng các lô đã ghi 3.500 ₫ = Σ tổng các lô trên chuỗi 3.500 ₫',
    ]);
    expect(await texts(page.locator('#checks tbody tr').nth(2).locator('td'))).toEqual(['Đã cam kết = đã rút + còn phải trả', 'khớp', 'đã cam kết 3.500 ₫ = đã rút 3.000 ₫ + còn phải trả 500 ₫']);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    expect(await texts(page.locator('#outages tbody tr td'))).toEqual(['11:00:00 22 thg 11, 2026', '11:26:00 22 thg 11, 2026']);
    expect(await page.locator('#outages tbody tr td').first().getAttribute('title')).toBe('2026-11-22 04:00:00 UTC');
    await screenshots(page, 'report-vi');
    // Printed: the zone and the money note stay on paper.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#time-zone').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await page.evaluate(() => localStorage.setItem('feedin.language', 'en'));
    await page.reload();
    await page.locator('body[data-loaded="true"]').waitFor();
    expect(await texts(page.locator('#households tbody tr').first().locator('td'))).toEqual([NAMES['hh-a'], PAYEE_A, '1', '1', '1.500', '1.500', '₫3,000', '0']);
    expect(await text(page.locator('#summary div').first())).toBe('Energy exported1.75 kWh');
    await screenshots(page, 'report-en');
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);
});
