import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { integrateRegisters, registersWh, type RegisterState } from './registers.js';

const ZERO: RegisterState = { importMilliJoules: 0n, exportMilliJoules: 0n };
const constant = (pvW: number, loadW: number) => () => ({ pvW, loadW });

describe('integrateRegisters', () => {
  it('1 kW of export for one hour is exactly 1000 Wh, whatever the step', () => {
    for (const stepMs of [1, 997, 60_000, 3_600_000]) {
      const r = integrateRegisters(ZERO, constant(1500, 500), 0, 3_600_000, stepMs);
      expect(r).toEqual({ importMilliJoules: 0n, exportMilliJoules: 3_600_000_000n });
      expect(registersWh(r)).toEqual({ importWh: 0n, exportWh: 1000n });
    }
  });

  it('counts import when the load exceeds PV', () => {
    expect(integrateRegisters(ZERO, constant(0, 250), 0, 60_000)).toEqual({ importMilliJoules: 15_000_000n, exportMilliJoules: 0n });
  });

  it('loses no energy to rounding across many small readings (1 W, 1 s each)', () => {
    let r = ZERO;
    const shown: bigint[] = [];
    for (let s = 0; s < 7200; s++) {
      r = integrateRegisters(r, constant(1, 0), s * 1000, (s + 1) * 1000);
      shown.push(registersWh(r).exportWh);
    }
    // 1 W × 7200 s = 2 Wh exactly; each reading alone is 0.28 mWh
    expect(r.exportMilliJoules).toBe(7_200_000n);
    expect(registersWh(r).exportWh).toBe(2n);
    expect(shown[3598]).toBe(0n);
    expect(shown[3599]).toBe(1n);
  });

  it('the total equals the sum of every step, and registers never decrease', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: 0, max: 900_000 })), { maxLength: 50 }), (steps) => {
        let r = ZERO;
        let t = 0;
        let exp = 0n;
        let imp = 0n;
        for (const [netW, dt] of steps) {
          const before = registersWh(r);
          r = integrateRegisters(r, constant(Math.max(netW, 0), Math.max(-netW, 0)), t, t + dt, 1_000_000);
          const after = registersWh(r);
          if (after.exportWh < before.exportWh || after.importWh < before.importWh) return false;
          if (netW > 0) exp += BigInt(netW * dt);
          else imp += BigInt(-netW * dt);
          t += dt;
        }
        return r.exportMilliJoules === exp && r.importMilliJoules === imp;
      }),
    );
  });

  it('rejects time running backwards', () => {
    expect(() => integrateRegisters(ZERO, constant(0, 0), 10, 5)).toThrow('fromMs/toMs: integer milliseconds with fromMs ≤ toMs, got 10..5');
  });
});
