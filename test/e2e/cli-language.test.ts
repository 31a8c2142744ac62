// The built CLI's human output in the sandbox's language (the default sandbox is vi-VN) and in
// English with FEEDIN_LANG=en; the verdict's reason codes and exit codes are the same in both.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { buildOcmfPayload, signOcmf } from '@feedin/protocol/ocmf-build';
import { bytesToHex } from '@feedin/protocol/hex';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/sandbox-process.js';

const key = secp256k1.utils.randomSecretKey();
const publicKey = bytesToHex(secp256k1.getPublicKey(key, true)).slice(2);
const reading = signOcmf(buildOcmfPayload({ meterId: 'HCM-0001', pagination: 7, importWh: 1_000n, exportWh: 2_000n, timestampMs: Date.parse('2026-11-22T03:15:00Z'), utcOffsetMinutes: 420 }), key);
const { FEEDIN_LANG: _ignored, FEEDIN_CONFIG: _default, ...env } = process.env;

describe('feedin ocmf verify speaks the reader’s language', () => {
  it('in Vietnamese for the default sandbox, in English with FEEDIN_LANG=en', async () => {
    const vi = await runCli(['ocmf', 'verify', '--pubkey', publicKey, '-'], env, reading);
    expect([vi.code, vi.stdout]).toEqual([0, 'hợp lệ: chữ ký ECDSA-secp256k1-SHA256 (công tơ HCM-0001, PG 7)\n']);
    const en = await runCli(['ocmf', 'verify', '--pubkey', publicKey, '-'], { ...env, FEEDIN_LANG: 'en' }, reading);
    expect([en.code, en.stdout]).toEqual([0, 'valid: ECDSA-secp256k1-SHA256 signature (meter HCM-0001, PG 7)\n']);
    const tampered = reading.replace('"PG":"F7"', '"PG":"F8"');
    const bad = await runCli(['ocmf', 'verify', '--pubkey', publicKey, '-'], env, tampered);
    expect([bad.code, bad.stderr]).toEqual([1, expect.stringMatching(/^không hợp lệ: bad-signature: /)]);
  }, 30_000);
});
