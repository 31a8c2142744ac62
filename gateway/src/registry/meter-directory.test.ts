import { describe, expect, it } from 'vitest';
import { createDirectory, createStaticDirectory, meterAdmits, type DirectoryMeter } from './meter-directory.js';

const meter = (meterId: string, over: Partial<DirectoryMeter> = {}): DirectoryMeter => ({
  meterId,
  publicKey: { curve: 'secp256k1', point: new Uint8Array(33) },
  payee: '0x00000000000000000000000000000000000000aa',
  capacityW: 5000,
  active: true,
  suspendedFromMs: null,
  ...over,
});

describe('meter directory', () => {
  it('looks meters up by id, never by prototype keys', () => {
    const d = createStaticDirectory([meter('m1'), meter('m2')]);
    expect(d.get('m1')).toEqual(meter('m1'));
    expect(d.get('constructor')).toBeUndefined();
    expect(d.get('__proto__')).toBeUndefined();
    expect(d.all().map((m) => m.meterId)).toEqual(['m1', 'm2']);
    expect('upsert' in d).toBe(false);
  });

  it('upserts and suspends', () => {
    const d = createDirectory();
    d.upsert(meter('m1'));
    d.upsert(meter('m1', { capacityW: 7000 }));
    d.suspend('m1', 1_000);
    expect(d.get('m1')).toEqual(meter('m1', { capacityW: 7000, suspendedFromMs: 1_000 }));
    d.suspend('m1', null);
    expect(d.get('m1')?.suspendedFromMs).toBeNull();
    expect(() => d.suspend('nobody', 1)).toThrow('directory: unknown meter "nobody"');
    expect(() => d.upsert(meter('bad id'))).toThrow('directory: invalid meter id "bad id"');
    expect(() => d.upsert(meter('m3', { capacityW: 0 }))).toThrow('directory: capacityW of m3 must be a positive integer, got 0');
  });

  it('admits readings before a suspension, not from it on, and nothing from an inactive meter', () => {
    const suspended = meter('m1', { suspendedFromMs: 1_000 });
    expect(meterAdmits(suspended, 999)).toEqual({ ok: true });
    expect(meterAdmits(suspended, 1_000)).toEqual({ ok: false, detail: 'meter m1 is suspended from 1970-01-01T00:00:01.000Z' });
    expect(meterAdmits(meter('m2', { active: false }), 0)).toEqual({ ok: false, detail: 'meter m2 is not active in the registry' });
  });
});
