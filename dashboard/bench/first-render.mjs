// Benchmark (docs/design.md §Measures that matter: dashboard first render with 10,000 meters): the
// BUILT dashboard app (dashboard/dist) over real HTTP with a fleet of fake ports, and the regulator
// page in Debian's Chromium. firstRenderMs is the page's own mark (performance.now() since
// navigation start when status, batches, meters and rejections are on screen); pageWeightKB is
// every byte the page received up to then (HTML, CSS, scripts, API answers; no compression), from
// the page's resource timing. Run after the build: `node dashboard/bench/first-render.mjs
// [meterCount]`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createDashboardApp } from '../dist/create-dashboard-app.js';
import { startDashboard } from '../dist/start-dashboard.js';
import { createFleetPorts } from './fleet-ports.mjs';

const REGULATOR_TOKEN = 'bench-regulator-token-0123456789';

/** Thrown when there is no browser to measure with; `feedin bench` then skips the row. */
export class BrowserMissingError extends Error {
  code = 'BROWSER_MISSING';
  constructor(executablePath) {
    super(`no Chromium at ${executablePath}: install it (Debian/Ubuntu: apt-get install chromium) or pass its path with --chromium <path>`);
    this.name = 'BrowserMissingError';
  }
}

export async function benchFirstRender({ meterCount = 10_000, runs = 5, executablePath = '/usr/bin/chromium' } = {}) {
  if (!existsSync(executablePath)) throw new BrowserMissingError(executablePath);
  const app = createDashboardApp({
    ports: createFleetPorts({ meterCount }),
    tokens: { regulator: REGULATOR_TOKEN, households: [] },
    log: () => {},
    info: { sandboxName: `Benchmark (${meterCount} meters)`, token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh' },
  });
  const server = await startDashboard({ app, host: '127.0.0.1', port: 0 });
  const samples = [];
  let browser;
  // The server is closed whatever fails, the browser's launch included: a listening socket left
  // open keeps `feedin bench` alive after it has written its results.
  try {
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const login = await context.request.post(`${server.url}/api/session`, { data: { token: REGULATOR_TOKEN } });
      if (login.status() !== 201) throw new Error(`bench login failed: HTTP ${login.status()}`);
      const page = await context.newPage();
      await page.goto(`${server.url}/regulator`);
      await page.locator('body[data-loaded="true"]').waitFor({ timeout: 60_000 });
      const firstRenderMs = Number(await page.locator('body').getAttribute('data-loaded-at-ms'));
      // Bytes of every response that had ended by the first render (same origin: sizes are visible).
      const bytes = await page.evaluate((atMs) => {
        const [nav] = performance.getEntriesByType('navigation');
        const resources = performance.getEntriesByType('resource').filter((e) => e.responseEnd > 0 && e.responseEnd <= atMs);
        return nav.transferSize + resources.reduce((sum, e) => sum + e.transferSize, 0);
      }, firstRenderMs);
      // The page shows a page of the meters and says how many it has: all of them must be loaded.
      const caption = await page.locator('#meters-caption').textContent();
      if (!caption.includes(`of ${meterCount}`)) throw new Error(`bench: the page did not load ${meterCount} meters: "${caption}"`);
      samples.push({ firstRenderMs, pageWeightKB: bytes / 1024 });
      await context.close();
    }
  } finally {
    await browser?.close();
    await server.close();
  }
  // The median run: the first one also pays for Chromium's cold caches.
  samples.sort((a, b) => a.firstRenderMs - b.firstRenderMs);
  const median = samples[Math.floor(samples.length / 2)];
  return { meterCount, runs, firstRenderMs: Math.round(median.firstRenderMs), pageWeightKB: Math.round(median.pageWeightKB), samplesMs: samples.map((s) => Math.round(s.firstRenderMs)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const meterCount = process.argv[2] ? Number(process.argv[2]) : 10_000;
  const result = await benchFirstRender({ meterCount });
  console.log(JSON.stringify(result));
  console.log(`dashboard first render, regulator page, ${meterCount} meters: ${result.firstRenderMs} ms (target < 1000 ms), page weight ${result.pageWeightKB} kB`);
}
