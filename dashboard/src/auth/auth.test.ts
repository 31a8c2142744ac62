import { describe, expect, it } from 'vitest';
import { canReadMeter, canReadPayee } from './principal.js';
import { createTokenResolver } from './role-tokens.js';
import { createSessionStore } from './sessions.js';

const PAYEE = '0xAbCdEf0000000000000000000000000000000001';
const tokens = {
  regulator: 'r'.repeat(16),
  operator: 'o'.repeat(16),
  households: [{ householdId: 'h1', token: 'h'.repeat(16), payee: PAYEE, meterIds: ['m1'] }],
};

describe('createTokenResolver', () => {
  it('maps each token to its principal and nothing else', () => {
    const resolve = createTokenResolver(tokens);
    expect(resolve('r'.repeat(16))).toEqual({ role: 'regulator' });
    expect(resolve('o'.repeat(16))).toEqual({ role: 'operator' });
    expect(resolve('h'.repeat(16))).toEqual({ role: 'household', householdId: 'h1', payee: PAYEE, meterIds: new Set(['m1']) });
    for (const wrong of ['', 'r'.repeat(15), 'r'.repeat(17), 'R'.repeat(16)]) expect(resolve(wrong)).toBeUndefined();
  });

  it('leaves a role without a token unable to log in', () => {
    const resolve = createTokenResolver({ households: [] });
    expect(resolve('')).toBeUndefined();
    expect(resolve('undefined')).toBeUndefined();
  });

  it('throws on misconfiguration', () => {
    expect(() => createTokenResolver({ ...tokens, households: [{ ...tokens.households[0]!, token: 'r'.repeat(16) }] })).toThrow(
      new TypeError("dashboard tokens: household h1 token is the same as another role's token"),
    );
    expect(() => createTokenResolver({ ...tokens, households: [{ ...tokens.households[0]!, payee: 'nobody' }] })).toThrow(
      new TypeError('dashboard tokens: household h1 payee is not an address'),
    );
  });
});

describe('scope', () => {
  it('households read their own meters and payee (any address case); others read all', () => {
    const household = createTokenResolver(tokens)('h'.repeat(16))!;
    expect(canReadMeter(household, 'm1')).toBe(true);
    expect(canReadMeter(household, 'm2')).toBe(false);
    expect(canReadPayee(household, PAYEE.toLowerCase())).toBe(true);
    expect(canReadPayee(household, '0x' + '0'.repeat(40))).toBe(false);
    expect(canReadMeter({ role: 'operator' }, 'm2')).toBe(true);
    expect(canReadPayee({ role: 'regulator' }, '0x' + '0'.repeat(40))).toBe(true);
  });
});

describe('createSessionStore', () => {
  it('issues random ids that expire and can be deleted', () => {
    let now = 1000;
    const sessions = createSessionStore({ wallNowMs: () => now, ttlMs: 100 });
    const a = sessions.create({ role: 'operator' });
    const b = sessions.create({ role: 'regulator' });
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(sessions.get(a)).toEqual({ role: 'operator' });
    sessions.delete(a);
    expect(sessions.get(a)).toBeUndefined();
    now = 1100;
    expect(sessions.get(b)).toBeUndefined();
  });

  it("drops a principal's oldest session beyond its limit, never another principal's", () => {
    const sessions = createSessionStore({ maxSessionsPerPrincipal: 2 });
    const household = (householdId: string) => ({ role: 'household' as const, householdId, payee: PAYEE, meterIds: new Set<string>() });
    const regulator = sessions.create({ role: 'regulator' });
    const h2 = sessions.create(household('h2'));
    // a flood of logins with the operator's token (or one household's)
    const operators = Array.from({ length: 1000 }, () => sessions.create({ role: 'operator' }));
    const h1 = Array.from({ length: 1000 }, () => sessions.create(household('h1')));
    expect(sessions.get(regulator)).toEqual({ role: 'regulator' });
    expect(sessions.get(h2)).toMatchObject({ householdId: 'h2' });
    expect(operators.map((id) => sessions.get(id) !== undefined)).toEqual([...Array<boolean>(998).fill(false), true, true]);
    expect(h1.filter((id) => sessions.get(id) !== undefined)).toEqual(h1.slice(-2));
    sessions.delete(operators[999]!);
    expect(sessions.get(operators[999]!)).toBeUndefined();
    expect(sessions.get(operators[998]!)).toEqual({ role: 'operator' });
  });
});
