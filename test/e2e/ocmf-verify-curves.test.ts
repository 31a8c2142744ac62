// `feedin ocmf verify` with a curve-less key (issue 10 item 8): a raw 64-byte X‖Y or a SEC1 point
// is read on the curve the record's SA names, so a P-256 key as OCMF vendors publish it verifies an
// `ECDSA-secp256r1-SHA256` record. The key and the signature come from openssl, not from our signer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOcmfPayload } from '@feedin/protocol/ocmf-build';
import { runCli } from '../support/sandbox-process.js';

// The human-readable answers are asserted in English (the default sandbox speaks Vietnamese).
const ENGLISH = { ...process.env, FEEDIN_LANG: 'en' };

let dir: string;
let spkiHex: string;
let rawHex: string;
let compressedHex: string;
let uncompressedHex: string;
let record: string;
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'feedin-ocmf-p256-'));
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'key.pem');
  const spki = openssl('ec', '-in', 'key.pem', '-pubout', '-outform', 'DER');
  spkiHex = spki.toString('hex');
  uncompressedHex = spki.subarray(spki.length - 65).toString('hex'); // the BIT STRING's SEC1 point 04‖X‖Y
  rawHex = uncompressedHex.slice(2);
  const compressed = openssl('ec', '-in', 'key.pem', '-pubout', '-outform', 'DER', '-conv_form', 'compressed');
  compressedHex = compressed.subarray(compressed.length - 33).toString('hex');
  const payload = buildOcmfPayload({ meterId: 'VENDOR-P256', pagination: 7, importWh: 1_000n, exportWh: 2_000n, timestampMs: Date.UTC(2026, 10, 22, 3, 15), utcOffsetMinutes: 420 });
  writeFileSync(join(dir, 'payload.txt'), payload);
  const signature = openssl('dgst', '-sha256', '-sign', 'key.pem', 'payload.txt').toString('hex').toUpperCase();
  record = `OCMF|${payload}|{"SA":"ECDSA-secp256r1-SHA256","SD":"${signature}"}`;
  expect(readFileSync(join(dir, 'payload.txt'), 'utf8')).toBe(payload);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('feedin ocmf verify with a P-256 key', () => {
  it.each([
    ['raw X‖Y (64 bytes)', () => rawHex],
    ['SEC1 uncompressed point', () => uncompressedHex],
    ['SEC1 compressed point', () => compressedHex],
    ['DER SubjectPublicKeyInfo', () => spkiHex],
  ])('verifies an ECDSA-secp256r1-SHA256 record with the %s', async (_, key) => {
    const result = await runCli(['ocmf', 'verify', '--pubkey', key(), '-'], ENGLISH, record);
    expect({ code: result.code, out: result.stdout.trim() }).toEqual({ code: 0, out: 'valid: ECDSA-secp256r1-SHA256 signature (meter VENDOR-P256, PG 7)' });
  });

  it('answers invalid (exit 1) for a changed payload, still on P-256', async () => {
    const result = await runCli(['ocmf', 'verify', '--pubkey', rawHex, '-'], ENGLISH, record.replace('"F7"', '"F8"'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^invalid: bad-signature/);
  });
});
