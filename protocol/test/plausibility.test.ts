// Plausibility flags on readings that all carry valid signatures: each flag must fire on exactly
// the reading that earns it, with a detail that names it, and stay quiet on a normal PV day.
import { describe, expect, it } from 'vitest';
import { buildOcmfPayload, signOcmf } from '../src/ocmf-build.js';
import { bracketFindings, chainFindings, daylightOverlapMinutes, maxExportWh, pairFindings, readingFindings, type PlausibilityReading } from '../src/plausibility.js';
import { generatePrivateKey } from '../src/public-key.js';

const MIN = 60_000;
// 2026-11-22T00:00:00+07:00 (local midnight in Ho Chi Minh City)
const MIDNIGHT_LOCAL_MS = Date.UTC(2026, 10, 21, 17, 0, 0);
const at = (localMinute: number) => MIDNIGHT_LOCAL_MS + localMinute * MIN;

function r(pagination: number, localMinute: number, exportWh: bigint, over: Partial<PlausibilityReading> = {}): PlausibilityReading {
  return { meterId: 'HCM-0001', pagination, importWh: 5_000n + BigInt(pagination), exportWh, timestampMs: at(localMinute), utcOffsetMinutes: 420, clockStatus: 'S', meterStatus: 'G', ...over };
}

describe('readingFindings', () => {
  it('is quiet for a synchronised clock and a good meter', () => {
    expect(readingFindings(r(1, 600, 0n))).toEqual([]);
  });
  it('flags every clock status but S and every meter status but G', () => {
    expect(readingFindings(r(7, 600, 0n, { clockStatus: 'U', meterStatus: 'M' }))).toEqual([
      { flag: 'clock-not-synchronised', meterId: 'HCM-0001', pagination: 7, detail: 'F7: TM clock status "U", not "S" (synchronised)' },
      { flag: 'meter-status-not-good', meterId: 'HCM-0001', pagination: 7, detail: 'F7: meter status ST "M", not "G" (good)' },
    ]);
    for (const status of ['I', 'R']) expect(readingFindings(r(1, 600, 0n, { clockStatus: status })).map((f) => f.flag)).toEqual(['clock-not-synchronised']);
    expect(readingFindings(r(1, 600, 0n, { meterStatus: '' })).map((f) => f.flag)).toEqual(['meter-status-not-good']);
  });
});

describe('export above capacity × time', () => {
  it('computes the bound in whole Wh', () => {
    expect(maxExportWh(10_000, 15 * MIN)).toBe(2_500n);
    expect(maxExportWh(10_000, 15 * MIN, 120)).toBe(3_000n);
    expect(maxExportWh(3_333, 1_000)).toBe(0n); // 0.93 Wh rounds down
    expect(() => maxExportWh(-1, 1)).toThrow(/capacityW/);
  });
  it('flags one Wh above the bound, not the bound itself', () => {
    expect(pairFindings(r(1, 600, 0n), r(2, 615, 2_500n), { capacityW: 10_000 })).toEqual([]);
    expect(pairFindings(r(1, 600, 0n), r(2, 615, 2_501n), { capacityW: 10_000 })).toEqual([
      { flag: 'export-above-capacity', meterId: 'HCM-0001', pagination: 2, detail: 'F1→F2: 2501 Wh exported in 900 s, more than 10000 W × time = 2500 Wh' },
    ]);
    expect(pairFindings(r(1, 600, 0n), r(2, 615, 2_501n), {})).toEqual([]); // capacity unknown: not checked
  });
});

describe('repeated register snapshot', () => {
  it('measures daylight overlap in local time, across midnight too', () => {
    const window = { fromMinute: 540, toMinute: 900 };
    expect(daylightOverlapMinutes(at(480), at(600), 420, window)).toBe(60);
    expect(daylightOverlapMinutes(at(0), at(24 * 60 + 600), 420, window)).toBe(360 + 60);
    expect(daylightOverlapMinutes(at(1000), at(1300), 420, window)).toBe(0);
  });

  it('flags a run of identical registers over two hours of daylight, once, on its last reading', () => {
    const frozen = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => r(10 + i, 600 + 15 * i, 4_000n, { importWh: 9_000n }));
    const findings = chainFindings([r(9, 585, 3_900n), ...frozen, r(19, 735, 4_100n)], { capacityW: 10_000 });
    expect(findings).toEqual([
      { flag: 'repeated-snapshot', meterId: 'HCM-0001', pagination: 18, detail: 'F10…F18: import 9000 Wh and export 4000 Wh unchanged over 120 min, 120 min of it in daylight' },
    ]);
  });

  it('is quiet for a shorter run, a night-time run and a run where import still moves', () => {
    const run = (startMinute: number, n: number, moveImport = false) =>
      Array.from({ length: n }, (_, i) => r(1 + i, startMinute + 15 * i, 4_000n, { importWh: moveImport ? 9_000n + BigInt(i) : 9_000n }));
    expect(chainFindings(run(600, 8))).toEqual([]); // 105 min
    expect(chainFindings(run(20 * 60, 20))).toEqual([]); // 20:00–00:45 local
    expect(chainFindings(run(600, 20, true))).toEqual([]);
  });
});

describe('bracketFindings on signed OCMF', () => {
  const key = generatePrivateKey();
  const sign = (pagination: number, localMinute: number, exportWh: bigint, extra: { clockStatus?: string; meterStatus?: string } = {}) =>
    signOcmf(buildOcmfPayload({ meterId: 'HCM-0001', pagination, importWh: 5_000n, exportWh, timestampMs: at(localMinute), utcOffsetMinutes: 420, ...extra }), key);

  it('reads clock status, meter status and capacity from the two records', () => {
    const findings = bracketFindings(sign(1, 600, 0n), sign(2, 615, 9_000n, { clockStatus: 'U', meterStatus: 'M' }), { capacityW: 5_000 });
    expect(findings.map((f) => f.flag)).toEqual(['clock-not-synchronised', 'meter-status-not-good', 'export-above-capacity']);
  });
  it('leaves malformed records to the bundle checks', () => {
    expect(bracketFindings('OCMF|{}|{}', 'nonsense')).toEqual([]);
  });
});
