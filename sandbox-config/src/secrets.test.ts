import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardTokens, resolveSecret, secretSource } from './secrets.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';
import type { SandboxConfig } from './schema.js';

function sandboxDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedin-secrets-'));
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'gateway.key'), '  0xfile-value\n');
  return dir;
}

const secret = { env: 'FEEDIN_GATEWAY_KEY', file: 'keys/gateway.key', sandboxTestValue: '0xtest-value' };

describe('secretSource', () => {
  it('names where resolveSecret takes the secret from, in the same order, without its value', () => {
    const baseDir = sandboxDir();
    expect(secretSource(secret, { env: { FEEDIN_GATEWAY_KEY: '0xenv-value' }, baseDir })).toEqual({ kind: 'env', name: 'FEEDIN_GATEWAY_KEY' });
    expect(secretSource(secret, { env: { FEEDIN_GATEWAY_KEY: ' ' }, baseDir })).toEqual({ kind: 'file', path: join(baseDir, 'keys', 'gateway.key') });
    const empty = mkdtempSync(join(tmpdir(), 'feedin-secrets-'));
    expect(secretSource(secret, { env: {}, baseDir: empty })).toEqual({ kind: 'sandboxTestValue' });
    expect(secretSource({ env: 'FEEDIN_GATEWAY_KEY' }, { env: {}, baseDir: empty })).toEqual({ kind: 'missing' });
  });
});

describe('resolveSecret', () => {
  it('takes the environment variable first', () => {
    const baseDir = sandboxDir();
    expect(resolveSecret(secret, { env: { FEEDIN_GATEWAY_KEY: '0xenv-value' }, baseDir, what: 'chain.keys.gateway' })).toBe('0xenv-value');
  });

  it('then the file, relative to the config file and trimmed; an empty variable counts as unset', () => {
    const baseDir = sandboxDir();
    expect(resolveSecret(secret, { env: {}, baseDir, what: 'chain.keys.gateway' })).toBe('0xfile-value');
    expect(resolveSecret(secret, { env: { FEEDIN_GATEWAY_KEY: '' }, baseDir, what: 'chain.keys.gateway' })).toBe('0xfile-value');
    const absolute = { file: join(baseDir, 'keys', 'gateway.key') };
    expect(resolveSecret(absolute, { env: {}, baseDir: '/elsewhere', what: 'chain.keys.gateway' })).toBe('0xfile-value');
  });

  it('then the sandbox test value, when neither exists', () => {
    const baseDir = mkdtempSync(join(tmpdir(), 'feedin-secrets-'));
    expect(resolveSecret(secret, { env: {}, baseDir, what: 'chain.keys.gateway' })).toBe('0xtest-value');
  });

  it('throws a ConfigError naming what is missing and where it was looked for', () => {
    const baseDir = mkdtempSync(join(tmpdir(), 'feedin-secrets-'));
    const resolve = () => resolveSecret({ env: 'FEEDIN_GATEWAY_KEY', file: 'keys/gateway.key' }, { env: {}, baseDir, what: 'chain.keys.gateway' });
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(
      `chain.keys.gateway: secret not found: set the environment variable FEEDIN_GATEWAY_KEY or create the file ${join(baseDir, 'keys', 'gateway.key')}`,
    );
    expect(() => resolveSecret({ env: 'OPERATOR_TOKEN' }, { env: {}, baseDir, what: 'participants.operator.token' })).toThrow(
      new ConfigError('participants.operator.token: secret not found: set the environment variable OPERATOR_TOKEN'),
    );
  });

  it('refuses an empty or unreadable file instead of falling back to the public test value', () => {
    const baseDir = sandboxDir();
    writeFileSync(join(baseDir, 'keys', 'empty.key'), ' \n');
    expect(() => resolveSecret({ file: 'keys/empty.key', sandboxTestValue: '0xtest' }, { env: {}, baseDir, what: 'chain.keys.operator' })).toThrow(
      new ConfigError(`chain.keys.operator: ${join(baseDir, 'keys', 'empty.key')} is empty`),
    );
    expect(() => resolveSecret({ file: 'keys', sandboxTestValue: '0xtest' }, { env: {}, baseDir, what: 'chain.keys.operator' })).toThrow(
      new ConfigError(`chain.keys.operator: cannot read ${join(baseDir, 'keys')}: EISDIR: illegal operation on a directory, read`),
    );
  });
});

describe('dashboardTokens', () => {
  const defaults = (): SandboxConfig => {
    const loaded = loadConfig({ env: {} });
    if (!loaded.ok) throw new Error('default sandbox invalid');
    return loaded.config;
  };

  it('gives the sandbox test tokens of the default sandbox', () => {
    const tokens = dashboardTokens(defaults(), { env: {}, baseDir: '/' });
    expect(tokens.regulator).toBe('regulator-sandbox-token');
    expect(tokens.operator).toBe('operator-sandbox-token');
    expect(tokens.households.size).toBe(20);
    expect(tokens.households.get('hh-01')).toBe('household-hh-01-sandbox-token');
    expect(tokens.households.get('hh-20')).toBe('household-hh-20-sandbox-token');
  });

  it('lets FEEDIN_REGULATOR_TOKEN override the regulator token', () => {
    const tokens = dashboardTokens(defaults(), { env: { FEEDIN_REGULATOR_TOKEN: 'from-the-environment' }, baseDir: '/' });
    expect(tokens.regulator).toBe('from-the-environment');
    expect(tokens.operator).toBe('operator-sandbox-token');
  });

  it('needs a regulator token from somewhere', () => {
    const config = defaults();
    delete config.participants.regulator.token;
    expect(() => dashboardTokens(config, { env: {}, baseDir: '/' })).toThrow(
      new ConfigError('participants.regulator.token: no dashboard token configured (or set FEEDIN_REGULATOR_TOKEN)'),
    );
    expect(dashboardTokens(config, { env: { FEEDIN_REGULATOR_TOKEN: 'r' }, baseDir: '/' }).regulator).toBe('r');
  });

  it('refuses one token for two roles, since a token decides what its holder may see', () => {
    const config = defaults();
    config.participants.households[2]!.token = { sandboxTestValue: 'operator-sandbox-token' };
    expect(() => dashboardTokens(config, { env: {}, baseDir: '/' })).toThrow(
      new ConfigError('participants.households[2].token (hh-03): same dashboard token as participants.operator.token; every role needs its own'),
    );
    expect(() => dashboardTokens(defaults(), { env: { FEEDIN_REGULATOR_TOKEN: 'household-hh-07-sandbox-token' }, baseDir: '/' })).toThrow(
      new ConfigError('participants.households[6].token (hh-07): same dashboard token as FEEDIN_REGULATOR_TOKEN; every role needs its own'),
    );
  });
});
