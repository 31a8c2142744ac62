// The contract side of governance on a real anvil through the chain client: key rotation and
// revocation with effective times (events, history, errors), end-sandbox (once, refuses later
// batches), and the regulator actions' reason hashes equal to the audit log's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { createChainClient, type ChainClient } from '@feedin/contracts/chain-client';
import { deployContracts } from '@feedin/contracts/deploy';
import { SANDBOX_TEST_ADDRESSES, SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import type { Hex } from '@feedin/protocol/hex';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../src/governance/audit-log.js';
import { createRegulatorActions, reasonHashOf } from '../../src/governance/regulator-actions.js';

const [deployerKey, gatewayKey, regulatorKey, operatorKey] = SANDBOX_TEST_KEYS as [Hex, Hex, Hex, Hex];
const [, gateway, regulator, operator, payee] = SANDBOX_TEST_ADDRESSES as Hex[];
const key = (n: number) => publicKeyFromPrivate(new Uint8Array(32).fill(n));

let anvil: StartAnvilReturnType;
let dir: string;
let op: ChainClient;
let reg: ChainClient;
let gw: ChainClient;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337, blockTimeSeconds: 1 });
  dir = mkdtempSync(join(tmpdir(), 'feedin-governance-anvil-'));
  const deployment = await deployContracts({
    rpcUrl: anvil.rpcUrl,
    chainId: 31337,
    deployerKey,
    roles: { gateway: gateway!, regulator: regulator!, operator: operator! },
    token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000n },
    challengeWindowSeconds: 30,
  });
  const client = (signerKey: Hex) => createChainClient({ rpcUrl: anvil.rpcUrl, chainId: 31337, deployment, signerKey, pollingIntervalMs: 50 });
  [op, reg, gw] = [client(operatorKey), client(regulatorKey), client(gatewayKey)];
  await op.registerMeter({ meterId: 'K-1', publicKey: key(1), payee: payee!, capacityW: 5000 });
}, 60_000);
afterAll(async () => {
  for (const c of [op, reg, gw]) c?.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('governance on chain', () => {
  it('rotates and revokes a meter key with effective times', async () => {
    expect(await op.meterKeys('K-1')).toEqual([{ publicKey: key(1), validFromSec: 0, revokedFromSec: null }]);
    // The registry's clock is the chain's own here (speed 1): a rotation lies within [now, now + 30 days].
    const nowSec = (await op.registryClock()).nowSec;
    const validFrom = nowSec + 3600;
    const rotated = await op.rotateKey({ meterId: 'K-1', publicKey: key(2), validFromSec: validFrom, reason: 'annual rotation' });
    expect(rotated.events.map((e) => [e.name, e.args])).toEqual([
      ['MeterKeyRotated', { meterIdHash: expect.any(String), meterId: 'K-1', publicKey: `0x${Buffer.from(key(2)).toString('hex')}`, validFrom: BigInt(validFrom), reasonHash: reasonHashOf('annual rotation'), rotatedBy: operator }],
    ]);
    const revoked = await reg.revokeKey({ meterId: 'K-1', fromSec: validFrom + 600, reason: 'key leaked' });
    expect(revoked.events.map((e) => e.name)).toEqual(['MeterKeyRevoked']);
    console.log(`gas: rotateKey ${rotated.gasUsed}, revokeKey ${revoked.gasUsed}`);
    await expect(op.revokeKey({ meterId: 'K-1', fromSec: validFrom + 1600, reason: 'again' })).rejects.toMatchObject({ revert: { name: 'MeterRegistryKeyAlreadyRevoked' } });
    expect(await op.meterKeys('K-1')).toEqual([
      { publicKey: key(1), validFromSec: 0, revokedFromSec: null },
      { publicKey: key(2), validFromSec: validFrom, revokedFromSec: validFrom + 600 },
    ]);
    // still scheduled: the registration key is the one in force
    expect((await op.meter('K-1'))!.keyValidFromSec).toBe(0);
    expect(await op.meterKeys('nope')).toBeUndefined();
  }, 60_000);

  it('records regulator actions with the reason hash; ends the sandbox once and refuses later batches', async () => {
    const auditLog = openAuditLog(join(dir, 'audit.jsonl'));
    const actions = createRegulatorActions({ chain: reg, clock: { nowMs: () => 1_795_316_400_000, wallNowMs: () => Date.now() }, auditLog, via: 'api' });
    const paused = await actions.pause('incident');
    expect(await reg.paused()).toBe(true);
    const events = await reg.events(paused.blockNumber!, paused.blockNumber!);
    expect(events.find((e) => e.name === 'Paused')?.args).toEqual({ account: regulator, reasonHash: paused.reasonHash });
    await expect(actions.pause('twice')).rejects.toMatchObject({ code: 'refused' });
    await actions.resume('done');

    const ended = await actions.endSandbox('trial complete');
    expect(ended.details).toEqual({ end: '2026-11-22T03:00:00.000Z' });
    expect(await reg.sandboxEnd()).toBe(1_795_316_400);
    await expect(actions.endSandbox('again')).rejects.toMatchObject({ code: 'refused' });
    const batch = { batchId: 1n, intervalStartSec: 1_795_316_400n, intervalEndSec: 1_795_317_300n, claimsRoot: `0x${'11'.repeat(32)}` as Hex, payoutsRoot: `0x${'22'.repeat(32)}` as Hex, claimCount: 0n, totalExportWh: 0n, totalAmount: 0n };
    await expect(gw.submitBatch(batch)).rejects.toMatchObject({ revert: { name: 'SettlementSandboxEnded', args: [1_795_316_400n, 1_795_317_300n] } });
    expect((await auditLog.list()).map((e) => [e.action, e.outcome])).toEqual([
      ['pause', 'ok'],
      ['pause', 'refused'],
      ['resume', 'ok'],
      ['end-sandbox', 'ok'],
      ['end-sandbox', 'refused'],
    ]);
  }, 60_000);
});
