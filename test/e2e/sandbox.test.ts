// The whole sandbox, end to end, as a newcomer runs it: the built `feedin up` with anvil, the
// gateway's real MQTT broker and store, the simulated fleet and the HTTP API; then the audit
// CLI against the real chain. Only the clock speed and challenge window differ from the default.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-regulator-token';

describe('feedin up (embedded sandbox)', () => {
  let sandbox: SandboxProcess;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-work-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.simulation.clock.speed = 120; // a 15-minute interval every 7.5 s
      config.limits.challengeWindowSeconds = 5;
      config.meters = config.meters.slice(0, 8);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('reports health with the sandbox clock', async () => {
    const { status, body } = await sandbox.api('/api/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Number.isNaN(Date.parse(body.now))).toBe(false);
    expect(Object.keys(body.components).sort()).toEqual(['broker', 'chain', 'store']);
  });

  it('settles batches with claims on chain, with their transaction hashes', async () => {
    const batch = await sandbox.waitFor(
      'a settled batch with claims',
      async () => {
        const { body } = await sandbox.api('/api/batches', REGULATOR_TOKEN);
        return (body.batches ?? body).find((b: any) => b.claimCount > 0 && /^0x[0-9a-f]{64}$/.test(b.txHash ?? ''));
      },
      120_000,
    );
    expect(BigInt(batch.totalAmount)).toBeGreaterThan(0n);
  }, 150_000);

  it('serves an audit bundle that feedin audit verify accepts, and rejects tampered copies', async () => {
    const { body: list } = await sandbox.api('/api/batches', REGULATOR_TOKEN);
    const batch = (list.batches ?? list).find((b: any) => b.claimCount > 0 && b.txHash);
    const { body: detail } = await sandbox.api(`/api/batches/${batch.batchId}`, REGULATOR_TOKEN);
    const claim = detail.claims[0];
    const { status, body: bundle } = await sandbox.api(`/api/batches/${batch.batchId}/claims/${claim.meterId}/audit`, REGULATOR_TOKEN);
    expect(status).toBe(200);

    const verify = async (b: unknown) => {
      const file = join(workDir, `bundle-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, JSON.stringify(b));
      return runCli(['audit', 'verify', file], { ...sandbox.env, FEEDIN_LANG: 'en' });
    };
    const good = await verify(bundle);
    expect(good.stderr).toBe('');
    expect(good.code, good.stdout).toBe(0);

    const flipByte = (ocmf: string) => ocmf.replace(/"RV":(\d)/, (_m, d) => `"RV":${(Number(d) + 1) % 10}`);
    const tamperedOpening = structuredClone(bundle);
    tamperedOpening.readings.opening = flipByte(bundle.readings.opening);
    const tamperedClosing = structuredClone(bundle);
    tamperedClosing.readings.closing = flipByte(bundle.readings.closing);
    const tamperedAmount = structuredClone(bundle);
    tamperedAmount.claim.amount = String(BigInt(bundle.claim.amount) + 1n);
    const tamperedProof = structuredClone(bundle);
    if (tamperedProof.proof.length === 0) tamperedProof.proof.push('0x' + '11'.repeat(32));
    else tamperedProof.proof[0] = '0x' + (tamperedProof.proof[0].slice(2, 3) === 'f' ? '0' : 'f') + tamperedProof.proof[0].slice(3);
    for (const tampered of [tamperedOpening, tamperedClosing, tamperedAmount, tamperedProof]) {
      const result = await verify(tampered);
      expect(result.code, result.stdout).toBe(1);
      expect(result.stdout).toMatch(/FAIL/);
    }
  }, 60_000);

  it('the CLI verifies a stored OCMF reading with the meter public key', async () => {
    const { body: meters } = await sandbox.api('/api/meters', REGULATOR_TOKEN);
    const meter = (meters.meters ?? meters)[0];
    const { body: readings } = await sandbox.api(`/api/meters/${meter.meterId ?? meter.id}/readings?limit=1`, REGULATOR_TOKEN);
    const reading = (readings.readings ?? readings)[0];
    const key = (await readFile(join(sandbox.dataDir, 'devices', meter.meterId ?? meter.id, 'key'), 'utf8')).trim();
    const pub = await runCli(['meter', 'keygen', '--out', join(workDir, 'unused.key')], sandbox.env);
    expect(pub.code).toBe(0);
    const { secp256k1 } = await import('@noble/curves/secp256k1.js');
    const { bytesToHex, hexToBytes } = await import('@feedin/protocol/hex');
    const publicKey = bytesToHex(secp256k1.getPublicKey(hexToBytes(key), true)).slice(2);
    const valid = await runCli(['ocmf', 'verify', '--pubkey', publicKey, '-'], sandbox.env, reading.ocmf);
    expect(valid.code, valid.stderr).toBe(0);
    const invalid = await runCli(['ocmf', 'verify', '--pubkey', publicKey, '-'], sandbox.env, reading.ocmf.replace('"F', '"F9'));
    expect(invalid.code).toBe(1);
  }, 30_000);
});
