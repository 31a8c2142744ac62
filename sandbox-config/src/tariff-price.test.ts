import { describe, expect, it } from 'vitest';
import { pricePerKWhAt } from './tariff-price.js';
import type { TariffConfig } from './schema.js';

const HCMC = 420;
const at = (iso: string) => Date.parse(iso);

// Two periods: until July with time-of-use bands (one wrapping midnight), then a flat price.
const tariff: TariffConfig = {
  id: 'tou',
  periods: [
    {
      validFrom: '2026-01-01T00:00:00+07:00',
      validTo: '2026-07-01T00:00:00+07:00',
      pricePerKWh: 600n,
      timeOfUse: [
        { from: '17:00', to: '20:00', pricePerKWh: 900n },
        { from: '22:00', to: '06:00', pricePerKWh: 400n },
      ],
    },
    { validFrom: '2026-07-01T00:00:00+07:00', pricePerKWh: 700n, timeOfUse: [] },
  ],
};

describe('pricePerKWhAt', () => {
  it('has no price before the first period', () => {
    expect(pricePerKWhAt(tariff, at('2025-12-31T23:45:00+07:00'), HCMC)).toBeUndefined();
  });

  it('uses the period price outside every band, and a band price inside it ([from, to))', () => {
    const prices = ['10:00', '16:45', '17:00', '19:45', '20:00', '21:45'].map((t) => pricePerKWhAt(tariff, at(`2026-03-01T${t}:00+07:00`), HCMC));
    expect(prices).toEqual([600n, 600n, 900n, 900n, 600n, 600n]);
  });

  it('handles a band that wraps over midnight', () => {
    const times = ['2026-03-01T22:00', '2026-03-01T23:45', '2026-03-02T00:00', '2026-03-02T05:45', '2026-03-02T06:00'];
    expect(times.map((t) => pricePerKWhAt(tariff, at(`${t}:00+07:00`), HCMC))).toEqual([400n, 400n, 400n, 400n, 600n]);
  });

  it('switches period exactly at validTo, and a past interval keeps the price valid then', () => {
    expect(pricePerKWhAt(tariff, at('2026-06-30T23:45:00+07:00'), HCMC)).toBe(400n);
    expect(pricePerKWhAt(tariff, at('2026-07-01T00:00:00+07:00'), HCMC)).toBe(700n);
    expect(pricePerKWhAt(tariff, at('2026-07-01T18:00:00+07:00'), HCMC)).toBe(700n);
    expect(pricePerKWhAt(tariff, at('2026-02-01T18:00:00+07:00'), HCMC)).toBe(900n);
  });

  it('reads bands in the sandbox local time given by the offset', () => {
    const utc10 = at('2026-03-01T10:00:00Z');
    expect(pricePerKWhAt(tariff, utc10, 0)).toBe(600n);
    expect(pricePerKWhAt(tariff, utc10, HCMC)).toBe(900n); // 17:00 in Ho Chi Minh City
    expect(pricePerKWhAt(tariff, at('2026-03-01T03:00:00Z'), -300)).toBe(400n); // 22:00 the day before at UTC-5
  });

  it('throws on a time that is not a number (misuse)', () => {
    expect(() => pricePerKWhAt(tariff, Number.NaN, HCMC)).toThrow(new TypeError('intervalStartMs: expected a finite number, got NaN'));
    expect(() => pricePerKWhAt(tariff, 0, 7.5)).toThrow(new TypeError('utcOffsetMinutes: expected an integer, got 7.5'));
  });
});
