import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { defaultConfigPath, formatConfigIssues, loadConfig } from './load-config.js';
import { parseConfigText } from './parse-config-text.js';
import { sandboxHouseholdAddress } from './sandbox-test-households.js';
import { resolveSecret } from './secrets.js';
import { addressFromPrivateKey } from '@feedin/protocol/address';

const fixture = (name: string) => fileURLToPath(new URL(`../test/${name}`, import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'feedin-config-'));

describe('the default sandbox', () => {
  it('is found without a path or FEEDIN_CONFIG and loads', () => {
    const result = loadConfig({ env: {} });
    expect(result).toMatchObject({ ok: true, path: defaultConfigPath() });
    if (!result.ok) return;
    const { config } = result;
    expect(config.sandbox).toEqual({
      id: 'hcmc-pilot',
      name: 'Ho Chi Minh City rooftop solar pilot',
      timeZone: 'Asia/Ho_Chi_Minh',
      utcOffsetMinutes: 420,
      locale: 'vi-VN',
      currency: 'VND',
      start: '2026-01-01T00:00:00+07:00',
      end: '2027-12-31T23:59:59+07:00',
    });
    expect(config.interval).toEqual({ minutes: 15, graceSeconds: 120 });
    expect(config.limits).toEqual({
      exportCapPercentOfCapacity: 20,
      legalBasis: 'Decree 135/2024/ND-CP',
      householdDailyCap: 20000n,
      batchCap: 50000n,
      budget: 100000000n,
      clockSkewSeconds: 120,
      plausibilityMarginPercent: 120,
      challengeWindowSeconds: 20,
    });
    expect(config.tariffs).toEqual([
      {
        id: 'evn-surplus-2025',
        name: 'EVN surplus rooftop solar (Decree 135/2024/ND-CP)',
        periods: [{ validFrom: '2024-10-22T00:00:00+07:00', pricePerKWh: 671n, timeOfUse: [] }],
      },
    ]);
    expect(config.meters.map((m) => m.id)).toEqual(Array.from({ length: 20 }, (_, i) => `HCM-${String(i + 1).padStart(4, '0')}`));
    expect(config.meters.every((m) => m.capacityW >= 3000 && m.capacityW <= 10000 && m.tariff === 'evn-surplus-2025')).toBe(true);
    expect(config.mqtt).toEqual({
      host: '127.0.0.1',
      port: 1883,
      maxPayloadBytes: 4096,
      jwtMaxLifetimeSeconds: 300,
      connectTimeoutSeconds: 10,
      maxUnauthenticatedConnections: 1000,
      tls: { enabled: true, port: 8883, hostnames: [] },
    });
    expect(config.dashboard).toEqual({ host: '127.0.0.1', port: 8080, trustProxy: false });
    expect(config.simulation).toEqual({
      enabled: true,
      location: { latitude: 10.7769, longitude: 106.7009 },
      clock: { speed: 60, startLocalTime: '09:59' },
      readingIntervalSeconds: 60,
      faults: { dropConnection: 0, cloudiness: 0.3 },
      seed: 1,
      mqttTls: false,
    });
  });

  it('pays each household at the address of its sandbox test key', () => {
    const result = loadConfig({ env: {} });
    if (!result.ok) throw new Error(formatConfigIssues(result.path, result.errors));
    const households = result.config.participants.households;
    expect(households.map((h) => h.id)).toEqual(Array.from({ length: 20 }, (_, i) => `hh-${String(i + 1).padStart(2, '0')}`));
    households.forEach((h, i) => {
      expect(h.payee).toBe(sandboxHouseholdAddress(i + 1));
      expect(h.token).toEqual({ sandboxTestValue: `household-${h.id}-sandbox-token` });
    });
    expect(result.config.meters.map((m) => m.household)).toEqual(households.map((h) => h.id));
  });

  it('signs on chain as anvil accounts 0-3 (public sandbox test keys)', () => {
    const result = loadConfig({ env: {} });
    if (!result.ok) throw new Error('default config invalid');
    const keys = result.config.chain.keys;
    const addressOf = (role: keyof typeof keys) => addressFromPrivateKey(resolveSecret(keys[role], { env: {}, baseDir: '/', what: role }));
    expect([addressOf('deployer'), addressOf('gateway'), addressOf('regulator'), addressOf('operator')]).toEqual([
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    ]);
    expect(result.config.chain).toMatchObject({ mode: 'embedded', chainId: 31337, blockTimeSeconds: 1 });
  });
});

describe('loadConfig', () => {
  it('takes the path from FEEDIN_CONFIG, and an explicit path over it', () => {
    const minimal = fixture('minimal.sandbox.yaml');
    expect(loadConfig({ env: { FEEDIN_CONFIG: minimal } })).toMatchObject({ ok: true, path: minimal, config: { sandbox: { id: 'test' } } });
    expect(loadConfig({ path: defaultConfigPath(), env: { FEEDIN_CONFIG: minimal } })).toMatchObject({ ok: true, config: { sandbox: { id: 'hcmc-pilot' } } });
  });

  it('fills defaults for everything a minimal file leaves out', () => {
    const result = loadConfig({ path: fixture('minimal.sandbox.yaml') });
    if (!result.ok) throw new Error(formatConfigIssues(result.path, result.errors));
    const { config } = result;
    expect(config.interval).toEqual({ minutes: 15, graceSeconds: 120 });
    expect(config.limits).toEqual({ clockSkewSeconds: 120, plausibilityMarginPercent: 120, challengeWindowSeconds: 20 });
    expect(config.chain).toEqual({
      mode: 'embedded',
      chainId: 31337,
      blockTimeSeconds: 1,
      token: { name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000_000n },
      keys: config.chain.keys,
      allowPublicSandboxKeys: false,
    });
    expect(config.storage).toEqual({ kind: 'embedded', database: 'feedin' });
    expect(config.serial).toEqual({ ports: [] });
  });

  it('reports every mistake of a file at once, each with its path and position', () => {
    const path = fixture('many-mistakes.sandbox.yaml');
    expect(loadConfig({ path })).toEqual({
      ok: false,
      path,
      errors: [
        { path: 'limits.householdDailyCap', message: 'an amount in token base units must be a non-negative integer, got 1.5', line: 14, column: 3 },
        { path: 'meters[0].id', message: 'a meter id is 1-32 characters of [A-Za-z0-9._-], got "HCM 0001"', line: 21, column: 7 },
        { path: 'meters[1].household', message: 'unknown household "hh-02"', line: 22, column: 21 },
        { path: 'meters[1].capacityW', message: 'capacity must be more than 0 W', line: 22, column: 39 },
        { path: 'chain.rpcUrl', message: 'required when chain.mode is rpc', line: 23, column: 1 },
        { path: 'simulation.clockSpeed', message: 'unknown key "clockSpeed"', line: 32, column: 3 },
      ],
    });
  });

  it('reports YAML syntax errors with line and column', () => {
    const path = fixture('syntax-errors.sandbox.yaml');
    expect(loadConfig({ path })).toEqual({
      ok: false,
      path,
      errors: [
        { path: '', message: 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]', line: 4, column: 1 },
        { path: '', message: 'YAML syntax: Sequence item without - indicator', line: 6, column: 1 },
      ],
    });
  });

  it('reads JSON by extension, with syntax and schema errors located', () => {
    const dir = tmp();
    const config = parse(readFileSync(fixture('minimal.sandbox.yaml'), 'utf8'));
    config.meters[0].capacityW = '5000';
    config.participants.households[0].tokn = { sandboxTestValue: 'x' };
    const path = join(dir, 'sandbox.json');
    writeFileSync(path, JSON.stringify(config, null, 2));
    expect(loadConfig({ path })).toEqual({
      ok: false,
      path,
      errors: [
        { path: 'participants.households[0].tokn', message: 'unknown key "tokn" (did you mean "token"?)', line: 33, column: 9 },
        { path: 'meters[0].capacityW', message: 'Invalid input: expected number, received string', line: 43, column: 7 },
      ],
    });
    writeFileSync(path, '{\n  "sandbox": {\n    "id": "x",\n  }\n}\n');
    expect(loadConfig({ path })).toEqual({
      ok: false,
      path,
      // V8's wording differs between Node versions; the position must not.
      errors: [{ path: '', message: expect.stringMatching(/^JSON syntax: \S/), line: 4, column: 3 }],
    });
  });

  it('answers a missing or empty file with an issue, not an exception', () => {
    const dir = tmp();
    expect(loadConfig({ path: join(dir, 'nope.yaml') })).toEqual({
      ok: false,
      path: join(dir, 'nope.yaml'),
      errors: [{ path: '', message: 'cannot read the sandbox file: no such file' }],
    });
    writeFileSync(join(dir, 'empty.yaml'), '# nothing yet\n');
    expect(loadConfig({ path: join(dir, 'empty.yaml') })).toEqual({
      ok: false,
      path: join(dir, 'empty.yaml'),
      errors: [{ path: '', message: 'the file is empty: expected a mapping of sandbox settings' }],
    });
  });

  it('rejects a repeated key instead of letting the last one win', () => {
    expect(parseConfigText('sandbox:\n  id: a\n  id: b\n', { path: 'x.yaml' })).toMatchObject({
      ok: false,
      path: 'x.yaml',
      errors: expect.arrayContaining([
        { path: 'sandbox.id', message: 'repeated key "id" (first given at line 2): give each key once', line: 3, column: 3 },
      ]),
    });
  });

  it('reports a repeated key together with every other issue in the file (#17)', () => {
    // A valid file with two repeated keys (one in a list item, whose later value is also wrong) and a typo.
    const text = readFileSync(fixture('minimal.sandbox.yaml'), 'utf8')
      .replace('  id: test\n', '  id: test\n  id: test-again\n')
      .replace('capacityW: 5000', 'capacityW: 5000, capacityW: -5000')
      .replace('utcOffsetMinutes: 420', 'utcOffsetMinute: 420');
    const result = parseConfigText(text, { path: 'x.yaml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: 'sandbox.utcOffsetMinutes', message: 'Invalid input: expected number, received undefined' },
      { path: 'sandbox.id', message: 'repeated key "id" (first given at line 3): give each key once' },
      { path: 'sandbox.utcOffsetMinute', message: 'unknown key "utcOffsetMinute" (did you mean "utcOffsetMinutes"?)' },
      { path: 'meters[0].capacityW', message: 'repeated key "capacityW" (first given at line 20): give each key once' },
      { path: 'meters[0].capacityW', message: 'capacity must be more than 0 W' },
    ]);
    expect(result.errors.every((e) => e.line !== undefined)).toBe(true);
    // JSON files are held to the same rule: JSON.parse would silently keep the last value.
    const json = parseConfigText('{"sandbox": {"id": "a", "id": "b"}}', { path: 'x.json' });
    expect(json.ok).toBe(false);
    if (!json.ok) expect(json.errors).toContainEqual({ path: 'sandbox.id', message: 'repeated key "id" (first given at line 1): give each key once', line: 1, column: 25 });
  });
});

describe('formatConfigIssues', () => {
  it('prints one issue per line as file:line:column: path: message', () => {
    expect(
      formatConfigIssues('/etc/feedin/sandbox.yaml', [
        { path: 'meters[3].capacityW', message: 'capacity must be more than 0 W', line: 40, column: 5 },
        { path: '', message: 'YAML syntax: Map keys must be unique', line: 2, column: 1 },
        { path: '', message: 'cannot read the sandbox file: no such file' },
      ]),
    ).toBe(
      [
        'invalid sandbox config /etc/feedin/sandbox.yaml (3 problems):',
        '  /etc/feedin/sandbox.yaml:40:5: meters[3].capacityW: capacity must be more than 0 W',
        '  /etc/feedin/sandbox.yaml:2:1: YAML syntax: Map keys must be unique',
        '  /etc/feedin/sandbox.yaml: cannot read the sandbox file: no such file',
      ].join('\n'),
    );
  });
});
