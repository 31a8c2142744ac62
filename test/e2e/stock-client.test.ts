// A meter made of stock tools only — OpenSSL for the key and the OCMF signature, the Mosquitto
// clients for MQTT 3.1.1 — logs in to the running embedded sandbox and gets its readings accepted.
// The shell script is the one in docs/mqtt-stock-client.md, run verbatim, so the worked example a
// person pastes is the one that is tested. Needs Debian's openssl and mosquitto-clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, repoRoot, runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const run = promisify(execFile);
const REGULATOR_TOKEN = 'e2e-stock-regulator-token';
const METER = 'STOCK-0001';

/** The fenced sh block between the stock-client-script markers of the doc. */
async function scriptFromDocs(): Promise<string> {
  const doc = await readFile(join(repoRoot, 'docs', 'mqtt-stock-client.md'), 'utf8');
  const section = /<!-- stock-client-script: begin -->\s*```sh\n([\s\S]*?)```\s*<!-- stock-client-script: end -->/.exec(doc);
  if (!section) throw new Error('docs/mqtt-stock-client.md: no stock-client-script block');
  return section[1]!;
}

describe('a stock MQTT client (mosquitto) with an OpenSSL-signed reading', () => {
  let sandbox: SandboxProcess;
  let workDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-stock-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      // Sandbox time at wall-clock speed, so the script's TM stays within the clock skew however
      // slow the machine; no simulated fleet: only the stock meter talks to the broker.
      config.simulation.clock.speed = 1;
      config.simulation.enabled = false;
      config.meters = config.meters.slice(0, 2);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
    env = {
      ...sandbox.env,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: String(sandbox.mqttPort),
      API: sandbox.httpUrl,
      METER,
      PAYEE: '0x' + '42'.repeat(20),
      SANDBOX_TZ: 'Asia/Ho_Chi_Minh',
      REGULATOR_TOKEN,
    };
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('registers an OpenSSL key, logs in with a JWT and gets both readings accepted (the documented script)', async () => {
    const script = `feedin() { "${process.execPath}" "${cliPath}" "$@"; }\n${await scriptFromDocs()}`;
    await writeFile(join(workDir, 'stock-client.sh'), script);
    const result = await run('bash', [join(workDir, 'stock-client.sh')], { cwd: workDir, env, timeout: 150_000 }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the documented script failed: ${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}\n${sandbox.output().slice(-3000)}`);
    });

    // Step 6: the gateway's answer on the acks topic, as mosquitto_rr printed it.
    expect(JSON.parse(await readFile(join(workDir, 'ack-1.json'), 'utf8'))).toEqual({ pg: 'F1', status: 'accepted' });
    expect(result.stdout).toContain('[{"pagination":1,"exportWh":"250"},{"pagination":2,"exportWh":"251"}]');

    // Step 8 again through the API: both readings stored byte for byte as OpenSSL signed them.
    const { status, body } = await sandbox.api(`/api/meters/${METER}/readings`, REGULATOR_TOKEN);
    expect(status).toBe(200);
    const stored = body.readings as Array<{ pagination: number; ocmf: string; source: unknown }>;
    expect(stored.map((r) => r.pagination)).toEqual([1, 2]);
    expect(stored[0]!.ocmf).toBe(await readFile(join(workDir, 'reading-1.ocmf'), 'utf8'));
    expect(stored[1]!.ocmf).toBe(await readFile(join(workDir, 'reading-2.ocmf'), 'utf8'));
  }, 180_000);

  it('answers a reading whose payload changed after signing with rejected / bad-signature', async () => {
    const token = await runCli(['meter', 'token', '--id', METER, '--key', join(workDir, 'meter.key')], env);
    expect(token.code, token.stderr).toBe(0);
    const signed = await readFile(join(workDir, 'reading-2.ocmf'), 'utf8');
    // Reading 3 made from reading 2 by editing the text: PG and export change, the signature stays.
    const forged = signed.replace('"PG":"F2"', '"PG":"F3"').replace('"RV":251', '"RV":999');
    expect(forged).not.toBe(signed);
    const { stdout } = await run(
      'mosquitto_rr',
      ['-h', '127.0.0.1', '-p', String(sandbox.mqttPort), '-V', 'mqttv311', '-i', METER, '-u', METER, '-P', token.stdout.trim(), '-c', '-q', '1',
        '-t', `feedin/v1/meters/${METER}/readings`, '-e', `feedin/v1/meters/${METER}/acks`, '-m', forged, '-W', '30'],
      { timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toMatchObject({ pg: 'F3', status: 'rejected', reason: 'bad-signature' });
    const { body } = await sandbox.api(`/api/meters/${METER}/readings`, REGULATOR_TOKEN);
    expect(body.readings.map((r: { pagination: number }) => r.pagination)).toEqual([1, 2]);
  }, 90_000);
});
