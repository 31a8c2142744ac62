import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Hex } from '@feedin/protocol/hex';
import { openAuditLog } from '../../src/governance/audit-log.js';
import { createRegulatorActions, GovernanceError, reasonHashOf, type RegulatorChain } from '../../src/governance/regulator-actions.js';

const SANDBOX_NOW = Date.parse('2026-11-22T03:20:00Z');
const WALL_NOW = Date.parse('2026-11-30T07:00:00Z');
const TX = `0x${'ab'.repeat(32)}` as Hex;

/** Records the calls; `refuse` makes the next call revert like the contract would. */
function fakeChain() {
  const calls: unknown[][] = [];
  let refuse: { name: string } | undefined;
  const sent = (...args: unknown[]) => {
    calls.push(args);
    if (refuse) {
      const revert = refuse;
      refuse = undefined;
      return Promise.reject(Object.assign(new Error('execution reverted'), { code: 'reverted', revert: { ...revert, args: [] } }));
    }
    return Promise.resolve({ txHash: TX, blockNumber: 42, gasUsed: 31_000n });
  };
  const chain: RegulatorChain = {
    pause: (r) => sent('pause', r),
    unpause: (r) => sent('unpause', r),
    freezeBatch: (id, r) => sent('freezeBatch', id, r),
    approveBatch: (id, r) => sent('approveBatch', id, r),
    rejectBatch: (id, r) => sent('rejectBatch', id, r),
    suspendMeter: (p) => sent('suspendMeter', p),
    endSandbox: (s, r) => sent('endSandbox', s, r),
  };
  return { chain, calls, refuseNext: (name: string) => (refuse = { name }) };
}

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'feedin-governance-'));
  dirs.push(dir);
  const path = join(dir, 'gateway', 'regulator-audit.jsonl');
  const auditLog = openAuditLog(path);
  const fake = fakeChain();
  const actions = createRegulatorActions({ chain: fake.chain, clock: { nowMs: () => SANDBOX_NOW, wallNowMs: () => WALL_NOW }, auditLog, via: 'api' });
  return { ...fake, actions, auditLog, path };
}

describe('regulator actions', () => {
  it('hashes the reason like the contracts (keccak256 of UTF-8)', () => {
    expect(reasonHashOf('hello')).toBe('0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8');
  });

  it('sends the transaction and appends the whole entry to the audit log', async () => {
    const s = setup();
    const entry = await s.actions.freeze('7', 'roots do not match the readings');
    expect(s.calls).toEqual([['freezeBatch', 7n, 'roots do not match the readings']]);
    const expected = {
      recordedAt: '2026-11-30T07:00:00.000Z',
      sandboxTime: '2026-11-22T03:20:00.000Z',
      via: 'api',
      action: 'freeze',
      target: '7',
      reason: 'roots do not match the readings',
      reasonHash: reasonHashOf('roots do not match the readings'),
      details: {},
      outcome: 'ok',
      txHash: TX,
      blockNumber: 42,
      gasUsed: '31000',
      error: null,
    };
    expect(entry).toEqual(expected);
    expect(await s.auditLog.list()).toEqual([{ seq: 1, ...expected }]);
  });

  it('suspends a meter from the sandbox clock by default, from a given time otherwise (whole seconds, rounded up)', async () => {
    const s = setup();
    await s.actions.suspendMeter('HCM-0001', 'tampering suspected');
    await s.actions.suspendMeter('HCM-0002', 'tampering suspected', SANDBOX_NOW - 60_500);
    expect(s.calls).toEqual([
      ['suspendMeter', { meterId: 'HCM-0001', fromSec: SANDBOX_NOW / 1000, reason: 'tampering suspected' }],
      ['suspendMeter', { meterId: 'HCM-0002', fromSec: SANDBOX_NOW / 1000 - 60, reason: 'tampering suspected' }],
    ]);
    expect((await s.auditLog.list()).map((e) => [e.action, e.target, e.details])).toEqual([
      ['suspend-meter', 'HCM-0001', { from: '2026-11-22T03:20:00.000Z' }],
      ['suspend-meter', 'HCM-0002', { from: '2026-11-22T03:19:00.000Z' }],
    ]);
  });

  it('ends the sandbox at the sandbox clock', async () => {
    const s = setup();
    await s.actions.endSandbox('trial complete');
    expect(s.calls).toEqual([['endSandbox', SANDBOX_NOW / 1000, 'trial complete']]);
  });

  it('records a refused action in the log and answers a refused GovernanceError', async () => {
    const s = setup();
    s.refuseNext('SettlementBatchStatusInvalid');
    const error = await s.actions.approve('3', 'checked').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovernanceError);
    expect(error).toMatchObject({ code: 'refused', message: 'approve 3: reverted (SettlementBatchStatusInvalid): execution reverted' });
    const [entry] = await s.auditLog.list();
    expect(entry).toMatchObject({ seq: 1, action: 'approve', target: '3', outcome: 'refused', txHash: null, error: 'reverted (SettlementBatchStatusInvalid): execution reverted' });
  });

  it('refuses bad input before sending anything and logs nothing', async () => {
    const s = setup();
    await expect(s.actions.pause('  ')).rejects.toMatchObject({ code: 'invalid-parameter', param: 'reason' });
    await expect(s.actions.reject('0', 'x')).rejects.toMatchObject({ code: 'invalid-parameter', param: 'batchId' });
    await expect(s.actions.suspendMeter('bad id!', 'x')).rejects.toMatchObject({ code: 'invalid-parameter', param: 'meterId' });
    expect(s.calls).toEqual([]);
    expect(await s.auditLog.list()).toEqual([]);
  });

  it('keeps the log append-only across writers and skips a torn last line', async () => {
    const s = setup();
    const other = openAuditLog(s.path);
    await s.actions.pause('incident 12');
    await createRegulatorActions({ chain: s.chain, clock: { nowMs: () => SANDBOX_NOW, wallNowMs: () => WALL_NOW }, auditLog: other, via: 'cli' }).resume('incident 12 closed');
    const { appendFileSync } = await import('node:fs');
    appendFileSync(s.path, '{"recordedAt":"2026-'); // a crash mid-write
    expect((await s.auditLog.list()).map((e) => [e.seq, e.via, e.action])).toEqual([
      [1, 'api', 'pause'],
      [2, 'cli', 'resume'],
    ]);
    expect(readFileSync(s.path, 'utf8').split('\n')).toHaveLength(3);
  });
});
