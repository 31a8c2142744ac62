import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@feedin/protocol/hex';
import { verifyMeterJwt } from '@feedin/protocol/jwt';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { ensureDeviceKey, loadDeviceSigner } from './device-keys.js';

let dataDir: string;
beforeEach(async () => void (dataDir = await mkdtemp(join(tmpdir(), 'feedin-keys-'))));
afterEach(() => rm(dataDir, { recursive: true, force: true }));

describe('ensureDeviceKey', () => {
  it('creates <dataDir>/devices/<meterId>/key as 64 hex digits, file 0600 in a 0700 folder', async () => {
    const { publicKey } = await ensureDeviceKey(dataDir, 'HCM-0001');
    const path = join(dataDir, 'devices', 'HCM-0001', 'key');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'devices', 'HCM-0001'))).mode & 0o777).toBe(0o700);
    const hex = (await readFile(path, 'utf8')).trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(bytesToHex(publicKey)).toBe(bytesToHex(publicKeyFromPrivate(hexToBytes(hex))));
    expect(publicKey.length).toBe(33);
    // no temporary files are left behind
    expect(await readdir(join(dataDir, 'devices', 'HCM-0001'))).toEqual(['key']);
  });

  it('reuses the key on restart and gives every meter its own', async () => {
    const a1 = await ensureDeviceKey(dataDir, 'A');
    const a2 = await ensureDeviceKey(dataDir, 'A');
    const b = await ensureDeviceKey(dataDir, 'B');
    expect(bytesToHex(a2.publicKey)).toBe(bytesToHex(a1.publicKey));
    expect(bytesToHex(b.publicKey)).not.toBe(bytesToHex(a1.publicKey));
  });

  it('two processes racing for a new key end up with the same key', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => ensureDeviceKey(dataDir, 'race')));
    expect(new Set(keys.map((k) => bytesToHex(k.publicKey))).size).toBe(1);
  });

  it('refuses meter ids that are not path-safe', async () => {
    await expect(ensureDeviceKey(dataDir, '../etc')).rejects.toThrow('meterId: 1-32 characters of [A-Za-z0-9._-], got "../etc"');
    await expect(ensureDeviceKey(dataDir, '..')).rejects.toThrow('meterId: 1-32 characters of [A-Za-z0-9._-], got ".."');
  });

  it('says what to do with a damaged key file', async () => {
    await ensureDeviceKey(dataDir, 'bad');
    const path = join(dataDir, 'devices', 'bad', 'key');
    await writeFile(path, 'not a key');
    await expect(ensureDeviceKey(dataDir, 'bad')).rejects.toThrow(
      `${path} is not a 32-byte hex secp256k1 key: fix or delete it (deleting gives the meter a new key that must be registered again)`,
    );
  });
});

describe('loadDeviceSigner', () => {
  it('signs OCMF readings and JWTs that verify with the public key, without exposing the private key', async () => {
    const signer = await loadDeviceSigner(dataDir, 'HCM-0002');
    const key = { curve: 'secp256k1' as const, point: signer.publicKey };
    const ocmf = signer.signReading({ pagination: 1, importWh: 5n, exportWh: 7n, timestampMs: Date.UTC(2026, 10, 22, 3, 15), utcOffsetMinutes: 420 });
    const record = parseOcmf(ocmf);
    expect(record.ok && verifyOcmf(record.value, key)).toEqual({ ok: true, value: true });
    expect(ocmf).toContain('"TM":"2026-11-22T10:15:00,000+0700 S"');
    const jwt = signer.signJwt({ issuedAtSec: 1_000, expiresAtSec: 1_300 });
    expect(verifyMeterJwt(jwt, key, { nowSec: 1_100, expectedSub: 'HCM-0002', maxLifetimeSec: 3600 })).toEqual({ ok: true, value: { sub: 'HCM-0002', iat: 1_000, exp: 1_300, jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) } });
    // a new jti for every token: the gateway accepts each once
    expect(signer.signJwt({ issuedAtSec: 1_000, expiresAtSec: 1_300 })).not.toBe(jwt);
    expect(Object.keys(signer).sort()).toEqual(['meterId', 'publicKey', 'signJwt', 'signReading']);
    expect(JSON.stringify(signer)).not.toContain((await readFile(join(dataDir, 'devices', 'HCM-0002', 'key'), 'utf8')).trim());
  });
});
