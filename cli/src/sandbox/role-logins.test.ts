import { describe, expect, it } from 'vitest';
import type { Secret } from '@feedin/sandbox-config/schema';
import type { SecretSource } from '@feedin/sandbox-config/secrets';
import { describeLogin, roleLogins, upLoginLines } from './role-logins.js';

const participants = {
  regulator: { name: 'Regulator', token: { sandboxTestValue: 'regulator-sandbox-token' } },
  operator: { name: 'Operator', token: { env: 'OPERATOR_TOKEN', sandboxTestValue: 'operator-sandbox-token' } },
  households: [
    { id: 'hh-01', name: 'An', payee: '0x' + '11'.repeat(20), token: { sandboxTestValue: 'household-hh-01-sandbox-token' } },
    { id: 'hh-02', name: 'Bích', payee: '0x' + '22'.repeat(20) },
  ],
};
// where each secret comes from, as sandbox-config's secretSource would say for this environment
const env: Record<string, string> = { OPERATOR_TOKEN: 'operator-secret-from-env' };
const secretSource = (s: Secret): SecretSource => (s.env && env[s.env] ? { kind: 'env', name: s.env } : s.sandboxTestValue ? { kind: 'sandboxTestValue' } : { kind: 'missing' });
const secret = (s: Secret) => (s.env && env[s.env]) || s.sandboxTestValue!;
const logins = (over: NodeJS.ProcessEnv = {}) => roleLogins({ config: { participants }, env: over, httpUrl: 'http://127.0.0.1:8080', secret, secretSource });

describe('role logins', () => {
  it('links sandbox test tokens, names every other source, never prints a secret from the environment', () => {
    const all = logins({ FEEDIN_REGULATOR_TOKEN: 'regulator-secret-from-env' });
    expect(all.map(describeLogin)).toEqual([
      'http://127.0.0.1:8080/ with the token in the environment variable FEEDIN_REGULATOR_TOKEN (not printed)',
      'http://127.0.0.1:8080/ with the token in the environment variable OPERATOR_TOKEN (not printed)',
      'http://127.0.0.1:8080/#token=household-hh-01-sandbox-token (sandbox test token)',
      'no token configured: this role cannot log in',
    ]);
    expect(JSON.stringify(all)).not.toMatch(/secret-from-env/);
    expect(upLoginLines(all)).toEqual([
      'regulator login: http://127.0.0.1:8080/ with the token in the environment variable FEEDIN_REGULATOR_TOKEN (not printed)',
      'operator login: http://127.0.0.1:8080/ with the token in the environment variable OPERATOR_TOKEN (not printed)',
      'household logins: feedin tokens households (1 of 2 households have a token; one link each)',
    ]);
  });

  it('gives the regulator its link when its token is a sandbox test value', () => {
    expect(upLoginLines(logins())[0]).toBe('regulator login: http://127.0.0.1:8080/#token=regulator-sandbox-token (sandbox test token)');
  });
});
