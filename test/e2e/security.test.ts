// Hostile and broken input against the running embedded sandbox, through the real broker:
// unknown keys cannot log in, a meter cannot touch another meter's topics, and replays, foreign
// signatures and decreasing registers are quarantined with their reasons — while the simulated
// fleet keeps being served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { buildOcmfPayload, signOcmf } from '@feedin/protocol/ocmf-build';
import { hexToBytes } from '@feedin/protocol/hex';
import { generatePrivateKey } from '@feedin/protocol/public-key';
import { runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-security-regulator-token';
const ATTACKER = 'E2E-ATTACK';

describe('hostile input against the embedded sandbox', () => {
  let sandbox: SandboxProcess;
  let workDir: string;
  let keyFile: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-sec-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.meters = config.meters.slice(0, 4);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
    keyFile = join(workDir, 'attacker.key');
    const keygen = await runCli(['meter', 'keygen', '--out', keyFile], sandbox.env);
    expect(keygen.code, keygen.stderr).toBe(0);
    const { publicKey } = JSON.parse(keygen.stdout);
    const register = await runCli(['meter', 'register', '--id', ATTACKER, '--pubkey', publicKey, '--payee', '0x' + '42'.repeat(20), '--capacity-w', '5000'], sandbox.env);
    expect(register.code, register.stderr + register.stdout).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
  });

  const token = async (id: string, file: string) => {
    const result = await runCli(['meter', 'token', '--id', id, '--key', file], sandbox.env);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout.trim();
  };

  const connect = (id: string, password: string) =>
    new Promise<mqtt.MqttClient>((ok, fail) => {
      const client = mqtt.connect({ host: '127.0.0.1', port: sandbox.mqttPort, clientId: id, username: id, password, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
      client.once('connect', () => ok(client));
      client.once('error', (error) => {
        client.end(true);
        fail(error);
      });
    });

  const closed = (client: mqtt.MqttClient) => new Promise<void>((ok) => (client.disconnected ? ok() : client.once('close', () => ok())));

  it('refuses a meter key that the registry does not know (CONNACK: not authorized)', async () => {
    const stranger = join(workDir, 'stranger.key');
    await runCli(['meter', 'keygen', '--out', stranger], sandbox.env);
    await expect(connect('E2E-UNKNOWN', await token('E2E-UNKNOWN', stranger))).rejects.toMatchObject({ code: 5 });
    // a registered id with a token signed by another key
    await expect(connect(ATTACKER, await token(ATTACKER, stranger))).rejects.toMatchObject({ code: 5 });
  });

  it('disconnects a meter that publishes or subscribes under another meter id', async () => {
    await sandbox.waitFor('the registered meter in the gateway directory', async () => {
      try {
        (await connect(ATTACKER, await token(ATTACKER, keyFile))).end(true);
        return true;
      } catch {
        return false;
      }
    }, 30_000);
    const publisher = await connect(ATTACKER, await token(ATTACKER, keyFile));
    publisher.publish('feedin/v1/meters/HCM-0001/readings', 'OCMF|{}|{}', { qos: 1 });
    await closed(publisher);
    const subscriber = await connect(ATTACKER, await token(ATTACKER, keyFile));
    subscriber.subscribe('feedin/v1/meters/HCM-0001/acks', { qos: 1 });
    await closed(subscriber);
  });

  it('quarantines a replayed PG, a foreign signature and a decreasing register, with reasons', async () => {
    const deviceKey = hexToBytes((await readFile(keyFile, 'utf8')).trim());
    const { body: health } = await sandbox.api('/api/health');
    const nowMs = Date.parse(health.now);
    const reading = (pagination: number, importWh: bigint, exportWh: bigint, atMs: number, key = deviceKey) =>
      signOcmf(buildOcmfPayload({ meterId: ATTACKER, pagination, importWh, exportWh, timestampMs: atMs, utcOffsetMinutes: 420 }), key);

    const client = await connect(ATTACKER, await token(ATTACKER, keyFile));
    const acks: Array<{ pg: string; status: string; reason?: string }> = [];
    client.on('message', (_topic, payload) => acks.push(JSON.parse(payload.toString())));
    await client.subscribeAsync(`feedin/v1/meters/${ATTACKER}/acks`, { qos: 1 });
    const topic = `feedin/v1/meters/${ATTACKER}/readings`;
    await client.publishAsync(topic, reading(1, 1000n, 500n, nowMs - 120_000), { qos: 1 });
    await client.publishAsync(topic, reading(1, 1000n, 501n, nowMs - 120_000), { qos: 1 }); // same PG, other bytes
    await client.publishAsync(topic, reading(2, 1000n, 510n, nowMs - 60_000, generatePrivateKey()), { qos: 1 }); // another key
    await client.publishAsync(topic, reading(2, 1000n, 400n, nowMs - 60_000), { qos: 1 }); // export register went down
    await sandbox.waitFor('four acks', async () => acks.length >= 4, 10_000);
    client.end(true);
    expect(acks.map((a) => [a.pg, a.status, a.reason ?? null])).toEqual([
      ['F1', 'accepted', null],
      ['F1', 'rejected', 'replay'],
      ['F2', 'rejected', 'bad-signature'],
      ['F2', 'rejected', 'register-decreased'],
    ]);
    const { status, body } = await sandbox.api(`/api/rejections?meterId=${ATTACKER}`, REGULATOR_TOKEN);
    expect(status).toBe(200);
    const reasons = (body.rejections ?? body).map((r: any) => r.reason).sort();
    expect(reasons).toEqual(['bad-signature', 'register-decreased', 'replay']);
  });

  it('keeps serving the other meters', async () => {
    const before = await lastSeq();
    await sandbox.waitFor('new readings from the simulated fleet', async () => (await lastSeq()) > before, 30_000);

    async function lastSeq(): Promise<number> {
      const { body } = await sandbox.api('/api/meters/HCM-0001/readings?limit=1000', REGULATOR_TOKEN);
      const list = body.readings ?? body;
      return list.length === 0 ? 0 : Math.max(...list.map((r: any) => r.seq ?? r.pagination ?? 0));
    }
  });
});
