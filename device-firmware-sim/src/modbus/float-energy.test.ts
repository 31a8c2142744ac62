// float32 kWh registers → whole Wh, rounded down, on IEEE 754 single-precision bit patterns.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { float32Bits, float32KWhToWh } from './float-energy.js';

const bitsOf = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(value);
  return float32Bits(b.readUInt16BE(0), b.readUInt16BE(2));
};

describe('float32KWhToWh', () => {
  it('converts exactly and rounds down', () => {
    expect(float32KWhToWh(0x3f800000)).toEqual({ ok: true, value: 1000n }); // 1.0 kWh
    expect(float32KWhToWh(bitsOf(1234.5678))).toEqual({ ok: true, value: 1_234_567n }); // float32 is 1234.56774902…
    expect(float32KWhToWh(bitsOf(12.0625))).toEqual({ ok: true, value: 12_062n }); // 12,062.5 Wh → 12,062
    expect(float32KWhToWh(0x4b800000)).toEqual({ ok: true, value: 16_777_216_000n }); // 2^24 kWh
    expect(float32KWhToWh(0x7f7fffff)).toEqual({ ok: true, value: (0xffffffn << 104n) * 1000n }); // largest float32
    expect(float32KWhToWh(0x00000001)).toEqual({ ok: true, value: 0n }); // smallest subnormal
    expect(float32KWhToWh(0x80000000)).toEqual({ ok: true, value: 0n }); // -0
  });

  it('refuses NaN, infinity and negative energy', () => {
    expect(float32KWhToWh(0x7fc00000)).toMatchObject({ ok: false, reason: 'not-a-number' });
    expect(float32KWhToWh(0x7f800000)).toMatchObject({ ok: false, reason: 'not-a-number', detail: expect.stringContaining('infinity') });
    expect(float32KWhToWh(0xbf800000)).toMatchObject({ ok: false, reason: 'negative' });
  });

  it('high word first: the Eastron/CHINT word order', () => {
    expect(float32Bits(0x4499, 0x5225)).toBe(0x44995225);
  });

  it('never exceeds the float value and is within 1 Wh of it (random registers up to 10^9 kWh)', () => {
    fc.assert(
      fc.property(fc.float({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }), (kWh) => {
        const r = float32KWhToWh(bitsOf(kWh));
        if (!r.ok) return false;
        const wh = Number(r.value);
        return wh <= Math.fround(kWh) * 1000 + 1e-6 * Math.fround(kWh) && Math.fround(kWh) * 1000 - wh < 1 + 1e-6 * Math.fround(kWh);
      }),
    );
  });
});
