import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { buildOcmfPayload, signOcmf, type ReadingFields } from '../src/ocmf-build.js';
import { parseOcmf } from '../src/ocmf-parse.js';
import { readingFromRecord } from '../src/ocmf-reading.js';
import { verifyOcmf } from '../src/ocmf-verify.js';
import { decodePublicKey, encodePublicKeySpki, generatePrivateKey, publicKeyFromPrivate } from '../src/public-key.js';
import { bytesToHex, utf8 } from '../src/hex.js';
import { METER_ID_PATTERN } from '../src/meter-id.js';
import { payloadDigest } from '../src/digest.js';

const key = generatePrivateKey();
const pub = decodePublicKey(bytesToHex(publicKeyFromPrivate(key)));
if (!pub.ok) throw new Error('key');
const fields: ReadingFields = { meterId: 'HCM-0001', pagination: 42, importWh: 1_234_567n, exportWh: 89_012n, timestampMs: Date.UTC(2026, 10, 22, 3, 15), utcOffsetMinutes: 420 };

describe('OCMF build → sign → parse → verify', () => {
  it('round-trips a feedin reading with the exact payload bytes', () => {
    const payload = buildOcmfPayload(fields);
    const text = signOcmf(payload, key);
    const record = parseOcmf(text);
    expect(record.ok).toBe(true);
    if (!record.ok) return;
    expect(record.value.payloadText).toBe(payload);
    expect(payload).toContain('"TM":"2026-11-22T10:15:00,000+0700 S"');
    expect(verifyOcmf(record.value, pub.value, { lowS: true })).toEqual({ ok: true, value: true });
    expect(readingFromRecord(record.value)).toEqual({ ok: true, value: { ...fields, clockStatus: 'S', meterStatus: 'G' } });
    expect(payloadDigest(payload)).toBe(bytesToHex(sha256(utf8(payload))));
  });

  it('fails verification when any single payload byte changes', () => {
    const payload = buildOcmfPayload(fields);
    const text = signOcmf(payload, key);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: payload.length - 1 }), fc.integer({ min: 1, max: 94 }), (at, delta) => {
        const changed = String.fromCharCode(((payload.charCodeAt(at) - 32 + delta) % 95) + 32);
        const tampered = text.replace(payload, payload.slice(0, at) + changed + payload.slice(at + 1));
        const record = parseOcmf(tampered);
        return !record.ok || !verifyOcmf(record.value, pub.value).ok;
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips arbitrary fields', () => {
    fc.assert(
      fc.property(
        fc.record({
          meterId: fc.stringMatching(METER_ID_PATTERN),
          pagination: fc.integer({ min: 1, max: 2 ** 40 }),
          importWh: fc.bigInt({ min: 0n, max: 2n ** 70n }),
          exportWh: fc.bigInt({ min: 0n, max: 2n ** 70n }),
          timestampMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
          utcOffsetMinutes: fc.integer({ min: -720, max: 840 }),
        }),
        (f) => {
          const record = parseOcmf(signOcmf(buildOcmfPayload(f), key));
          if (!record.ok || !verifyOcmf(record.value, pub.value, { lowS: true }).ok) return false;
          const reading = readingFromRecord(record.value);
          return reading.ok && reading.value.importWh === f.importWh && reading.value.exportWh === f.exportWh && reading.value.timestampMs === f.timestampMs && reading.value.pagination === f.pagination;
        },
      ),
      { numRuns: 100 },
    );
  });

  it('never throws on arbitrary input, and answers malformed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `OCMF|${s}`), fc.string().map((s) => `OCMF|{"a":${s}}|{${s}}`)), (s) => {
        const r = parseOcmf(s);
        if (r.ok) readingFromRecord(r.value);
        return r.ok || r.reason === 'malformed' || r.reason === 'unsupported-encoding';
      }),
      { numRuns: 2000 },
    );
  });
});

describe('OCMF from other vendors', () => {
  // Shaped like the examples of the OCMF specification (S.A.F.E. e.V.): whitespace inside the
  // JSON, RV as strings in kWh, pre-1.0 FV, base64 SE, secp256r1, OBIS codes in long form.
  const p256Key = p256.utils.randomSecretKey();
  const p256Pub = decodePublicKey(bytesToHex(encodePublicKeySpki({ curve: 'secp256r1', point: p256.getPublicKey(p256Key) })));
  const vendorPayload =
    '{ "FV": "0.4", "GI": "SEAL AG", "GS": "1850006a", "GV": "1.34", "PG": "F9289", "MV": "Carlo Gavazzi", "MM": "EM340-DIN.AV2.3.X.S1.PF", ' +
    '"MS": "240084S", "MF": "B4", "IS": false, "RD": [ { "TM": "2019-06-26T08:57:44,337+0000 U", "RV": "268.978", "RI": "01-00:01.08.00*FF", "RU": "kWh", "RT": "AC", "ST": "G" }, ' +
    '{ "TM": "2019-06-26T08:57:44,337+0000 U", "RV": " 12.5 ", "RI": "1-b:2.8.0", "RU": "kWh", "RT": "AC", "ST": "G" } ] }';

  it('parses, reads exact Wh and verifies a base64 secp256r1 record with spaces', () => {
    const der = p256.sign(sha256(utf8(vendorPayload)), p256Key, { prehash: false, format: 'der' });
    const b64 = btoa(String.fromCharCode(...der));
    const text = `OCMF|${vendorPayload}|{ "SA": "ECDSA-secp256r1-SHA256", "SE": "base64", "SD": "${b64}" }`;
    const record = parseOcmf(text);
    expect(record.ok).toBe(true);
    if (!record.ok || !p256Pub.ok) return;
    expect(record.value.payloadText).toBe(vendorPayload);
    expect(verifyOcmf(record.value, p256Pub.value)).toEqual({ ok: true, value: true });
    expect(readingFromRecord(record.value)).toMatchObject({ ok: true, value: { meterId: '240084S', pagination: 9289, importWh: 268_978n, exportWh: 12_500n, clockStatus: 'U' } });
  });

  it('answers unsupported algorithms and curve mismatches with reasons', () => {
    const record = parseOcmf(`OCMF|${vendorPayload}|{"SA":"ECDSA-brainpool256r1-SHA256","SD":"3006020101020101"}`);
    expect(record.ok && verifyOcmf(record.value, pub.value)).toMatchObject({ ok: false, reason: 'unsupported-algorithm' });
    const k1 = parseOcmf(`OCMF|${vendorPayload}|{"SA":"ECDSA-secp256k1-SHA256","SD":"3006020101020101"}`);
    expect(k1.ok && p256Pub.ok && verifyOcmf(k1.value, p256Pub.value)).toMatchObject({ ok: false, reason: 'key-curve-mismatch' });
  });

  it('keeps a "|" inside a JSON string in the payload', () => {
    const payload = buildOcmfPayload({ ...fields, vendor: { GI: 'Vendor|With|Pipes' } });
    const record = parseOcmf(signOcmf(payload, key));
    expect(record.ok && record.value.payloadText).toBe(payload);
  });

  it('rejects registers that are not whole Wh, and missing registers', () => {
    const one = (rv: string, unit: string) => `OCMF|{"PG":"F1","MS":"M1","RD":[{"TM":"2026-01-01T00:00:00,000+0000 S","RV":${rv},"RI":"1-0:1.8.0","RU":"${unit}"},{"TM":"2026-01-01T00:00:00,000+0000 S","RV":1,"RI":"1-0:2.8.0","RU":"Wh"}]}|{"SD":"00"}`;
    const read = (t: string) => {
      const r = parseOcmf(t);
      return r.ok ? readingFromRecord(r.value) : r;
    };
    expect(read(one('1.0005', 'kWh'))).toMatchObject({ ok: false, reason: 'bad-unit' });
    expect(read(one('1.5', 'Wh'))).toMatchObject({ ok: false, reason: 'bad-unit' });
    expect(read(one('"12 345"', 'Wh'))).toMatchObject({ ok: true, value: { importWh: 12_345n } });
    expect(read(one('1', 'varh'))).toMatchObject({ ok: false, reason: 'bad-unit' });
    expect(read(one('-1', 'Wh'))).toMatchObject({ ok: false, reason: 'malformed' });
    expect(read('OCMF|{"PG":"F1","MS":"M1","RD":[{"TM":"2026-01-01T00:00:00,000+0000 S","RV":1,"RI":"1-0:1.8.0","RU":"Wh"}]}|{"SD":"00"}')).toMatchObject({ ok: false, reason: 'missing-register' });
    expect(read('OCMF|{"PG":"X1","MS":"M1","RD":[]}|{"SD":"00"}')).toMatchObject({ ok: false, reason: 'bad-pagination' });
    expect(read('OCMF|{"PG":"F1","MS":"bad id with spaces","RD":[]}|{"SD":"00"}')).toMatchObject({ ok: false, reason: 'bad-meter-id' });
  });
});

describe('public keys', () => {
  it('decodes hex with spaces, base64, SEC1 compressed/uncompressed, raw X‖Y and SPKI alike', () => {
    const compressed = publicKeyFromPrivate(key);
    const forms = [
      bytesToHex(compressed).slice(2).replace(/(..)/g, '$1 '),
      btoa(String.fromCharCode(...compressed)),
      bytesToHex(encodePublicKeySpki({ curve: 'secp256k1', point: compressed })),
    ];
    for (const form of forms) expect(decodePublicKey(form)).toMatchObject({ ok: true, value: { curve: 'secp256k1' } });
    expect(decodePublicKey('02' + '00'.repeat(32))).toMatchObject({ ok: false, reason: 'unusable-key' });
    expect(decodePublicKey('not a key!')).toMatchObject({ ok: false, reason: 'unusable-key' });
  });
});

describe('golden vectors (the worked examples in docs/protocol.md)', () => {
  // ECDSA here is deterministic (RFC 6979), so a fixed example key gives fixed bytes that other
  // implementations can check themselves against. The key 0x11…11 is an example, never a real one.
  const exampleKey = new Uint8Array(32).fill(0x11);
  const payload = buildOcmfPayload({ meterId: 'HCM-0001', pagination: 42, importWh: 1_234_567n, exportWh: 89_012n, timestampMs: Date.UTC(2026, 10, 22, 3, 15), utcOffsetMinutes: 420 });

  it('signs the example reading to the documented record and digest', () => {
    expect(bytesToHex(publicKeyFromPrivate(exampleKey))).toBe('0x034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa');
    expect(signOcmf(payload, exampleKey)).toBe(
      'OCMF|{"FV":"1.0","GI":"feedin device-firmware-sim","GS":"HCM-0001","GV":"0.1.0","PG":"F42","MV":"feedin","MM":"sim-pv-meter","MS":"HCM-0001","MF":"0.1.0","IS":false,"RD":[{"TM":"2026-11-22T10:15:00,000+0700 S","RV":1234567,"RI":"1-0:1.8.0","RU":"Wh","RT":"AC","ST":"G"},{"TM":"2026-11-22T10:15:00,000+0700 S","RV":89012,"RI":"1-0:2.8.0","RU":"Wh","RT":"AC","ST":"G"}]}|{"SA":"ECDSA-secp256k1-SHA256","SD":"3045022100F4FE973D403512EFDD0B7D35D720B090A382F40B71420C5095ACB917439C57AD0220496D18B4843262BF551AAF1C6AC8351B805055E54E998E1B408A923216380D8D"}',
    );
    expect(payloadDigest(payload)).toBe('0xbafb37f7c41c91bf945beb01570494dce40c9390b1ad8f0271980a771a7674c5');
  });
});
