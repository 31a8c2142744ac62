// The consortium variant's wiring without Docker: the gateway service's sandbox file
// (deploy/sandbox.compose.yaml) run by `feedin up` against stand-ins for the other services — an
// anvil set up like the Besu validators (chain id 1337, 2 s blocks, zero base fee) and a real
// influxd — with the fleet in a separate `feedin sim` process sharing the data dir, as the
// simulator service does. Only hosts, ports and the clock speed differ from the compose file.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { InfluxDB } from 'influx';
import { startAnvil, type StartAnvilReturnType } from '@feedin/contracts/anvil';
import { describeWithInfluxd, startInfluxd, type Influxd } from '../../gateway/test/support/influxd.js';
import { cliPath, repoRoot, startSandbox, type SandboxProcess } from '../support/sandbox-process.js';

const REGULATOR_TOKEN = 'e2e-consortium-regulator-token';

describeWithInfluxd('the gateway and simulator services of docker-compose.yml, on stand-ins', () => {
  let anvil: StartAnvilReturnType;
  let influxd: Influxd;
  let sandbox: SandboxProcess;
  let simulator: ChildProcess | undefined;
  let simulatorLog = '';

  beforeAll(async () => {
    const config = parse(await readFile(join(repoRoot, 'deploy', 'sandbox.compose.yaml'), 'utf8')) as Record<string, any>;
    anvil = await startAnvil({ chainId: config.chain.chainId, blockTimeSeconds: 2, baseFeeZero: true });
    influxd = await startInfluxd();
    config.chain.rpcUrl = anvil.rpcUrl; // instead of http://besu-1:8545
    config.mqtt.host = '127.0.0.1'; // instead of 0.0.0.0 inside a container
    config.dashboard.host = '127.0.0.1';
    config.simulation.clock.speed = 120;
    config.limits.challengeWindowSeconds = 5;
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-consortium-'));
    const configPath = join(workDir, 'sandbox.compose.yaml');
    await writeFile(configPath, stringify(config));
    // INFLUX_URL overrides storage.url (http://influxdb:8086), as in the compose file's environment.
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN, INFLUX_URL: influxd.url } });
    await sandbox.waitFor('runtime.json', async () => JSON.parse(await readFile(join(sandbox.dataDir, 'runtime.json'), 'utf8')), 60_000);
    simulator = spawn(process.execPath, [cliPath, 'sim', '--broker', `127.0.0.1:${sandbox.mqttPort}`, '--api', sandbox.httpUrl], { env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] });
    simulator.stdout!.on('data', (d) => (simulatorLog += d));
    simulator.stderr!.on('data', (d) => (simulatorLog += d));
  }, 180_000);

  afterAll(async () => {
    if (simulator && simulator.exitCode === null && simulator.signalCode === null) {
      const exited = new Promise((resolve) => simulator!.once('exit', resolve));
      simulator.kill('SIGTERM');
      await exited;
    }
    await sandbox?.stop();
    await anvil?.stop();
    await influxd?.dispose();
  }, 60_000);

  it('settles a batch on the chain from the separate simulator, with the readings in InfluxDB', async () => {
    const batch = await sandbox.waitFor(
      'a settled batch with claims',
      async () => {
        const { body } = await sandbox.api('/api/batches', REGULATOR_TOKEN);
        return (body.batches ?? body).find((b: any) => b.claimCount > 0 && /^0x[0-9a-f]{64}$/.test(b.txHash ?? ''));
      },
      150_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- simulator ---\n${simulatorLog.slice(-3000)}`);
    });
    expect(BigInt(batch.totalAmount)).toBeGreaterThan(0n);
    expect(simulatorLog).toContain('fleet: 6 meters');

    const influx = new InfluxDB({ host: '127.0.0.1', port: Number(new URL(influxd.url).port), database: 'feedin' });
    const counts = (await influx.query('SELECT count("pagination") FROM "raw"."readings" GROUP BY "meter"')) as unknown as Array<{ meter: string; count: number }>;
    expect(counts.map((c) => c.meter).sort()).toEqual(['HCM-0001', 'HCM-0002', 'HCM-0003', 'HCM-0004', 'HCM-0005', 'HCM-0006']);
    expect(counts.every((c) => c.count > 0)).toBe(true);
  }, 180_000);
});
