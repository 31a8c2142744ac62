import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfigText } from './parse-config-text.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test edits of raw config text
type Raw = any;
const minimal = (): Raw => parse(readFileSync(fileURLToPath(new URL('../test/minimal.sandbox.yaml', import.meta.url)), 'utf8'));

/** The issues (path and message only) of the minimal sandbox after `edit`. */
function issuesAfter(edit: (config: Raw) => void): { path: string; message: string }[] {
  const config = minimal();
  edit(config);
  const result = parseConfigText(JSON.stringify(config), { path: 'sandbox.json' });
  return result.ok ? [] : result.errors.map(({ path, message }) => ({ path, message }));
}

describe('cross-field checks', () => {
  it('accept the minimal sandbox', () => {
    expect(issuesAfter(() => {})).toEqual([]);
  });

  it('catch duplicate ids and unknown references', () => {
    expect(
      issuesAfter((c) => {
        c.meters.push({ id: 'HCM-0001', household: 'hh-01', capacityW: 3000, tariff: 'tou' });
        c.tariffs.push({ ...c.tariffs[0] });
        c.participants.households.push({ ...c.participants.households[0] });
      }),
    ).toEqual([
      { path: 'tariffs[1].id', message: 'duplicate tariff id "flat"' },
      { path: 'participants.households[1].id', message: 'duplicate household id "hh-01"' },
      { path: 'meters[1].id', message: 'duplicate meter id "HCM-0001"' },
      { path: 'meters[1].tariff', message: 'unknown tariff "tou"' },
    ]);
  });

  it('keep tariff periods and time-of-use bands from overlapping', () => {
    expect(
      issuesAfter((c) => {
        c.tariffs[0].periods = [
          { validFrom: '2026-01-01T00:00:00+07:00', validTo: '2026-07-01T00:00:00+07:00', pricePerKWh: 1 },
          { validFrom: '2026-06-01T00:00:00+07:00', pricePerKWh: 2 },
          { validFrom: '2027-06-01T00:00:00+07:00', validTo: '2027-01-01T00:00:00+07:00', pricePerKWh: 3 },
          {
            validFrom: '2025-01-01T00:00:00Z',
            validTo: '2026-01-01T00:00:00+07:00',
            pricePerKWh: 4,
            timeOfUse: [
              { from: '22:00', to: '06:00', pricePerKWh: 5 },
              { from: '05:00', to: '07:00', pricePerKWh: 6 },
              { from: '12:00', to: '12:00', pricePerKWh: 7 },
            ],
          },
        ];
      }),
    ).toEqual([
      { path: 'tariffs[0].periods[1]', message: 'overlaps periods[0]' },
      { path: 'tariffs[0].periods[2].validTo', message: 'validTo must be after validFrom' },
      { path: 'tariffs[0].periods[3].timeOfUse[1]', message: 'overlaps timeOfUse[0]' },
      { path: 'tariffs[0].periods[3].timeOfUse[2].to', message: 'a band needs from ≠ to (a whole-day price is the period price)' },
    ]);
  });

  it('check the time zone and its offset, and that the sandbox ends after it starts', () => {
    expect(issuesAfter((c) => (c.sandbox.utcOffsetMinutes = 7))).toEqual([
      { path: 'sandbox.utcOffsetMinutes', message: '7 does not match Asia/Ho_Chi_Minh, which is 420 at sandbox.start' },
    ]);
    expect(issuesAfter((c) => (c.sandbox.timeZone = 'Asia/Saigon City'))).toEqual([
      { path: 'sandbox.timeZone', message: 'unknown IANA time zone "Asia/Saigon City"' },
    ]);
    expect(issuesAfter((c) => (c.sandbox.end = '2025-01-01'))).toEqual([{ path: 'sandbox.end', message: 'end must be after start' }]);
  });

  it('require the URL of an external chain or store, and distinct ports', () => {
    expect(
      issuesAfter((c) => {
        c.chain.mode = 'rpc';
        c.storage = { kind: 'influxdb' };
        c.dashboard = { port: 1883 };
      }),
    ).toEqual([
      { path: 'chain.rpcUrl', message: 'required when chain.mode is rpc' },
      { path: 'storage.url', message: 'required when storage.kind is influxdb' },
      { path: 'dashboard.port', message: 'port 1883 is also mqtt.port' },
    ]);
    expect(issuesAfter((c) => Object.assign(c.chain, { mode: 'rpc', rpcUrl: 'http://127.0.0.1:8545' }))).toEqual([]);
  });

  it('check field formats: EIP-55 checksums, intervals that tile the hour, amounts, times', () => {
    expect(
      issuesAfter((c) => {
        c.participants.households[0].payee = '0x70435a9Ac180dD06E231740e4A6cfdBd0c4E5FF4';
        c.interval = { minutes: 7 };
        c.limits = { budget: '-5', batchCap: 2 ** 60 };
        c.tariffs[0].periods[0].validFrom = '1 Jan 2026';
      }),
    ).toEqual([
      { path: 'tariffs[0].periods[0].validFrom', message: 'an ISO 8601 date (2026-01-01) or date-time with offset (2026-01-01T00:00:00+07:00)' },
      { path: 'participants.households[0].payee', message: 'EIP-55 checksum mismatch: check the address for typos (or write it all lower case)' },
      { path: 'interval.minutes', message: 'a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)' },
      { path: 'limits.budget', message: 'an amount in token base units must be a non-negative integer, got "-5"' },
      { path: 'limits.batchCap', message: 'amount 1152921504606847000 is above 2^53: write it as a quoted string' },
    ]);
    expect(issuesAfter((c) => (c.limits = { budget: '123456789012345678901234567890' }))).toEqual([]);
  });

  it('suggest the key a typo was meant to be', () => {
    expect(issuesAfter((c) => Object.assign(c.sandbox, { timezone: 'Asia/Ho_Chi_Minh' }))).toEqual([
      { path: 'sandbox.timezone', message: 'unknown key "timezone" (did you mean "timeZone"?)' },
    ]);
    expect(issuesAfter((c) => (c.meters[0].capacityKW = 5))).toEqual([
      { path: 'meters[0].capacityKW', message: 'unknown key "capacityKW" (did you mean "capacityW"?)' },
    ]);
  });
});
