// `feedin up` checks the sandbox file and the environment before it starts anything (#17 item 2):
// a regulator token that is too short, or a chain key whose variable is unset, is one line on
// stderr with exit 2 (docs/cli.md), and the data dir, anvil and every port are left untouched.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCli, writeTestConfig } from '../support/sandbox-process.js';

/** True when something accepts TCP connections on the port. */
const listening = (port: number) =>
  new Promise<boolean>((ok) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), ok(true)));
    socket.once('error', () => ok(false));
  });

async function upWith(edit: (config: Record<string, any>) => void, extraEnv: NodeJS.ProcessEnv) {
  const work = await mkdtemp(join(tmpdir(), 'feedin-e2e-preflight-'));
  const dataDir = join(work, 'data'); // does not exist yet: `up` must not create it
  const [http, mqtt, chain] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FEEDIN_CONFIG: await writeTestConfig(work, edit),
    FEEDIN_DATA_DIR: dataDir,
    FEEDIN_HTTP_PORT: String(http),
    FEEDIN_MQTT_PORT: String(mqtt),
    FEEDIN_CHAIN_PORT: String(chain),
    ...extraEnv,
  };
  const result = await runCli(['up'], env);
  return { ...result, dataDir, ports: [http, mqtt, chain] };
}

async function expectNothingStarted(run: Awaited<ReturnType<typeof upWith>>) {
  expect(existsSync(run.dataDir), 'data dir created').toBe(false);
  for (const port of run.ports) expect(await listening(port), `port ${port}`).toBe(false);
}

describe('feedin up checks config and environment before starting anything', () => {
  it('answers a too-short FEEDIN_REGULATOR_TOKEN with one line and exit 2', async () => {
    const run = await upWith(() => {}, { FEEDIN_REGULATOR_TOKEN: 'short' });
    expect(run.stderr).toBe('feedin: dashboard tokens: regulator token must be at least 16 characters (the regulator token comes from FEEDIN_REGULATOR_TOKEN)\n');
    expect(run.code).toBe(2);
    await expectNothingStarted(run);
  });

  it('answers a chain key whose environment variable is unset with one line and exit 2', async () => {
    const run = await upWith(
      (config) => {
        config.chain.keys.gateway = { env: 'FEEDIN_E2E_UNSET_GATEWAY_KEY' };
      },
      { FEEDIN_E2E_UNSET_GATEWAY_KEY: '' },
    );
    expect(run.stderr).toBe('feedin: chain.keys.gateway: secret not found: set the environment variable FEEDIN_E2E_UNSET_GATEWAY_KEY\n');
    expect(run.code).toBe(2);
    await expectNothingStarted(run);
  });

  it('answers an INFLUX_URL that is not a URL with one line and exit 2', async () => {
    const run = await upWith(() => {}, { INFLUX_URL: 'not a url' });
    expect(run.stderr).toBe('feedin: INFLUX_URL / storage.url "not a url" is not a URL (e.g. http://127.0.0.1:8086)\n');
    expect(run.code).toBe(2);
    await expectNothingStarted(run);
  });
});
