// The household page in a real Chromium against the real dashboard app (fake ports), in
// Vietnamese and English at 1280 and 390 px (issue #11 items 5–9): earned today and this month
// beside the cumulative figures, withdrawn, withdrawable, pending and when it becomes final with
// the challenge window in one sentence; why a claim was paid less, in the cap rule's numbers;
// since when, why and what it means for a suspended meter; honest charts (axes from zero, a gap
// for the night); claims from the per-payee endpoint a page at a time and one readings request
// for all its meters; and Sign-In with Ethereum through an injected EIP-1193 wallet that signs
// with a sandbox test key in node. Screenshots in test-results/screenshots/household/.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Wallet, getBytes } from 'ethers';
import { sandboxHouseholdAddress, sandboxHouseholdKey } from '@feedin/sandbox-config/sandbox-test-households';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDetailView, ClaimView, EarningsView, ReadingView } from '../src/ports.js';
import { claimOf, TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots', 'household');
const PAYEE = sandboxHouseholdAddress(1);
const WALLET = new Wallet(sandboxHouseholdKey(1));
const HOUSEHOLD_TOKEN = 'household-one-token-0123456789';
const NAME = 'Nguyễn Văn An — Quận 7';
const BASIS = 'Decree 135/2024/ND-CP';
const Q = 15 * 60_000;
const local = (iso: string) => Date.parse(`${iso}+07:00`);

// Three sandbox days of two meters: claims from 10:00 to 18:00 on day 1, 06:00–18:00 on day 2
// and 06:00–13:30 on day 3 (today), none at night. m-a1 (5 kW) is capped at noon, 20 % of 5 kW
// = 250 Wh per 15 minutes; m-a2 is suspended from 09:00 on day 3. The newest two batches are
// pending.
const DAY1 = '2026-11-20';
const DAY3 = '2026-11-22';
const intervals: number[] = [];
for (let t = local(`${DAY1}T10:00:00`); t < local(`${DAY1}T18:00:00`); t += Q) intervals.push(t);
for (let t = local('2026-11-21T06:00:00'); t < local('2026-11-21T18:00:00'); t += Q) intervals.push(t);
for (let t = local(`${DAY3}T06:00:00`); t < local(`${DAY3}T13:30:00`); t += Q) intervals.push(t);
const SUSPENDED_FROM = local(`${DAY3}T09:00:00`);
const CAPPED_START = local(`${DAY3}T12:00:00`);
const NOW = local(`${DAY3}T13:40:00`);

function claim(meterId: string, startMs: number, batchId: number, status: BatchDetailView['status']): ClaimView {
  const capped = meterId === 'm-a1' && startMs === CAPPED_START;
  const exportWh = capped ? 310 : meterId === 'm-a1' ? 240 : 120;
  const paidWh = capped ? 250 : exportWh;
  // 671 ₫/kWh with the carried remainder: 240 Wh pays 161 or 162 ₫ (a 1-₫ step, not a zigzag).
  const amount = Math.floor((paidWh * 671 + (batchId % 2) * 500) / 1000);
  return {
    ...claimOf(meterId, 'hh-a', PAYEE, String(exportWh), String(amount)),
    batchId: String(batchId),
    batchStatus: status,
    intervalStartMs: startMs,
    intervalEndMs: startMs + Q,
    paidWh: String(paidWh),
    pricePerKWh: '671',
    flags: capped ? ['interval-export-cap'] : [],
    opening: { pagination: 1, timestampMs: startMs, exportWh: '0', payloadDigest: `0x${'01'.repeat(32)}` },
    closing: { pagination: 2, timestampMs: startMs + Q, exportWh: String(exportWh), payloadDigest: `0x${'02'.repeat(32)}` },
  };
}

const batches: BatchDetailView[] = intervals.map((startMs, i) => {
  const batchId = i + 1;
  const status = i >= intervals.length - 2 ? 'pending' : 'final';
  const claims = ['m-a1', 'm-a2'].filter((m) => m === 'm-a1' || startMs < SUSPENDED_FROM).map((m) => claim(m, startMs, batchId, status));
  return {
    batchId: String(batchId),
    intervalStartMs: startMs,
    intervalEndMs: startMs + Q,
    claimCount: claims.length,
    totalExportWh: String(claims.reduce((s, c) => s + BigInt(c.exportWh), 0n)),
    totalAmount: String(claims.reduce((s, c) => s + BigInt(c.amount), 0n)),
    watermark: batchId,
    claimsRoot: `0x${'c1'.repeat(32)}`,
    payoutsRoot: `0x${'d1'.repeat(32)}`,
    status,
    builtAtMs: startMs + Q + 120_000,
    txHash: `0x${'0a'.repeat(32)}`,
    blockNumber: 100 + batchId,
    gasUsed: '91234',
    claims,
  };
});
const allClaims = batches.flatMap((b) => b.claims);
const total = allClaims.reduce((s, c) => s + BigInt(c.amount), 0n);
const pendingAmount = batches.slice(-2).flatMap((b) => b.claims).reduce((s, c) => s + BigInt(c.amount), 0n);
const sum = (cs: ClaimView[], f: 'amount' | 'exportWh' | 'paidWh') => String(cs.reduce((s, c) => s + BigInt(c[f]), 0n));
const today = allClaims.filter((c) => c.intervalStartMs >= local(`${DAY3}T00:00:00`));
const EARNINGS: EarningsView = {
  today: { day: DAY3, amount: sum(today, 'amount'), exportWh: sum(today, 'exportWh'), paidWh: sum(today, 'paidWh'), claims: today.length },
  thisMonth: { month: '2026-11', amount: String(total), exportWh: sum(allClaims, 'exportWh'), paidWh: sum(allClaims, 'paidWh'), claims: allClaims.length },
  pending: { amount: String(pendingAmount), batches: 2, finalAtMs: NOW + 12 * 60_000, finalInSeconds: 12, held: false },
  challengeWindowSeconds: 20,
};

// Readings every 5 sandbox minutes by day; none at night: the power chart has a gap there.
const readings: ReadingView[] = [];
for (const meterId of ['m-a1', 'm-a2']) {
  let pg = 0;
  let wh = 0;
  for (let t = NOW - 24 * 3600_000; t <= NOW; t += 5 * 60_000) {
    const hour = new Date(t + 7 * 3600_000).getUTCHours();
    if (hour < 6 || hour >= 18 || (meterId === 'm-a2' && t >= SUSPENDED_FROM)) continue;
    wh += meterId === 'm-a1' ? 80 : 40;
    readings.push({ seq: readings.length + 1, meterId, pagination: ++pg, timestampMs: t, importWh: '0', exportWh: String(wh), payloadDigest: `0x${'03'.repeat(32)}`, ocmf: 'OCMF|{}|{}' });
  }
}

let s: Served;
let browser: Browser;
const readingRequests: string[] = [];
const batchRequests: string[] = [];

const text = async (l: Locator) => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  s = await serve({
    tokens: { ...TOKENS, households: [{ householdId: 'hh-a', token: HOUSEHOLD_TOKEN, payee: PAYEE, meterIds: ['m-a1', 'm-a2'] }] },
    info: {
      sandboxName: 'Khu phố thử nghiệm',
      token: { symbol: 'sVND', decimals: 0 },
      intervalMinutes: 15,
      timeZone: 'Asia/Ho_Chi_Minh',
      locale: 'vi-VN',
      currency: 'VND',
      householdNames: { 'hh-a': NAME },
      chainId: 31337,
      caps: { exportCapPercentOfCapacity: 20, householdDailyCap: '20000', batchCap: '50000', budget: '100000000', legalBasis: BASIS },
    },
  });
  const st = s.ports.state;
  st.nowMs = NOW;
  st.meters = [
    { meterId: 'm-a1', householdId: 'hh-a', payee: PAYEE, capacityW: 5000, active: true, connected: true, lastReading: { pagination: 9, timestampMs: NOW - 60_000, importWh: '0', exportWh: '12345' }, suspension: null },
    {
      meterId: 'm-a2',
      householdId: 'hh-a',
      payee: PAYEE,
      capacityW: 3000,
      active: false,
      connected: false,
      lastReading: { pagination: 5, timestampMs: SUSPENDED_FROM - 60_000, importWh: '0', exportWh: '2345' },
      suspension: { fromMs: SUSPENDED_FROM, reason: 'seal of the meter box found broken at the inspection', by: 'operator' },
    },
  ];
  st.batches = batches;
  st.readings = readings;
  st.payouts = [
    {
      payee: PAYEE,
      shard: 0,
      cumulativeAmount: String(total - pendingAmount),
      withdrawn: '5000',
      withdrawable: String(total - pendingAmount - 5000n),
      batchId: String(batches.length - 2),
      payoutsRoot: `0x${'d1'.repeat(32)}`,
      proof: [],
      latestCumulativeAmount: String(total),
    },
  ];
  st.earnings.set(PAYEE.toLowerCase(), EARNINGS);
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

async function openHousehold(language: 'vi' | 'en', width: number): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  if (language === 'en') await context.addInitScript(() => localStorage.setItem('feedin.language', 'en'));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('/readings')) readingRequests.push(path);
    if (path.startsWith('/api/batches')) batchRequests.push(path);
  });
  await page.goto(`${s.url}/#token=${HOUSEHOLD_TOKEN}`);
  await page.waitForURL(`${s.url}/household`);
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => document.querySelector('#interval-chart')?.hasAttribute('data-y-ranges') && document.querySelector('#power-chart')?.hasAttribute('data-y-ranges'));
  return { page, problems };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
const shotOf = (l: Locator, name: string) => l.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

const EXPECTED = {
  vi: {
    today: `${Number(EARNINGS.today.amount).toLocaleString('vi-VN')} ₫ · ${(Number(EARNINGS.today.exportWh) / 1000).toLocaleString('vi-VN', { minimumFractionDigits: 3 })} kWh`,
    pending: /^\S+ ₫ từ 2 lô đang chờ: sẽ được chốt vào khoảng 13:52:00 22 thg 11, 2026 \(sau \d{1,2} giây thời gian thực\), trừ khi cơ quan quản lý phong tỏa\.$/,
    challenge: 'Vì sao phải chờ: mỗi lô để mở 20 giây (thời gian thực) sau khi lên chuỗi, là thời hạn khiếu nại để cơ quan quản lý phong tỏa lô sai, sau đó lô được chốt và bạn có thể rút tiền.',
    capped: `12:00–12:15 22 thg 11, 2026, công tơ m-a1: giới hạn ở 20 % công suất hệ thống 5 kW của bạn = 0,25 kWh mỗi 15 phút, ${BASIS}; được trả cho 0,250 trên 0,310 kWh đã phát.`,
    since: 'Công tơ m-a2 bị tạm ngừng từ 09:00:00 22 thg 11, 2026, bởi đơn vị vận hành.',
    reason: 'Lý do được ghi nhận: “seal of the meter box found broken at the inspection”.',
    meaning: /^Điều này có nghĩa là: số đọc công tơ gửi từ lúc đó bị từ chối và không được trả tiền/,
  },
  en: {
    today: `₫${Number(EARNINGS.today.amount).toLocaleString('en')} · ${(Number(EARNINGS.today.exportWh) / 1000).toLocaleString('en', { minimumFractionDigits: 3 })} kWh`,
    pending: /^₫\S+ from 2 batches is pending: it becomes final at about Nov 22, 2026, 13:52:00 \(in \d{1,2} s of real time\) unless the regulator freezes it\.$/,
    challenge: "Why pending: every batch stays open for 20 seconds (real time) after it is on the chain, the regulator's challenge window to freeze a wrong batch, and is then final and yours to withdraw.",
    capped: `Nov 22, 2026, 12:00 – 12:15, meter m-a1: capped at 20 % of your 5 kW system = 0.25 kWh per 15 minutes, ${BASIS}; paid for 0.250 of the 0.310 kWh exported.`,
    since: 'Meter m-a2 is suspended since Nov 22, 2026, 09:00:00, by the operator.',
    reason: 'Reason recorded: “seal of the meter box found broken at the inspection”.',
    meaning: /^What it means: readings it sends from then on are refused and not paid; what it earned before stays yours/,
  },
} as const;

describe.each(['vi', 'en'] as const)('household page in %s', (language) => {
  it.each([1280, 390])('at %i px: earnings, pending, why paid less, suspension, honest charts, paged claims', async (width) => {
    readingRequests.length = 0;
    batchRequests.length = 0;
    const claimCalls = s.ports.calls.claims.length;
    const { page, problems } = await openHousehold(language, width);
    const e = EXPECTED[language];
    const tag = `${language}-${width}`;

    // 5: today and this month beside the cumulative figures; withdrawn, withdrawable, pending.
    expect(await text(page.locator('#earned-today'))).toBe(e.today);
    expect(await text(page.locator('#earned-month'))).toMatch(language === 'vi' ? /^\S+ ₫ · \S+ kWh$/ : /^₫\S+ · \S+ kWh$/);
    const money = (v: bigint) => (language === 'vi' ? `${Number(v).toLocaleString('vi-VN')} ₫` : `₫${Number(v).toLocaleString('en')}`);
    expect(await text(page.locator('#cumulative'))).toBe(money(total - pendingAmount));
    expect(await text(page.locator('#withdrawn'))).toBe(money(5000n));
    expect(await text(page.locator('#withdrawable'))).toBe(money(total - pendingAmount - 5000n));
    expect(await text(page.locator('#pending'))).toBe(money(pendingAmount));
    expect(await text(page.locator('#pending-note'))).toMatch(e.pending);
    expect(await text(page.locator('#challenge-note'))).toBe(e.challenge);
    await shotOf(page.locator('section[aria-labelledby="h-money"]'), `earnings-${tag}`);

    // 6: the capped claim in words with the rule's numbers; the suspension: since, why, meaning.
    expect(await text(page.locator('#paid-less li[data-flag="interval-export-cap"]'))).toBe(e.capped);
    await shotOf(page.locator('#paid-less-section'), `paid-less-${tag}`);
    const suspension = page.locator('#suspended-list .suspension[data-meter-id="m-a2"]');
    expect(await text(suspension.locator('.since'))).toBe(e.since);
    expect(await text(suspension.locator('.reason'))).toBe(e.reason);
    expect(await text(suspension.locator('.meaning'))).toMatch(e.meaning);
    await shotOf(page.locator('#suspended-section'), `suspended-${tag}`);

    // 7: both charts start at zero; the night between the days is a gap, not a line.
    for (const id of ['#interval-chart', '#power-chart']) {
      const ranges = JSON.parse((await page.locator(id).getAttribute('data-y-ranges'))!) as Record<string, [number, number]>;
      for (const [scale, [min, max]] of Object.entries(ranges)) {
        expect(min, `${id} ${scale}`).toBe(0);
        expect(max, `${id} ${scale}`).toBeGreaterThan(0);
      }
    }
    // 200 claims on the first page reach back into day 2; the intervals between 18:00 and 06:00 are gaps.
    expect(Number(await page.locator('#interval-chart').getAttribute('data-gaps'))).toBeGreaterThanOrEqual(48);
    await shotOf(page.locator('section[aria-labelledby="h-intervals"] .chart'), `interval-chart-${tag}`);
    await shotOf(page.locator('#power-chart'), `power-chart-${tag}`);

    // 8: claims from the per-payee endpoint, no batch fetched; one readings request for both meters.
    expect(batchRequests).toEqual([]);
    expect(readingRequests).toEqual(['/api/readings']);
    expect(s.ports.calls.claims.slice(claimCalls)).toEqual([{ of: PAYEE, query: { limit: 200 } }]);
    expect(s.ports.calls.readings.slice(-2).map((r) => r.meterId)).toEqual(['m-a1', 'm-a2']);
    expect(await page.locator('#claims-table tbody tr').count()).toBe(200);
    await page.locator('#load-older').click();
    await expect.poll(() => page.locator('#claims-table tbody tr').count()).toBe(allClaims.length);
    expect(await page.locator('#load-older').isHidden()).toBe(true);
    expect(s.ports.calls.claims.at(-1)!.query.after).toBeDefined();
    // The oldest row's cumulative is its own amount: the rows count back from the newest cumulative.
    const oldest = page.locator('#claims-table tbody tr').last();
    expect(await text(oldest.locator('td').nth(7))).toBe(await text(oldest.locator('td').nth(6)));
    // The newest row (pending) says so.
    expect(await page.locator('#claims-table tbody tr').first().locator('td').nth(2).getAttribute('data-csv')).toBe('pending');

    // At 390 px the page does not scroll sideways and the withdraw dialog fits on screen.
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await page.locator('#withdraw').click();
    const dialog = page.locator('#confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(width);
    // Nothing inside it is cut off: the long payee address wraps.
    expect(await dialog.evaluate((d) => Array.from(d.querySelectorAll('*')).every((el) => el.scrollWidth <= el.clientWidth + 1 || getComputedStyle(el).overflowX !== 'visible'))).toBe(true);
    expect(await dialog.evaluate((d) => d.scrollWidth <= d.clientWidth)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, `withdraw-dialog-${tag}.png`) });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await shot(page, `page-${tag}`);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it.each([1280, 390])('at %i px: signs in with the payee key through an EIP-1193 wallet (EIP-4361)', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    if (language === 'en') await context.addInitScript(() => localStorage.setItem('feedin.language', 'en'));
    const signed: string[] = [];
    // The wallet's key stays in node: the page's provider calls back to sign (personal_sign of
    // the message's UTF-8 bytes, EIP-191), as a real wallet extension would after asking.
    await context.exposeFunction('feedinTestSign', async (hex: string) => {
      const message = new TextDecoder().decode(getBytes(hex));
      signed.push(message);
      return WALLET.signMessage(message);
    });
    await context.addInitScript((address: string) => {
      const w = window as unknown as { ethereum: unknown; feedinTestSign(hex: string): Promise<string> };
      w.ethereum = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address.toLowerCase()];
          if (method === 'personal_sign') return w.feedinTestSign(params![0] as string);
          throw Object.assign(new Error(`unsupported method ${method}`), { code: 4200 });
        },
      };
    }, WALLET.address);
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForFunction((l) => document.documentElement.lang === l, language);
    expect(await text(page.locator('#wallet-login'))).toBe(language === 'vi' ? 'Đăng nhập bằng ví' : 'Sign in with your wallet');
    await shot(page, `login-wallet-${language}-${width}`);
    await page.locator('#wallet-login').click();
    await page.waitForURL(`${s.url}/household`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 20_000 });
    expect(await text(page.locator('#payee'))).toBe(PAYEE);
    expect(signed).toHaveLength(1);
    const host = new URL(s.url).host;
    expect(signed[0]).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')} wants you to sign in with your Ethereum account:\\n${PAYEE}\\n\\nSign in to the household page of Khu pho thu nghiem \\(chain 31337\\)\\.\\n\\nURI: http://${host.replace(/\./g, '\\.')}/\\nVersion: 1\\nChain ID: 31337\\nNonce: [0-9a-f]{32}\\n`));
    // No token anywhere: the session is the HttpOnly cookie.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await context.close();
  }, 90_000);

  it('without a wallet the login page says so', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    if (language === 'en') await context.addInitScript(() => localStorage.setItem('feedin.language', 'en'));
    const page = await context.newPage();
    await page.goto(`${s.url}/`);
    await page.waitForFunction((l) => document.documentElement.lang === l, language);
    await page.locator('#wallet-login').click();
    expect(await text(page.locator('#login-status'))).toBe(
      language === 'vi' ? 'Không tìm thấy ví Ethereum (EIP-1193, ví dụ MetaMask) trong trình duyệt này.' : 'No Ethereum wallet (EIP-1193, such as MetaMask) was found in this browser.',
    );
    await context.close();
  }, 60_000);
});
