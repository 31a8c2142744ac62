// Real OCMF records from other vendors (SAFE-eV Transparenzsoftware test data, see
// vectors/ocmf/NOTICE.md): our parser must keep their exact bytes, our verifier must accept the
// ones their keys sign and name the reason for the rest.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { p256 } from '@noble/curves/nist.js';
import { parseOcmf } from '../src/ocmf-parse.js';
import { verifyOcmf } from '../src/ocmf-verify.js';
import { readingFromRecord } from '../src/ocmf-reading.js';
import { decodePublicKey, type Curve } from '../src/public-key.js';
import { bytesToHex, utf8 } from '../src/hex.js';

interface VendorSample {
  id: string;
  source: string;
  ocmf: string;
  publicKey: string;
  curveHint?: Curve;
  expect: { key: 'ok' | 'unusable-key'; verify: string; reading: string };
}

const samples = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'ocmf', 'vendor-samples.json'), 'utf8')) as VendorSample[];

describe.each(samples)('vendor record $id', (sample) => {
  it('parses, keeping the signed payload byte-exact', () => {
    const record = parseOcmf(sample.ocmf);
    expect(record.ok).toBe(true);
    if (!record.ok) return;
    const payloadEnd = sample.ocmf.lastIndexOf('}|{') + 1;
    expect(record.value.payloadText).toBe(sample.ocmf.slice(5, payloadEnd));
  });

  it(`verifies as ${sample.expect.verify}, reads as ${sample.expect.reading}`, () => {
    const record = parseOcmf(sample.ocmf);
    if (!record.ok) throw new Error(record.detail);
    const key = decodePublicKey(sample.publicKey, sample.curveHint);
    expect(key.ok ? 'ok' : key.reason).toBe(sample.expect.key);
    if (key.ok) {
      const verdict = verifyOcmf(record.value, key.value);
      expect(verdict.ok ? 'ok' : verdict.reason).toBe(sample.expect.verify);
    } else {
      // no key needed to know the algorithm is not ours
      const anyKey = { curve: 'secp256r1' as const, point: p256.getPublicKey(p256.utils.randomSecretKey()) };
      expect(verifyOcmf(record.value, anyKey)).toMatchObject({ ok: false, reason: sample.expect.verify });
    }
    const reading = readingFromRecord(record.value);
    expect(reading.ok ? 'ok' : reading.reason).toBe(sample.expect.reading);
  });
});

describe('vendor conventions in readings', () => {
  it('curves: the samples cover secp256r1, secp256k1 and secp384r1', () => {
    const curves = new Set(samples.filter((s) => s.expect.verify === 'ok').map((s) => (decodePublicKey(s.publicKey, s.curveHint) as { value: { curve: Curve } }).value.curve));
    expect([...curves].sort()).toEqual(['secp256k1', 'secp256r1', 'secp384r1']);
  });

  it('every vendor signature that verifies is high-s, so lowS stays off by default', () => {
    for (const sample of samples.filter((s) => s.expect.verify === 'ok')) {
      const record = parseOcmf(sample.ocmf);
      const key = decodePublicKey(sample.publicKey, sample.curveHint);
      if (!record.ok || !key.ok) throw new Error(sample.id);
      expect(verifyOcmf(record.value, key.value, { lowS: true })).toMatchObject({ ok: false, reason: 'bad-signature', detail: expect.stringContaining('high-s') });
    }
  });

  it('inherits omitted fields from the previous RD entry and reads the last value of each register', () => {
    // Shaped like the Isabellenhuette record: begin/end readings, the export entries omit TM and
    // ST (OCMF: identical fields are omitted), OBIS with .FF, kWh strings.
    const key = p256.utils.randomSecretKey();
    const payload =
      '{"FV":"1.0","PG":"T7","MS":"ISA-42","RD":[' +
      '{"TM":"2026-01-01T10:00:00,000+0100 S","TX":"B","ST":"G","RV":"1.000","RI":"1-0:1.8.0.FF","RU":"kWh","RT":"AC"},{"RV":"2.500","RI":"1-0:2.8.0.FF"},' +
      '{"TM":"2026-01-01T10:15:00,000+0100 S","TX":"E","RV":"1.250","RI":"1-0:1.8.0.FF"},{"RV":"2.750","RI":"1-0:2.8.0.FF"}]}';
    const sd = bytesToHex(p256.sign(sha256(utf8(payload)), key, { prehash: false, format: 'der' })).slice(2);
    const record = parseOcmf(`OCMF|${payload}|{"SD":"${sd}"}`);
    expect(record.ok).toBe(true);
    if (!record.ok) return;
    expect(verifyOcmf(record.value, { curve: 'secp256r1', point: p256.getPublicKey(key) })).toEqual({ ok: true, value: true });
    expect(readingFromRecord(record.value)).toEqual({
      ok: true,
      value: { meterId: 'ISA-42', pagination: 7, importWh: 1_250n, exportWh: 2_750n, timestampMs: Date.UTC(2026, 0, 1, 9, 15), utcOffsetMinutes: 60, clockStatus: 'S', meterStatus: 'G' },
    });
  });
});
