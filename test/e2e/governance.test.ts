// The regulator's governance end to end (issue 4) on the default sandbox with a fast clock and four
// meters: pause (no batch submitted, readings still stored) → resume → freeze → suspend a meter
// back-dated into the frozen batch → reject → the gateway rebuilds and resubmits from the rejected
// id without the suspended meter's later export → payouts equal an independent recomputation from
// the signed readings → approve → end the sandbox. Actions go through both the API and the CLI.
// Gas of each action and reject→resubmission time are printed (measured, not asserted).
import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR = 'e2e-regulator-token';
const OPERATOR = 'operator-sandbox-token';
const PRICE_PER_KWH = 671n;
const CAP_PERCENT = 20n;
const INTERVAL_MINUTES = 15;

const gas: Record<string, string> = {};
const measures: Record<string, number> = {};

describe('regulator governance (embedded sandbox)', () => {
  let sandbox: SandboxProcess;
  let capacityW: Map<string, bigint>;

  const post = async (path: string, body: unknown, token = REGULATOR) => {
    const response = await fetch(sandbox.httpUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const cli = async (...args: string[]) => {
    const result = await runCli(['regulator', ...args], sandbox.env);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    return JSON.parse(result.stdout) as any;
  };
  const batches = async (): Promise<any[]> => (await sandbox.api('/api/batches?limit=1000', REGULATOR)).body.batches;
  const current = async () => (await batches()).filter((b) => b.status !== 'rejected');
  const onChain = (b: any) => /^0x[0-9a-f]{64}$/.test(b.txHash ?? '') && b.status !== 'built';

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-governance-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 40; // long enough to freeze a batch before it is final
      config.meters = config.meters.slice(0, 4);
    });
    capacityW = new Map((await import('yaml')).parse(await (await import('node:fs/promises')).readFile(configPath, 'utf8')).meters.map((m: any) => [m.id, BigInt(m.capacityW)]));
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    console.log(`governance e2e measures: gas ${JSON.stringify(gas)}; ${JSON.stringify(measures)}`);
  });

  it('refuses regulator actions to other roles and to no token', async () => {
    expect((await post('/api/regulator/pause', { reason: 'x' }, OPERATOR)).status).toBe(403);
    expect((await post('/api/regulator/pause', { reason: 'x' }, 'nobody')).status).toBe(401);
    expect((await sandbox.api('/api/regulator/audit-log', OPERATOR)).status).toBe(403);
    expect((await post('/api/regulator/pause', { reason: '' })).body.error).toMatchObject({ code: 'invalid-parameter', param: 'reason' });
    const { status, body } = await sandbox.api('/api/regulator/status', REGULATOR);
    expect(status).toBe(200);
    expect(body).toMatchObject({ paused: false, ended: false, budgetUsed: expect.stringMatching(/^\d+$/), limits: { exportCapPercentOfCapacity: 20 } });
  });

  it('pauses: no batch is submitted while paused, readings keep being stored; resumes from the CLI', async () => {
    await sandbox.waitFor('a batch with claims on chain', async () => (await current()).some((b) => b.claimCount > 0 && onChain(b)), 120_000);
    const paused = await post('/api/regulator/pause', { reason: 'e2e: incident review' });
    expect(paused.status).toBe(201);
    expect(paused.body).toMatchObject({ action: 'pause', outcome: 'ok', via: 'api', reason: 'e2e: incident review', reasonHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
    gas.pause = paused.body.gasUsed;
    const lastOnChain = Math.max(...(await current()).filter(onChain).map((b) => Number(b.batchId)));
    const readingsBefore = (await sandbox.api('/api/meters/HCM-0001/readings?limit=10000', REGULATOR)).body.readings.length;

    // Two more intervals close and are built while paused.
    await sandbox.waitFor('two batches built while paused', async () => (await current()).filter((b) => Number(b.batchId) > lastOnChain + 1).length >= 2, 60_000);
    const held = (await current()).filter((b) => Number(b.batchId) > lastOnChain);
    expect(held.every((b) => b.status === 'built' && b.txHash === null)).toBe(true);
    expect((await sandbox.api('/api/meters/HCM-0001/readings?limit=10000', REGULATOR)).body.readings.length).toBeGreaterThan(readingsBefore);
    expect((await sandbox.api('/api/regulator/status', REGULATOR)).body.paused).toBe(true);

    const resumed = await cli('resume', '--reason', 'e2e: review done');
    expect(resumed).toMatchObject({ action: 'resume', outcome: 'ok', via: 'cli' });
    gas.resume = resumed.gasUsed;
    await sandbox.waitFor('the held batches on chain', async () => {
      const now = await current();
      return held.every((h) => now.some((b) => b.batchId === h.batchId && onChain(b)));
    }, 60_000);
  }, 200_000);

  let rejectedId = '';
  let suspendedFromMs = 0;

  it('freezes a batch, suspends a meter back-dated into it, rejects it; the gateway resubmits from that id', async () => {
    const target = await sandbox.waitFor('a pending batch with claims of HCM-0002', async () => {
      for (const b of (await current()).filter((x) => x.status === 'pending' && x.claimCount > 0)) {
        const detail = (await sandbox.api(`/api/batches/${b.batchId}`, REGULATOR)).body;
        if (detail.claims.some((c: any) => c.meterId === 'HCM-0002')) return detail;
      }
      return undefined;
    }, 60_000);
    rejectedId = target.batchId;
    const frozen = await cli('freeze', rejectedId, '--reason', 'e2e: meter HCM-0002 under review');
    gas.freeze = frozen.gasUsed;

    // Suspend HCM-0002 from 5 sandbox minutes into the frozen interval (after readings were stored).
    suspendedFromMs = target.intervalStartMs + 5 * 60_000;
    const suspended = await post('/api/regulator/meters/HCM-0002/suspend', { reason: 'e2e: seal broken', from: new Date(suspendedFromMs).toISOString() });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(201);
    expect(suspended.body.details).toEqual({ from: new Date(suspendedFromMs).toISOString() });
    gas.suspendMeter = suspended.body.gasUsed;

    // The frozen batch paid HCM-0002 past that time; the rebuild must not (next test).
    expect(target.claims.find((c: any) => c.meterId === 'HCM-0002').closing.timestampMs).toBeGreaterThanOrEqual(suspendedFromMs);
    const oldTx = target.txHash;
    const rejected = await post(`/api/regulator/batches/${rejectedId}/reject`, { reason: 'e2e: rebuild without HCM-0002' });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(201);
    gas.reject = rejected.body.gasUsed;
    const rejectedAt = performance.now();
    const resubmitted = await sandbox.waitFor('the rebuilt batch on chain', async () => {
      const b = (await current()).find((x) => x.batchId === rejectedId);
      return b && onChain(b) && b.txHash !== oldTx && b.blockNumber > rejected.body.blockNumber ? b : undefined;
    }, 60_000);
    measures.rejectToResubmittedMs = Math.round(performance.now() - rejectedAt);
    expect(resubmitted.batchId).toBe(rejectedId);
    expect((await batches()).some((b) => b.batchId === rejectedId && b.status === 'rejected' && b.txHash === oldTx)).toBe(true);
  }, 150_000);

  it('does not pay the suspended meter after its suspension time, in the rebuilt batch and later ones', async () => {
    await sandbox.waitFor('two batches after the rebuilt one', async () => (await current()).filter((b) => Number(b.batchId) > Number(rejectedId) + 1 && onChain(b)).length > 0, 60_000);
    for (const b of (await current()).filter((x) => Number(x.batchId) >= Number(rejectedId))) {
      const detail = (await sandbox.api(`/api/batches/${b.batchId}`, REGULATOR)).body;
      for (const c of detail.claims.filter((x: any) => x.meterId === 'HCM-0002')) expect(c.closing.timestampMs).toBeLessThan(suspendedFromMs);
      if (b.intervalStartMs >= suspendedFromMs) expect(detail.claims.map((c: any) => c.meterId)).not.toContain('HCM-0002');
    }
  }, 90_000);

  it('pays what an independent recomputation from the signed readings gives', async () => {
    // Approve a pending batch (the regulator's fast path to finality), then recompute. One
    // submitted after this test began, so that its challenge window is not about to close: the
    // oldest pending one may already be final on chain before the gateway's view catches up.
    const before = Math.max(0, ...(await current()).map((b) => Number(b.batchId)));
    const pending = await sandbox.waitFor('a new pending batch', async () => (await current()).find((b) => b.status === 'pending' && Number(b.batchId) > before), 60_000);
    gas.freezeForApprove = (await post(`/api/regulator/batches/${pending.batchId}/freeze`, { reason: 'e2e: spot check' })).body.gasUsed;
    const approved = await post(`/api/regulator/batches/${pending.batchId}/approve`, { reason: 'e2e: spot check passed' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(201);
    gas.approve = approved.body.gasUsed;
    // Final once every earlier batch is (Settlement: finality in order), so up to the earlier
    // batches' 40 s window after the approval.
    await sandbox.waitFor(`batch ${pending.batchId} final`, async () => (await current()).find((b) => b.batchId === pending.batchId && b.status === 'final'), 75_000);

    const finalId = Number(pending.batchId);
    const signed = new Map<string, bigint>(); // payload digest → export register, from the signed OCMF
    for (const meterId of capacityW.keys()) {
      for (const r of (await sandbox.api(`/api/meters/${meterId}/readings?limit=10000`, REGULATOR)).body.readings) {
        const payload = (r.ocmf as string).slice(5, (r.ocmf as string).lastIndexOf('|'));
        const digest = '0x' + createHash('sha256').update(payload, 'utf8').digest('hex');
        const rd = JSON.parse(payload).RD.find((x: any) => x.RI === '1-0:2.8.0');
        signed.set(digest, BigInt(rd.RV));
      }
    }
    const running = new Map<string, bigint>();
    /** batch id → cumulative per payee through it, recomputed */
    const expectedThrough = new Map<string, Map<string, bigint>>();
    const carry = new Map<string, bigint>();
    const periodMs = INTERVAL_MINUTES * 60_000;
    for (const b of (await current()).filter(onChain).sort((x, y) => Number(x.batchId) - Number(y.batchId))) {
      const detail = (await sandbox.api(`/api/batches/${b.batchId}`, REGULATOR)).body;
      for (const c of detail.claims) {
        const exportWh = signed.get(c.closing.payloadDigest)! - signed.get(c.opening.payloadDigest)!;
        expect(String(exportWh)).toBe(c.exportWh);
        // Decree 135 example: paid export per interval ≤ 20 % of capacity (per interval covered).
        const covered = BigInt(Math.max(1, Math.ceil((c.closing.timestampMs - c.opening.timestampMs) / periodMs)));
        const capWh = (capacityW.get(c.meterId)! * CAP_PERCENT * BigInt(INTERVAL_MINUTES) * covered) / 6000n;
        const paidWh = exportWh < capWh ? exportWh : capWh;
        expect(c.flags.includes('interval-export-cap')).toBe(exportWh > capWh);
        const milli = paidWh * PRICE_PER_KWH + (carry.get(c.meterId) ?? 0n);
        carry.set(c.meterId, milli % 1000n);
        expect(c.amount).toBe(String(milli / 1000n));
        running.set(c.payee, (running.get(c.payee) ?? 0n) + milli / 1000n);
      }
      expectedThrough.set(b.batchId, new Map(running));
    }
    expect(running.size).toBe(capacityW.size);
    for (const payee of running.keys()) {
      const { body } = await sandbox.api(`/api/payouts/${payee}`, REGULATOR);
      // the proof is against the latest final batch: the approved one, or a later one by then
      expect(Number(body.batchId)).toBeGreaterThanOrEqual(finalId);
      expect(body.cumulativeAmount).toBe(String(expectedThrough.get(body.batchId)!.get(payee) ?? 0n));
    }
  }, 180_000);

  it('revokes a meter key from the CLI: the gateway refuses that meter\'s later readings with key-revoked', async () => {
    const result = await runCli(['meter', 'revoke-key', '--id', 'HCM-0003', '--reason', 'e2e: key leaked'], sandbox.env);
    expect(result.code, result.stderr).toBe(0);
    const revoked = JSON.parse(result.stdout);
    gas.revokeKey = revoked.gasUsed;
    const rejection = await sandbox.waitFor('a key-revoked rejection', async () => {
      const { body } = await sandbox.api('/api/rejections?meterId=HCM-0003&reason=key-revoked', REGULATOR);
      return (body.rejections ?? body)[0];
    }, 60_000);
    expect(rejection).toMatchObject({ meterId: 'HCM-0003', reason: 'key-revoked' });
  }, 90_000);

  it('ends the sandbox from the CLI and keeps every action in the audit log', async () => {
    const ended = await cli('end-sandbox', '--reason', 'e2e: trial complete');
    gas.endSandbox = ended.gasUsed;
    await sandbox.waitFor('the ended status', async () => (await sandbox.api('/api/regulator/status', REGULATOR)).body.ended === true, 20_000);
    const { body } = await sandbox.api('/api/regulator/audit-log', REGULATOR);
    expect(body.entries.map((e: any) => [e.action, e.via, e.outcome])).toEqual([
      ['pause', 'api', 'ok'],
      ['resume', 'cli', 'ok'],
      ['freeze', 'cli', 'ok'],
      ['suspend-meter', 'api', 'ok'],
      ['reject', 'api', 'ok'],
      ['freeze', 'api', 'ok'],
      ['approve', 'api', 'ok'],
      ['end-sandbox', 'cli', 'ok'],
    ]);
    // a second end is refused by the contract, and the refusal is logged too
    const again = await post('/api/regulator/end-sandbox', { reason: 'again' });
    expect([again.status, again.body.error.refusal?.code]).toEqual([409, 'SettlementSandboxEnded']);
    expect(again.body.error.message).toMatch(/^the sandbox ended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: nothing after it is settled$/);
    expect((await sandbox.api('/api/regulator/audit-log', REGULATOR)).body.entries.at(-1)).toMatchObject({ action: 'end-sandbox', outcome: 'refused' });
  }, 60_000);
});
