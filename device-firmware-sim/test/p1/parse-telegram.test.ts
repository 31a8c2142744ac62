// The P1 parser on published telegrams of every supported version (fixtures/NOTICE.md), plus
// damaged copies of them. Expected values are read off the telegrams by hand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc16Arc, p1Bytes } from '../../src/p1/crc16.js';
import { energyWh } from '../../src/p1/energy-register.js';
import { p1TimestampToIso } from '../../src/p1/p1-timestamp.js';
import { decodeHexAscii, parseP1Telegram } from '../../src/p1/parse-telegram.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'latin1');

function parsed(name: string) {
  const result = parseP1Telegram(fixture(name));
  if (!result.ok) throw new Error(`${name}: ${result.reason}: ${result.detail}`);
  return result.value;
}

describe('crc16Arc', () => {
  it('matches the CRC-16/ARC check value', () => {
    expect(crc16Arc(p1Bytes('123456789'))).toBe(0xbb3d);
    expect(crc16Arc(new Uint8Array())).toBe(0);
  });
});

describe('parseP1Telegram on real telegrams', () => {
  it('DSMR 5.0 (Iskra MT382): CRC valid, registers summed in Wh, timestamp in UTC', () => {
    const t = parsed('dsmr50-iskra-mt382.txt');
    expect({ crc: t.crc, importWh: t.importWh, exportWh: t.exportWh, timestamp: t.timestamp, equipmentId: t.equipmentId, identification: t.identification }).toEqual({
      crc: 'valid',
      importWh: 4426n + 2399n,
      exportWh: 2444n,
      timestamp: '2017-01-02T18:20:02.000Z', // 19:20:02 W = CET, UTC+1
      equipmentId: 'K8EG004046395507',
      identification: 'ISk5\\2MT382-1000',
    });
    expect(t.registers['1-0:1.8.1']).toBe('000004.426*kWh');
    expect(t.registers['0-1:24.2.1']).toEqual(['170102161005W', '00000.107*m3']);
    expect(t.registers['1-0:99.97.0']).toEqual(['0', '0-0:96.7.19']);
    expect(t.registers['0-2:96.1.0']).toBe('');
    expect(Object.keys(t.registers)).toHaveLength(37);
  });

  it('DSMR 4.2 (Kaifa): CRC valid; an id that is not hex ASCII stays as written', () => {
    const t = parsed('dsmr42-kaifa.txt');
    expect([t.crc, t.importWh, t.exportWh, t.timestamp, t.equipmentId]).toEqual(['valid', 1581123n + 1435706n, 0n, '2016-11-13T19:57:57.000Z', '3960221976967177082151037881335713']);
  });

  it('DSMR 3.0: no CRC, no timestamp; the gas value on the next line joins its register', () => {
    const t = parsed('dsmr30-iskra-mt382.txt');
    expect([t.crc, t.importWh, t.exportWh, t.timestamp, t.equipmentId]).toEqual(['absent', 24691356n, 24691356n, null, 'K8EG004046395507']);
    expect(t.registers['0-1:24.3.0']).toEqual(['090212160000', '00', '60', '1', '0-1:24.2.1', 'm3', '00001.001']);
  });

  it('DSMR 2.2: no CRC, no timestamp, all-zero id kept as written', () => {
    const t = parsed('dsmr22-iskra-mt382.txt');
    expect([t.crc, t.importWh, t.exportWh, t.timestamp, t.equipmentId]).toEqual(['absent', 2002n, 2002n, null, '00000000000000']);
  });

  it('Belgian e-MUCS 1.7.1 (Fluvius): version line 0-0:96.1.4, summer time, CRC valid', () => {
    const t = parsed('emucs171-fluvius.txt');
    expect([t.crc, t.importWh, t.exportWh, t.timestamp, t.equipmentId]).toEqual(['valid', 34n + 15758n, 11n, '2020-05-12T11:54:09.000Z', '1SAG3101021605']);
    expect(t.registers['0-0:96.1.4']).toBe('50217');
    expect(t.registers['0-0:98.1.0']).toHaveLength(12);
  });

  it('Luxembourg Smarty: totals 1.8.0/2.8.0 and the id on 0-0:42.0.0', () => {
    const t = parsed('smarty-lux.txt');
    expect([t.crc, t.importWh, t.exportWh, t.timestamp, t.equipmentId]).toEqual(['valid', 5675956n, 2n, '2019-10-31T13:22:39.000Z', '12345678901234567890123456789012']);
  });

  it('Sagemcom T210-D-r: Wh units; tariff registers win over the totals', () => {
    const t = parsed('sagemcom-t210-d-r.txt');
    expect([t.crc, t.importWh, t.exportWh]).toEqual(['valid', 5017120n + 1528646n, 58n]);
  });
});

describe('parseP1Telegram on damaged telegrams', () => {
  const dsmr5 = fixture('dsmr50-iskra-mt382.txt');

  it('a changed digit gives crc invalid (values still reported)', () => {
    const t = parseP1Telegram(dsmr5.replace('000002.444*kWh', '000009.444*kWh'));
    expect(t.ok && [t.value.crc, t.value.exportWh]).toEqual(['invalid', 9444n]);
  });

  it('a wrong CRC gives crc invalid', () => {
    const t = parseP1Telegram(dsmr5.replace('!6EEE', '!6EEF'));
    expect(t.ok && t.value.crc).toBe('invalid');
  });

  it('lower-case CRC digits are accepted', () => {
    const t = parseP1Telegram(fixture('dsmr42-kaifa.txt').replace('!6796', '!6796'.toLowerCase()));
    expect(t.ok && t.value.crc).toBe('valid');
  });

  it('a 5.x telegram cut before its CRC is refused, not taken as CRC-less', () => {
    expect(parseP1Telegram(dsmr5.replace('!6EEE', '!'))).toEqual({ ok: false, reason: 'missing-crc', detail: expect.stringContaining('truncated') });
    expect(parseP1Telegram(fixture('emucs171-fluvius.txt').replace('!3AD7', '!'))).toMatchObject({ ok: false, reason: 'missing-crc' });
  });

  it('a truncated CRC does not verify (read as a short CRC, it is another number)', () => {
    expect(parseP1Telegram(dsmr5.replace('!6EEE', '!6E'))).toMatchObject({ ok: true, value: { crc: 'invalid' } });
    expect(parseP1Telegram(dsmr5.replace('!6EEE', '!6EEE0'))).toMatchObject({ ok: false, reason: 'malformed-crc' });
  });

  it('no end mark, no start mark, or a garbled line are unparseable', () => {
    expect(parseP1Telegram(dsmr5.slice(0, 200))).toMatchObject({ ok: false, reason: 'not-a-telegram' });
    expect(parseP1Telegram(dsmr5.slice(1))).toMatchObject({ ok: false, reason: 'not-a-telegram' });
    expect(parseP1Telegram('')).toMatchObject({ ok: false, reason: 'not-a-telegram' });
    const garbled = fixture('dsmr30-iskra-mt382.txt').replace('1-0:2.8.1(12345.678*kWh)', '1-0:2.8.1(1234\x005.678*kWh');
    expect(parseP1Telegram(garbled)).toEqual({ ok: false, reason: 'malformed-line', detail: expect.stringContaining('line 6') });
  });

  it('a telegram without export registers parses with export null (absent, not zero)', () => {
    const text = '/KFM5KAIFA-METER\r\n\r\n1-0:1.8.1(000671.578*kWh)\r\n1-0:1.7.0(00.318*kW)\r\n!1E1D\r\n';
    expect(parseP1Telegram(text)).toMatchObject({ ok: true, value: { importWh: 671578n, exportWh: null } });
  });

  it('energy in an unknown unit or a bad timestamp is refused', () => {
    const d3 = fixture('dsmr30-iskra-mt382.txt');
    expect(parseP1Telegram(d3.replace('1-0:1.8.2(12345.678*kWh)', '1-0:1.8.2(12345.678*kvarh)'))).toMatchObject({ ok: false, reason: 'unsupported-unit' });
    expect(parseP1Telegram(d3.replace('1-0:1.8.2(12345.678*kWh)', '1-0:1.8.2(12345,678*kWh)'))).toMatchObject({ ok: false, reason: 'malformed-value' });
    expect(parseP1Telegram(d3.replace('\r\n\r\n', '\r\n\r\n0-0:1.0.0(161313205757W)\r\n'))).toMatchObject({ ok: false, reason: 'malformed-timestamp' });
  });

  it('under a CRC that does not match, an unparseable body is reported as a CRC mismatch', () => {
    const d4 = fixture('dsmr42-kaifa.txt');
    expect(parseP1Telegram(d4.replace('161113205757W', '161313205757W'))).toEqual({ ok: false, reason: 'crc-mismatch', detail: expect.stringMatching(/^CRC16 6796 does not match the telegram \([0-9A-F]{4}\); .*no such time/) });
  });
});

describe('energyWh', () => {
  it('scales decimal strings exactly, without floats', () => {
    expect(energyWh('000004.426*kWh')).toEqual({ ok: true, value: 4426n });
    expect(energyWh('999999.999*kWh')).toEqual({ ok: true, value: 999999999n });
    expect(energyWh('00001.001')).toEqual({ ok: true, value: 1001n }); // DSMR 2.2 without unit: kWh
    expect(energyWh('12.3*kWh')).toEqual({ ok: true, value: 12300n });
    expect(energyWh('00052185.7825309*kWh')).toEqual({ ok: true, value: 52185782n }); // sub-Wh cut off
    expect(energyWh('006545766*Wh')).toEqual({ ok: true, value: 6545766n });
    expect(energyWh('1.5*MWh')).toEqual({ ok: true, value: 1500000n });
    // 0.1 + 0.2 style float error would show here: 4.1 kWh * 1000 = 4099.999…
    expect(energyWh('4.1*kWh')).toEqual({ ok: true, value: 4100n });
    expect(energyWh('-1.000*kWh').ok).toBe(false);
    expect(energyWh('1e3*kWh').ok).toBe(false);
  });
});

describe('p1TimestampToIso', () => {
  it('W is UTC+1, S is UTC+2', () => {
    expect(p1TimestampToIso('101209113020W')).toEqual({ ok: true, value: '2010-12-09T10:30:20.000Z' });
    expect(p1TimestampToIso('200512135409S')).toEqual({ ok: true, value: '2020-05-12T11:54:09.000Z' });
    expect(p1TimestampToIso('200101003000W')).toEqual({ ok: true, value: '2019-12-31T23:30:00.000Z' });
    expect(p1TimestampToIso('200231120000W').ok).toBe(false);
    expect(p1TimestampToIso('2002011200W').ok).toBe(false);
    expect(p1TimestampToIso('200201120000X').ok).toBe(false);
  });
});

describe('decodeHexAscii', () => {
  it('decodes printable hex ASCII only', () => {
    expect(decodeHexAscii('4B384547303034303436333935353037')).toBe('K8EG004046395507');
    expect(decodeHexAscii('00000000')).toBe('00000000');
    expect(decodeHexAscii('ABC')).toBe('ABC');
    expect(decodeHexAscii('E12345')).toBe('E12345');
  });
});
