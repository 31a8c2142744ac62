// The consortium variant's docker-compose.yml, checked without a Docker engine: `docker-compose
// config` must accept it (CI installs Debian's docker-compose; under CI=true a missing binary is a
// failure, not a skip), every variable has a default, images are pinned, the Besu network agrees
// with its genesis and keys, and the gateway's sandbox file passes the project's config loader.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { loadConfig } from '@feedin/sandbox-config/load-config';
import { repoRoot } from '../support/sandbox-process.js';

const run = promisify(execFile);
const COMPOSE_FILE = join(repoRoot, 'docker-compose.yml');
const DOCKER_COMPOSE = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((path) => existsSync(path));
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** The environment docker-compose sees: none of the caller's variables that the file reads, so the
 * defaults in the file are what is checked. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return env;
}

describe('docker-compose.yml (consortium variant)', () => {
  if (DOCKER_COMPOSE) {
    it('is accepted by `docker-compose config -q`', async () => {
      // Throws (and so fails) on a non-zero exit, with docker-compose's complaint in the message.
      const { stderr } = await run(DOCKER_COMPOSE, ['-f', COMPOSE_FILE, 'config', '-q'], { cwd: repoRoot, env: cleanEnv() });
      expect(stderr).toBe('');
    });

    it('is accepted with every setting of deploy/.env.example', async () => {
      await run(DOCKER_COMPOSE, ['--env-file', join(repoRoot, 'deploy', '.env.example'), '-f', COMPOSE_FILE, 'config', '-q'], { cwd: repoRoot, env: cleanEnv() });
    });
  } else if (inCi) {
    it('needs docker-compose', () => {
      throw new Error('docker-compose not found: CI must validate docker-compose.yml (apt-get install docker-compose)');
    });
  } else {
    it.skip('is accepted by `docker-compose config -q` (docker-compose not installed)', () => {});
  }

  it('has the services of the variant, pinned images and a default for every variable', async () => {
    const text = await readFile(COMPOSE_FILE, 'utf8');
    const compose = parse(text, { merge: true }) as { services: Record<string, { image?: string; environment?: Record<string, string> }> };
    expect(Object.keys(compose.services).sort()).toEqual(['besu-1', 'besu-2', 'besu-3', 'besu-4', 'gateway', 'gateway-standby', 'grafana', 'influxdb', 'nats-1', 'nats-2', 'nats-3', 'simulator']);
    // "Everything configurable by environment": ${VAR:-default}, never a bare ${VAR}.
    const bare = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
    expect(bare).toEqual([]);
    const defaultImage = (service: string) => /\$\{[A-Z_]+:-([^}]+)\}/.exec(compose.services[service]!.image ?? '')?.[1];
    for (const n of [1, 2, 3, 4]) expect(defaultImage(`besu-${n}`)).toMatch(/^hyperledger\/besu:2[45]\.\d+\.\d+$/);
    expect(defaultImage('influxdb')).toMatch(/^influxdb:1\.\d+\.\d+$/);
    for (const n of [1, 2, 3]) expect(defaultImage(`nats-${n}`)).toMatch(/^nats:2\.9\.\d+-alpine$/);
    // docs/durability.md: both gateways of the shard in log mode on the 3 NATS nodes
    for (const g of ['gateway', 'gateway-standby']) {
      const service = compose.services[g] as { command?: string[]; environment?: Record<string, string> };
      expect(service.command).toEqual(['up', '--durability', 'jetstream']);
      expect(service.environment?.FEEDIN_NATS_SERVERS).toBe('nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222');
    }
    expect(defaultImage('grafana')).toMatch(/^grafana\/grafana(-oss)?:\d+\.\d+\.\d+$/);
    const besu = compose.services['besu-1']!.environment!;
    expect(besu).toMatchObject({ BESU_MIN_GAS_PRICE: '0', BESU_GENESIS_FILE: '/config/genesis.json', BESU_TX_POOL: 'layered' });
    expect(besu.BESU_TX_POOL_MAX_FUTURE_BY_SENDER).toMatch(/^\$\{BESU_TX_POOL_MAX_FUTURE_BY_SENDER:-\d+\}$/);
  });

  it('names the validators of the genesis, from the committed sandbox test keys, and boots from besu-1', async () => {
    const besu = join(repoRoot, 'deploy', 'besu');
    const genesis = JSON.parse(await readFile(join(besu, 'genesis.json'), 'utf8'));
    const addresses: string[] = [];
    const publicKeys: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      const key = (await readFile(join(besu, 'keys', `validator-${n}`, 'key'), 'utf8')).trim();
      const publicKey = secp256k1.getPublicKey(Buffer.from(key.slice(2), 'hex'), false).subarray(1);
      expect((await readFile(join(besu, 'keys', `validator-${n}`, 'key.pub'), 'utf8')).trim()).toBe('0x' + Buffer.from(publicKey).toString('hex'));
      publicKeys.push(Buffer.from(publicKey).toString('hex'));
      addresses.push(Buffer.from(keccak_256(publicKey).subarray(12)).toString('hex'));
    }
    // extraData = RLP([vanity, [4 × 20-byte address], [], round 0, []])
    expect(genesis.extraData).toBe(`0xf87aa0${'00'.repeat(32)}f854${addresses.map((a) => `94${a}`).join('')}c080c0`);
    const compose = await readFile(COMPOSE_FILE, 'utf8');
    expect(compose).toContain(`enode://${publicKeys[0]}@\${BESU_NET_PREFIX:-172.28.5}.11:30303`);
    expect(await readFile(join(besu, 'keys', 'README.md'), 'utf8')).toContain('SANDBOX TEST KEYS');
  });

  it("mounts a sandbox file that the project's config loader accepts: RPC chain on besu-1, InfluxDB storage", async () => {
    const loaded = loadConfig({ env: { FEEDIN_CONFIG: join(repoRoot, 'deploy', 'sandbox.compose.yaml') } });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const genesis = JSON.parse(await readFile(join(repoRoot, 'deploy', 'besu', 'genesis.json'), 'utf8'));
    expect(loaded.config.chain).toMatchObject({ mode: 'rpc', rpcUrl: 'http://besu-1:8545', chainId: genesis.config.chainId });
    expect(loaded.config.storage).toMatchObject({ kind: 'influxdb', url: 'http://influxdb:8086' });
    expect(loaded.config.mqtt.host).toBe('0.0.0.0');
    expect(loaded.config.dashboard.host).toBe('0.0.0.0');
  });
});
