import { describe, expect, it } from 'vitest';
import { tokensFromConfig } from './tokens-from-config.js';

const config = {
  participants: {
    regulator: { name: 'Regulator', token: { sandboxTestValue: 'regulator-from-config' } },
    operator: { name: 'Operator', token: { env: 'OPERATOR_TOKEN' } },
    households: [
      { id: 'h1', name: 'One', payee: '0x' + '11'.repeat(20), token: { sandboxTestValue: 'household-one-token' } },
      { id: 'h2', name: 'Two', payee: '0x' + '22'.repeat(20) },
    ],
  },
  meters: [
    { id: 'm1', household: 'h1', capacityW: 5000, tariff: 't' },
    { id: 'm2', household: 'h2', capacityW: 5000, tariff: 't' },
    { id: 'm3', household: 'h1', capacityW: 3000, tariff: 't' },
  ],
} as unknown as Parameters<typeof tokensFromConfig>[0]['config'];

const readSecret = (s: { sandboxTestValue?: string; env?: string }) => s.sandboxTestValue ?? `env:${s.env}`;

describe('tokensFromConfig', () => {
  it('reads every role token; households get their meters; a household without a token logs in only with its wallet', () => {
    expect(tokensFromConfig({ config, readSecret, env: {} })).toEqual({
      regulator: 'regulator-from-config',
      operator: 'env:OPERATOR_TOKEN',
      households: [{ householdId: 'h1', token: 'household-one-token', payee: '0x' + '11'.repeat(20), meterIds: ['m1', 'm3'] }],
      walletHouseholds: [
        { householdId: 'h1', payee: '0x' + '11'.repeat(20), meterIds: ['m1', 'm3'] },
        { householdId: 'h2', payee: '0x' + '22'.repeat(20), meterIds: ['m2'] },
      ],
    });
  });

  it('FEEDIN_REGULATOR_TOKEN overrides the regulator token (docs/design.md §HTTP and roles)', () => {
    expect(tokensFromConfig({ config, readSecret, env: { FEEDIN_REGULATOR_TOKEN: 'from-the-environment' } }).regulator).toBe('from-the-environment');
  });
});
