// kill -9 of the gateway in the middle of ingest: the built gateway (the bench's gateway process:
// real broker, ingest and SQLite store) is killed while 50 meters publish QoS 1 readings over
// TCP. Every reading that got a PUBACK must be in the store afterwards, and after a restart on
// the same data, the devices' resends (everything, acknowledged or not) leave each reading
// stored exactly once.
import { randomBytes } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { buildOcmfPayload, signOcmf } from '@feedin/protocol/ocmf-build';
import { generatePrivateKey, publicKeyFromPrivate } from '@feedin/protocol/public-key';
import { openWire, type WireConnection } from '../../cli/src/bench/mqtt-wire.js';
import { repoRoot } from '../support/sandbox-process.js';

const METERS = 50;
const READINGS = 40;
const MIN = 60_000;
let dir: string;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fleet = Array.from({ length: METERS }, (_, m) => {
  const meterId = `crash-${m}`;
  const key = generatePrivateKey();
  return { meterId, key, publicKeyHex: Buffer.from(publicKeyFromPrivate(key)).toString('hex') };
});
const t0 = Date.now() - (READINGS + 1) * MIN;
const readings = fleet.map((f) =>
  Array.from({ length: READINGS }, (_, i) => signOcmf(buildOcmfPayload({ meterId: f.meterId, pagination: i + 1, importWh: 100n, exportWh: 1000n + 10n * BigInt(i), timestampMs: t0 + i * MIN, utcOffsetMinutes: 420 }), f.key)),
);

function send(child: ChildProcess) {
  child.send({ type: 'start', dataDir: dir, meters: fleet.map((f) => ({ meterId: f.meterId, publicKeyHex: f.publicKeyHex, capacityW: 5000 })), clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxPayloadBytes: 4096 });
}

const connectAll = (port: number) =>
  Promise.all(fleet.map((f) => openWire('127.0.0.1', port, f.meterId, signMeterJwt({ meterId: f.meterId, issuedAtSec: Math.floor(Date.now() / 1000), expiresAtSec: Math.floor(Date.now() / 1000) + 300, jwtId: randomBytes(16).toString('base64url') }, f.key))));

describe('kill -9 during ingest', () => {
  it('keeps every PUBACKed reading, and stores each reading exactly once after the resends', async () => {
    dir = await mkdtemp(join(tmpdir(), 'feedin-faults-crash-'));
    const first = await startGatewayStarted();
    const wires = await connectAll(first.port);
    const acked = new Set<string>();
    let total = 0;
    // every meter sends its readings one after another; the gateway dies somewhere in the middle
    const sending = wires.map(async (w, m) => {
      for (let i = 0; i < READINGS; i++) {
        await w.publish(`feedin/v1/meters/${fleet[m]!.meterId}/readings`, readings[m]![i]!);
        acked.add(`${m}/${i + 1}`);
        if (++total === (METERS * READINGS) / 2) first.child.kill('SIGKILL');
      }
    });
    await Promise.allSettled(sending);
    // killed by a signal: exitCode stays null and signalCode is set (the exit may already be past)
    await new Promise((r) => (first.child.signalCode !== null || first.child.exitCode !== null ? r(null) : first.child.once('exit', r)));
    expect(acked.size).toBeGreaterThanOrEqual((METERS * READINGS) / 2);
    expect(acked.size).toBeLessThan(METERS * READINGS);

    const afterCrash = openSqliteStore(join(dir, 'readings.sqlite'));
    for (const key of acked) {
      const [m, pg] = key.split('/').map(Number) as [number, number];
      expect(await afterCrash.byPagination(fleet[m]!.meterId, pg), `PUBACKed ${key}`).toBeDefined();
    }
    await afterCrash.close();

    // Restart; each device resends everything from F1 (acknowledged readings included, as after a lost PUBACK).
    const second = await startGatewayStarted();
    const again = await connectAll(second.port);
    await Promise.all(again.map(async (w: WireConnection, m) => {
      for (let i = 0; i < READINGS; i++) await w.publish(`feedin/v1/meters/${fleet[m]!.meterId}/readings`, readings[m]![i]!);
    }));
    for (const w of again) w.close();
    second.child.send({ type: 'stop' });
    await new Promise((r) => second.child.once('exit', r));

    const store = openSqliteStore(join(dir, 'readings.sqlite'));
    for (const f of fleet) expect((await store.readings(f.meterId)).map((r) => r.pagination)).toEqual(Array.from({ length: READINGS }, (_, i) => i + 1));
    expect(await store.rejections()).toEqual([]);
    await store.close();
  }, 180_000);
});

async function startGatewayStarted() {
  const child = fork(join(repoRoot, 'cli', 'dist', 'bench', 'gateway-child.js'), { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const ready = new Promise<number>((resolve, reject) => {
    child.on('message', (m: { type: string; port: number }) => m.type === 'ready' && resolve(m.port));
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
  });
  send(child);
  return { child, port: await ready };
}
