// Contract refusals through the API and on the pages (issue 11 item 13): the regulator's and the
// operator's actions, a withdrawal, and anything else that throws a refusal answer with the words
// ("batch 2 is already final"), the right status and the refusal's machine code; the page shows the
// words beside the button that was pressed. The refusals are the chain client's own ChainError,
// decoded from the contracts' ABI encoding of the error, as a real node would return it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Interface, id } from 'ethers';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractErrorFragments, toChainError } from '@feedin/contracts/chain-error';
import { openAuditLog } from '@feedin/gateway/governance/audit-log';
import { createRegulatorActions, type RegulatorChain } from '@feedin/gateway/governance/regulator-actions';
import { PAYEE_A, TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const REG = TOKENS.regulator!;
const OP = TOKENS.operator!;
const HA = TOKENS.households[0]!.token;
const REGULATOR_KEY_ADDRESS = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

/** What the chain client throws when a node answers a call with this custom error. */
function refused(name: string, args: unknown[]) {
  const data = new Interface(contractErrorFragments() as never).encodeErrorResult(name, args);
  return toChainError({ code: 'UNKNOWN_ERROR', error: { code: 3, message: 'execution reverted', data } }, name);
}

/** A regulator chain whose batches 2 is final and 7 is not on chain; pause is refused to the key. */
function refusingChain(): RegulatorChain {
  const tx = { txHash: `0x${'ab'.repeat(32)}` as const, blockNumber: 1, gasUsed: 1n };
  const byBatch = async (batchId: bigint) => {
    if (batchId === 2n) throw refused('SettlementBatchStatusInvalid', [2n, 4n]);
    throw refused('SettlementBatchStatusInvalid', [batchId, 0n]);
  };
  return {
    pause: async () => {
      throw refused('AccessControlUnauthorizedAccount', [REGULATOR_KEY_ADDRESS, id('REGULATOR_ROLE')]);
    },
    unpause: async () => {
      throw refused('SettlementNotPaused', []);
    },
    freezeBatch: byBatch,
    approveBatch: byBatch,
    rejectBatch: byBatch,
    suspendMeter: async ({ meterId }) => {
      throw refused('MeterRegistryAlreadySuspended', [meterId, 1_795_000_000n]);
    },
    endSandbox: async () => tx,
  };
}

let s: Served;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feedin-refusals-'));
  const auditLog = openAuditLog(join(dir, 'regulator-audit.jsonl'));
  const actions = createRegulatorActions({ chain: refusingChain(), clock: { nowMs: () => Date.parse('2026-11-22T03:20:00Z'), wallNowMs: () => Date.now() }, auditLog, via: 'api' });
  s = await serve({
    info: { sandboxName: 'Test neighbourhood', token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh' },
    regulator: { actions, status: async () => ({}) as never, auditLog: async () => (await auditLog.list()) as never },
  });
  s.ports.withdraw = async () => {
    throw refused('SettlementBatchNotFinal', [2n, 1n]);
  };
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, token: string, body: unknown = { reason: 'checked' }) =>
  s.get(path, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('contract refusals through the API', () => {
  it('a regulator action on a final batch: 409 "batch 2 is already final" with the refusal code, and the audit log in words', async () => {
    const r = await post('/api/regulator/batches/2/approve', REG);
    expect(r.status).toBe(409);
    expect(r.body).toEqual({
      error: {
        code: 'conflict',
        message: 'batch 2 is already final',
        refusal: { code: 'SettlementBatchStatusInvalid', args: { batchId: '2', status: 'final' }, key: 'chain.SettlementBatchStatusInvalid.final', params: { batchId: '2', status: 'final' } },
      },
    });
    const log = (await s.get('/api/regulator/audit-log', REG)).body.entries;
    expect(log.at(-1)).toMatchObject({ action: 'approve', target: '2', outcome: 'refused', error: 'batch 2 is already final' });
  });

  it('a batch not on chain is 404, a key without the role 403, and a meter already suspended 409', async () => {
    const missing = await post('/api/regulator/batches/7/freeze', REG);
    expect([missing.status, missing.body.error.code, missing.body.error.message]).toEqual([404, 'not-found', 'batch 7 is not on chain']);
    const role = await post('/api/regulator/pause', REG);
    expect([role.status, role.body.error.code, role.body.error.message]).toEqual([403, 'forbidden', `${REGULATOR_KEY_ADDRESS} may not do this: it lacks the regulator role on chain`]);
    const again = await post('/api/regulator/meters/m-b1/suspend', REG);
    expect([again.status, again.body.error.message, again.body.error.refusal.args]).toEqual([409, 'meter m-b1 is already suspended (since 2026-11-18T11:06:40Z)', { meterId: 'm-b1', suspendedFrom: '1795000000' }]);
  });

  it('a refusal no route translates itself (here a withdrawal) still answers in words, not 500', async () => {
    const r = await post(`/api/payouts/${PAYEE_A}/withdraw`, HA, {});
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'conflict', message: 'batch 2 is pending, not final yet: withdrawals wait until it is', refusal: { code: 'SettlementBatchNotFinal' } });
    expect(s.logs.filter((l) => l.includes('failed:'))).toEqual([]);
  });
});

describe('contract refusals on the pages', () => {
  it('shows the refusal in words beside the button that was pressed (regulator and operator)', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${s.url}/#token=${REG}`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
    const row = page.locator('#batches-table tbody tr[data-batch-id="2"]');
    await row.locator('button', { hasText: 'Freeze' }).click();
    await page.locator('#confirm-reason').fill('looks wrong');
    await page.locator('#confirm-dialog button[value="confirm"]').click();
    const note = row.locator('.action-error');
    await expect.poll(() => note.textContent()).toBe('batch 2 is already final');
    expect(await note.getAttribute('role')).toBe('alert');
    expect(await note.getAttribute('data-refusal')).toBe('SettlementBatchStatusInvalid');
    // beside the pressed button only (issue #11 item 12): the page-wide status line stays empty
    expect(await page.locator('#action-status').textContent()).toBe('');
    await row.screenshot({ path: join(SCREENSHOTS, 'refusal-regulator-batch-row-1280.png') });
    await context.close();

    const operator = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await operator.goto(`${s.url}/#token=${OP}`);
    await operator.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
    // The operator's suspend goes to the fake port; make the registry refuse it as the chain would.
    s.ports.operatorActions!.suspendMeter = async ({ meterId }) => {
      throw refused('MeterRegistryAlreadySuspended', [meterId, 1_795_000_000n]);
    };
    const meterRow = operator.locator('#meters-table tbody tr[data-meter-id="m-b1"]');
    await meterRow.locator('button', { hasText: 'Suspend' }).click();
    await operator.locator('#confirm-reason').fill('seal broken');
    await operator.locator('#confirm-dialog button[value="confirm"]').click();
    await expect.poll(() => meterRow.locator('.action-error').textContent()).toBe('meter m-b1 is already suspended (since 2026-11-18T11:06:40Z)');
    await meterRow.locator('.action-error').scrollIntoViewIfNeeded();
    await operator.screenshot({ path: join(SCREENSHOTS, 'refusal-operator-meter-row-390.png') });
    await operator.context().close();
  }, 60_000);
});
