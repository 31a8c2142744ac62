// Payouts and the regulator's independent audit on a fast embedded sandbox: withdrawals from the
// CLI and the API move exactly cumulative − withdrawn to the payee's token balance, a second one
// pays nothing; `audit batch` rebuilds a real batch to the chain's roots; `audit meter` shows a
// meter's pagination gap; the daily report adds up (claims = chain totals = withdrawn + outstanding).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { chromium } from 'playwright-core';
import { parse } from 'yaml';
import { createChainClient, type ChainClient } from '@feedin/contracts/chain-client';
import type { Deployment } from '@feedin/contracts/deploy';
import { buildOcmfPayload, signOcmf } from '@feedin/protocol/ocmf-build';
import { hexToBytes, type Hex } from '@feedin/protocol/hex';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR = 'e2e-payouts-regulator-token';
const GAP_METER = 'E2E-GAP';

describe('payouts, audit and the daily report', () => {
  let sandbox: SandboxProcess;
  let workDir: string;
  let chain: ChainClient;
  let payees: Hex[];
  let reportDate = '';

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-pay-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 3;
      config.limits.clockSkewSeconds = 3600; // hand-made readings below are stamped from /api/health
      config.meters = config.meters.slice(0, 6);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR } });
    const deployment = JSON.parse(await readFile(join(sandbox.dataDir, 'chain', 'deployment.json'), 'utf8')) as Deployment;
    chain = createChainClient({ rpcUrl: `http://127.0.0.1:${sandbox.chainPort}`, chainId: deployment.chainId, deployment });
    const { body } = await sandbox.api('/api/meters', REGULATOR);
    payees = [...new Set<Hex>((body.meters ?? body).map((m: any) => m.payee))];
  }, 120_000);

  afterAll(async () => {
    chain?.close();
    await sandbox?.stop();
  });

  /** A payee with something withdrawable against a final batch, and its payout view. */
  async function payeeWithSomethingDue(exclude: Hex[] = []): Promise<{ payee: Hex; payout: any }> {
    return sandbox.waitFor(
      'a payee with something withdrawable',
      async () => {
        for (const payee of payees.filter((p) => !exclude.includes(p))) {
          const { body } = await sandbox.api(`/api/payouts/${payee}`, REGULATOR);
          if (BigInt(body.withdrawable ?? 0) > 0n) return { payee, payout: body };
        }
        return undefined;
      },
      120_000,
    );
  }

  it('serves cumulative, withdrawn and a proof against the newest final batch', async () => {
    const { payout } = await payeeWithSomethingDue();
    expect(Object.keys(payout).sort()).toEqual(['batchId', 'cumulativeAmount', 'earnings', 'latestCumulativeAmount', 'payee', 'payoutsRoot', 'proof', 'shard', 'withdrawable', 'withdrawn'].sort());
    expect(BigInt(payout.withdrawable)).toBe(BigInt(payout.cumulativeAmount) - BigInt(payout.withdrawn));
    expect(BigInt(payout.latestCumulativeAmount) >= BigInt(payout.cumulativeAmount)).toBe(true);
    const onChain = await chain.batch(BigInt(payout.batchId));
    expect(onChain?.final).toBe(true);
    expect(onChain?.payoutsRoot).toBe(payout.payoutsRoot);
  }, 150_000);

  it('withdraws from the CLI: the balance rises by exactly cumulative − withdrawn; a second one pays the difference only', async () => {
    const { payee } = await payeeWithSomethingDue();
    const before = await chain.tokenBalance(payee);
    const first = await runCli(['payout', 'withdraw', '--payee', payee], sandbox.env);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const paid = JSON.parse(first.stdout);
    expect(paid).toMatchObject({ ok: true, payee });
    expect(BigInt(paid.paid)).toBe(BigInt(paid.cumulativeAmount) - BigInt(paid.withdrawnBefore));
    expect((await chain.tokenBalance(payee)) - before).toBe(BigInt(paid.paid));
    expect(await chain.withdrawn(payee)).toBe(BigInt(paid.cumulativeAmount));

    // A new batch may turn final between the two runs; then the second pays only what it added.
    const second = await runCli(['payout', 'withdraw', '--payee', payee], sandbox.env);
    if (second.code === 1) expect(second.stderr).toMatch(/nothing due to 0x[0-9a-fA-F]{40}: cumulative \d+ through final batch \d+, already withdrawn \d+/);
    else {
      expect(second.code, second.stderr).toBe(0);
      const again = JSON.parse(second.stdout);
      expect(again.withdrawnBefore).toBe(paid.cumulativeAmount);
      expect(BigInt(again.cumulativeAmount)).toBeGreaterThan(BigInt(paid.cumulativeAmount));
    }
  }, 150_000);

  it('withdraws through the API; repeating it at once is refused as nothing due; a household reaches only its own payee', async () => {
    const { payee } = await payeeWithSomethingDue();
    const post = async (path: string, token: string) => {
      const response = await fetch(sandbox.httpUrl + path, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const before = await chain.tokenBalance(payee);
    const { status, body } = await post(`/api/payouts/${payee}/withdraw`, REGULATOR);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(BigInt(body.paid)).toBe(BigInt(body.cumulativeAmount) - BigInt(body.withdrawnBefore));
    expect((await chain.tokenBalance(payee)) - before).toBe(BigInt(body.paid));
    const repeat = await post(`/api/payouts/${payee}/withdraw`, REGULATOR);
    if (repeat.status !== 200) {
      expect(repeat.status).toBe(409);
      expect(repeat.body.error.message).toMatch(/^nothing-due: nothing due to /);
    }

    const config = parse(await readFile(join(workDir, 'sandbox.yaml'), 'utf8'));
    const other = config.participants.households.find((h: any) => h.payee.toLowerCase() !== payee.toLowerCase());
    const forbidden = await post(`/api/payouts/${payee}/withdraw`, other.token.sandboxTestValue);
    expect(forbidden.status).toBe(403);
  }, 150_000);

  it('sweeps every payee with something due in one transaction', async () => {
    await payeeWithSomethingDue();
    const sweep = await runCli(['payout', 'sweep'], sandbox.env);
    expect(sweep.code, sweep.stderr).toBe(0);
    const result = JSON.parse(sweep.stdout);
    expect(result.paid.length).toBeGreaterThan(0);
    // Settlement.withdrawMany: every payee due in one transaction
    expect(result.transactions).toBe(1);
    expect(new Set(result.paid.map((r: any) => r.txHash)).size).toBe(1);
    for (const r of result.paid) expect(await chain.withdrawn(r.payee)).toBe(BigInt(r.cumulativeAmount));
    for (const r of result.paid) expect(BigInt(r.paid)).toBe(BigInt(r.cumulativeAmount) - BigInt(r.withdrawnBefore));
    expect(BigInt(result.totalPaid)).toBe(result.paid.reduce((s: bigint, r: any) => s + BigInt(r.paid), 0n));
  }, 150_000);

  it('audit batch rebuilds a real batch to the roots and totals on chain', async () => {
    const { body } = await sandbox.api('/api/batches', REGULATOR);
    const batch = (body.batches ?? body).find((b: any) => b.claimCount > 0 && b.txHash && b.status !== 'rejected');
    // Human output in the default sandbox's language (vi-VN), and in English on request.
    const result = await runCli(['audit', 'batch', batch.batchId], sandbox.env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ĐẠT {2}lập lại từ các số đọc có chữ ký khớp với bản ghi và chuỗi khối/);
    expect(result.stdout).toMatch(/ số tiền +[\d.]+\s₫ +[\d.]+\s₫ +[\d.]+\s₫/);
    const english = await runCli(['audit', 'batch', batch.batchId], { ...sandbox.env, FEEDIN_LANG: 'en' });
    expect(english.stdout).toMatch(/PASS {2}the rebuild from signed readings equals the record and the chain/);
    expect(english.stdout).toMatch(/ amount +₫[\d,]+ +₫[\d,]+ +₫[\d,]+/);
    const json = JSON.parse((await runCli(['audit', 'batch', batch.batchId, '--json'], sandbox.env)).stdout);
    expect(json.rebuilt).toEqual(json.onChain);
    expect(json.onChain.claimsRoot).toBe(batch.claimsRoot.toLowerCase());
    const missing = await runCli(['audit', 'batch', '999999'], sandbox.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/batch 999999 is not in the gateway's records/);
  }, 60_000);

  it('audit meter lists a pagination gap, with every reading re-verified', async () => {
    const keyFile = join(workDir, 'gap.key');
    const keygen = await runCli(['meter', 'keygen', '--out', keyFile], sandbox.env);
    const { publicKey } = JSON.parse(keygen.stdout);
    const register = await runCli(['meter', 'register', '--id', GAP_METER, '--pubkey', publicKey, '--payee', '0x' + '42'.repeat(20), '--capacity-w', '5000'], sandbox.env);
    expect(register.code, register.stderr).toBe(0);
    const key = hexToBytes((await readFile(keyFile, 'utf8')).trim());
    const jwt = (await runCli(['meter', 'token', '--id', GAP_METER, '--key', keyFile], sandbox.env)).stdout.trim();
    const client = await sandbox.waitFor('the new meter in the gateway directory', () =>
      new Promise<mqtt.MqttClient | undefined>((ok) => {
        const c = mqtt.connect({ host: '127.0.0.1', port: sandbox.mqttPort, clientId: GAP_METER, username: GAP_METER, password: jwt, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
        c.once('connect', () => ok(c));
        c.once('error', () => {
          c.end(true);
          ok(undefined);
        });
      }),
    30_000);
    const nowMs = Date.parse((await sandbox.api('/api/health')).body.now);
    const t0 = nowMs - 10 * 60_000;
    const reading = (pg: number, minute: number) =>
      signOcmf(buildOcmfPayload({ meterId: GAP_METER, pagination: pg, importWh: 1_000n, exportWh: 100n + BigInt(pg), timestampMs: t0 + minute * 60_000, utcOffsetMinutes: 420 }), key);
    const topic = `feedin/v1/meters/${GAP_METER}/readings`;
    for (const [pg, minute] of [[1, 0], [2, 1], [5, 2]] as const) await client.publishAsync(topic, reading(pg, minute), { qos: 1 });
    client.end(true);

    const range = ['--from', new Date(t0 - 60_000).toISOString(), '--to', new Date(t0 + 5 * 60_000).toISOString()];
    const table = await runCli(['audit', 'meter', GAP_METER, ...range], sandbox.env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/THIẾU +F2 → F5: thiếu 2 số đọc từ /);
    expect(table.stdout).toContain('(Asia/Ho_Chi_Minh (GMT+7))');
    const english = await runCli(['audit', 'meter', GAP_METER, ...range], { ...sandbox.env, FEEDIN_LANG: 'en' });
    expect(english.stdout).toMatch(/GAP +F2 → F5: 2 readings missing between /);
    expect(english.stdout).toMatch(/\n3 readings, 0 invalid signatures, 1 gap \(2 missing\), /);
    const json = JSON.parse((await runCli(['audit', 'meter', GAP_METER, ...range, '--json'], sandbox.env)).stdout);
    expect(json.gaps).toEqual([{ afterPagination: 2, beforePagination: 5, missing: 2, fromMs: t0 + 60_000, toMs: t0 + 120_000 }]);
    expect(json.readings.map((r: any) => [r.pagination, r.signature])).toEqual([[1, 'valid'], [2, 'valid'], [5, 'valid']]);
    expect(json.summary).toMatchObject({ readings: 3, invalidSignatures: 0, gaps: 1, missingReadings: 2 });
    // The same range written as sandbox-local wall time without an offset (UTC+7, whole seconds).
    const local = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 19);
    const localRange = ['--from', local(t0 - 60_000), '--to', local(t0 + 5 * 60_000)];
    const fromLocal = JSON.parse((await runCli(['audit', 'meter', GAP_METER, ...localRange, '--json'], sandbox.env)).stdout);
    expect(fromLocal.fromMs).toBe(Math.floor((t0 - 60_000) / 1000) * 1000);
    expect([fromLocal.readings, fromLocal.gaps]).toEqual([json.readings, json.gaps]);
  }, 90_000);

  it('the daily report adds up: Σ claims = totals on chain = withdrawals + outstanding', async () => {
    const { body } = await sandbox.api('/api/batches', REGULATOR);
    const batch = (body.batches ?? body).find((b: any) => b.claimCount > 0 && b.txHash && b.status !== 'rejected');
    const date = new Date(batch.intervalStartMs + 420 * 60_000).toISOString().slice(0, 10);

    const cli = await runCli(['report', 'daily', '--date', date, '--format', 'json'], sandbox.env);
    expect(cli.code, cli.stderr).toBe(0);
    const report = JSON.parse(cli.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: any) => [c.name, c.ok])).toEqual([
      ['day-claims-equal-chain', true],
      ['claims-equal-committed', true],
      ['committed-equals-withdrawn-plus-outstanding', true],
    ]);
    const sum = (xs: string[]) => xs.reduce((s, x) => s + BigInt(x), 0n);
    expect(sum(report.households.map((h: any) => h.amount))).toBe(BigInt(report.totals.amount));
    const onChainOfDay = report.batches.filter((b: any) => b.chainTotalAmount !== null && b.chainStatus !== 'rejected');
    if (onChainOfDay.length === report.batches.filter((b: any) => b.chainStatus !== 'rejected').length)
      expect(sum(onChainOfDay.map((b: any) => b.chainTotalAmount))).toBe(BigInt(report.totals.amount));
    expect(BigInt(report.ledger.committedOnChain)).toBe(BigInt(report.ledger.withdrawn) + BigInt(report.ledger.outstanding));
    expect(BigInt(report.ledger.withdrawn)).toBeGreaterThan(0n); // the withdrawals above
    const ledgerBatch = await chain.batch(BigInt(report.ledger.throughBatchId));
    expect(ledgerBatch?.committedThrough).toBe(BigInt(report.ledger.committedOnChain));

    const response = await fetch(`${sandbox.httpUrl}/api/reports/daily?date=${date}&format=csv`, { headers: { authorization: `Bearer ${REGULATOR}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await response.text();
    expect(csv.split('\r\n').filter((l) => l.startsWith('section,'))).toEqual(
      ['summary', 'checks', 'batches', 'households', 'rejections', 'gaps', 'caps', 'ledger', 'payees'].map((s) => `section,${s}`),
    );
    const household = await sandbox.api(`/api/reports/daily?date=${date}`, 'household-hh-01-sandbox-token');
    expect(household.status).toBe(403);
    const bad = await sandbox.api('/api/reports/daily?date=2026-02-30', REGULATOR);
    expect(bad.status).toBe(400);
    reportDate = date;
  }, 60_000);

  it('prints the daily report from a real browser: figures on screen, controls hidden on paper', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await (await browser.newContext()).newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      await page.goto(`${sandbox.httpUrl}/#token=${REGULATOR}`);
      await page.waitForURL(`${sandbox.httpUrl}/regulator`, { timeout: 15_000 });
      await page.goto(`${sandbox.httpUrl}/report?date=${reportDate}`);
      await page.locator('#verdict.ok').waitFor({ timeout: 20_000 });
      // The default sandbox is vi-VN: the report reads Vietnamese, its money in ₫, names beside payees.
      expect(await page.locator('#verdict').textContent()).toBe('Báo cáo khớp: yêu cầu thanh toán = tổng trên chuỗi = đã rút + còn phải trả.');
      expect(await page.locator('#time-zone').textContent()).toBe('Asia/Ho_Chi_Minh (GMT+7)');
      expect((await page.locator('#households tbody tr td').first().textContent())!).toMatch(/ — /); // "Nguyễn Văn An — Quận 7"
      expect((await page.locator('#ledger dd').nth(1).textContent())!.replace(/\s/g, ' ')).toMatch(/^[\d.]+ ₫$/);
      expect(await page.locator('#checks tbody tr').count()).toBe(3);
      expect(await page.locator('#batches tbody tr').count()).toBeGreaterThan(0);
      expect(await page.locator('#csv').getAttribute('href')).toBe(`/api/reports/daily?date=${reportDate}&format=csv`);
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('header.top').isVisible()).toBe(false);
      expect(await page.locator('h1.print-only').isVisible()).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
