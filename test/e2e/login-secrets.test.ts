// What `feedin up` tells and keeps (issues #10.9–#10.11, #11.16, #17.3–#17.4), over the built CLI:
// where each role logs in, never a token that came from the environment or a file; the data dir
// private (files 0600 in folders 0700); the public health without paths or chain id; the fleet
// over MQTT/TLS with the sandbox CA; and, with chain.mode rpc, anvil's public keys refused.
import { lstat, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-regulator-token-from-the-environment';
const OPERATOR_TOKEN = 'e2e-operator-token-from-a-file';

async function modes(root: string): Promise<{ path: string; mode: string; dir: boolean }[]> {
  const out: { path: string; mode: string; dir: boolean }[] = [];
  const walk = async (path: string) => {
    const stat = await lstat(path);
    out.push({ path: path.slice(root.length) || '/', mode: (stat.mode & 0o777).toString(8), dir: stat.isDirectory() });
    if (stat.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
  };
  await walk(root);
  return out;
}

describe('feedin up: logins, secrets and the data dir', () => {
  let sandbox: SandboxProcess;
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-login-'));
    await writeFile(join(workDir, 'operator.token'), `${OPERATOR_TOKEN}\n`);
    const configPath = await writeTestConfig(workDir, (config) => {
      config.participants.operator.token = { file: 'operator.token', sandboxTestValue: 'operator-sandbox-token' };
      config.meters = config.meters.slice(0, 3);
      config.simulation.mqttTls = true;
    });
    // the test runner's umask (typically 022) would leave files world-readable: the sandbox must not rely on it
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('prints where each role logs in, never the tokens from the environment or a file', async () => {
    await sandbox.waitFor('the login lines', async () => sandbox.output().includes('household logins:'), 30_000);
    const out = sandbox.output();
    expect(out).toContain(`regulator login: ${sandbox.httpUrl}/ with the token in the environment variable FEEDIN_REGULATOR_TOKEN (not printed)`);
    expect(out).toContain(`operator login: ${sandbox.httpUrl}/ with the token in the file ${join(workDir, 'operator.token')} (not printed)`);
    expect(out).toContain('household logins: feedin tokens households (20 of 20 households have a token; one link each)');
    expect(out).not.toContain(REGULATOR_TOKEN);
    expect(out).not.toContain(OPERATOR_TOKEN);
  });

  it('feedin tokens gives each household its link, and names the other roles’ token sources', async () => {
    const all = await runCli(['tokens'], sandbox.env);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toBe(`regulator: ${sandbox.httpUrl}/ with the token in the environment variable FEEDIN_REGULATOR_TOKEN (not printed)`);
    expect(lines[1]).toBe(`operator: ${sandbox.httpUrl}/ with the token in the file ${join(workDir, 'operator.token')} (not printed)`);
    expect(lines[2]).toBe(`household hh-01 (Nguyễn Văn An — Quận 7): ${sandbox.httpUrl}/#token=household-hh-01-sandbox-token (sandbox test token)`);
    expect(lines).toHaveLength(22);
    expect(all.stdout).not.toContain(REGULATOR_TOKEN);
    expect(all.stdout).not.toContain(OPERATOR_TOKEN);
    const one = await runCli(['tokens', 'hh-02', '--json'], sandbox.env);
    expect(JSON.parse(one.stdout)).toEqual({
      logins: [{ role: 'household', householdId: 'hh-02', name: 'Trần Thị Bích — Quận 7', origin: { kind: 'sandboxTestValue' }, loginUrl: `${sandbox.httpUrl}/#token=household-hh-02-sandbox-token` }],
    });
    const unknown = await runCli(['tokens', 'nobody'], sandbox.env);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, 'feedin: "nobody": not a role (regulator, operator, households) or a household id of the sandbox']);
    // the household link logs in
    const login = await fetch(`${sandbox.httpUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'household-hh-01-sandbox-token' }) });
    expect(login.status).toBe(201);
  });

  it('keeps stores, chain state, keys and logs 0600 in 0700 folders', async () => {
    // wait until anvil has written its state and the stores exist
    await sandbox.waitFor('anvil state', async () => (await readdir(join(sandbox.dataDir, 'chain'))).includes('anvil-state.json'), 30_000);
    const all = await modes(sandbox.dataDir);
    for (const expected of ['/gateway/readings.db', '/gateway/settlement.db', '/chain/anvil-state.json', '/chain/deployment.json', '/runtime.json', '/tls/ca-key.pem', '/tls/server-key.pem'])
      expect(all.map((e) => e.path)).toContain(expected);
    expect(all.filter((e) => e.dir && e.mode !== '700')).toEqual([]);
    expect(all.filter((e) => !e.dir && e.mode !== '600')).toEqual([]);
  });

  it('answers the public health without paths, chain id or counts; with a token in full; ?x=1 is 400', async () => {
    const pub = await sandbox.api('/api/health');
    expect(pub.status).toBe(200);
    expect(Object.keys(pub.body).sort()).toEqual(['clockSpeed', 'components', 'now', 'status']);
    expect(pub.body.components).toEqual({ broker: { status: expect.any(String) }, store: { status: expect.any(String) }, chain: { status: expect.any(String) } });
    expect(JSON.stringify(pub.body)).not.toContain(sandbox.dataDir);
    const full = await sandbox.api('/api/health', REGULATOR_TOKEN);
    expect(full.body.components.chain.detail).toMatch(/^chain 31337/);
    expect((await sandbox.api('/api/health?x=1')).status).toBe(400);
  });

  it('runs the fleet over MQTT/TLS trusting the sandbox CA', async () => {
    expect(sandbox.output()).toMatch(/gateway: MQTT over TLS on 127\.0\.0\.1:\d+ \(devices trust the sandbox CA .*\/tls\/ca\.pem\)/);
    expect(sandbox.output()).toContain('fleet: 3 simulated meters over MQTT/TLS');
    await sandbox.waitFor('3 meters connected over TLS', async () => (await sandbox.api('/api/health', REGULATOR_TOKEN)).body.components.broker.detail === 'MQTT broker, 3 meters connected', 30_000);
  });
});

describe('feedin up with chain.mode rpc', () => {
  it("refuses anvil's public keys unless chain.allowPublicSandboxKeys says so, before touching the chain", async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-rpc-keys-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.chain.mode = 'rpc';
      config.chain.rpcUrl = 'http://127.0.0.1:9'; // nothing listens there: the check must come first
    });
    const result = await runCli(['up'], { ...process.env, FEEDIN_CONFIG: configPath, FEEDIN_DATA_DIR: join(workDir, 'data') });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "feedin: chain.keys.deployer, chain.keys.gateway, chain.keys.regulator, chain.keys.operator: anvil's public test keys, refused with chain.mode rpc (http://127.0.0.1:9): set your own keys (e.g. FEEDIN_GATEWAY_KEY), or set chain.allowPublicSandboxKeys: true if this chain is a local test chain",
    );
  }, 60_000);
});
