// Key rotation and revocation at ingest and login (issue 4): the key valid when a reading was taken
// signs it; a revoked key's readings are refused with `key-revoked`; the device keeps its PG across
// a rotation.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayEvents } from '../../src/events.js';
import { createMetrics } from '../../src/metrics.js';
import { createDirectory, type MutableMeterDirectory } from '../../src/registry/meter-directory.js';
import { keyAt, loginKeys } from '@feedin/protocol/key-history';
import { meterKeyHistory } from '../../src/registry/meter-directory.js';
import { createIngest, type Ingest, type IngestSource } from '../../src/ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, signedReading, T0, testMeter, type ReadingSpec } from '../../src/ingest/ingest-fixtures.js';
import { checkCredentials } from '../../src/broker/authenticate.js';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { ReadingStore } from '../../src/store/reading-store.js';

const verifiers = inlineVerifiers();

const oldKey = testMeter('m1');
const newKey = testMeter('m1', {}, ' rotated');
const ROTATED_AT = T0 + 10 * MINUTE;
const REVOKED_AT = T0 + 20 * MINUTE;
const SOURCE: IngestSource = { kind: 'mqtt', meterId: 'm1' };
const limits = { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 4096 };

const spec = (n: number): ReadingSpec => ({ pagination: n, importWh: 1_000n, exportWh: 5_000n + 50n * BigInt(n), timestampMs: T0 + n * MINUTE });

const rotated = (revokedFromMs: number | null = null) => ({
  ...newKey.entry,
  keys: [
    { publicKey: oldKey.entry.publicKey, validFromMs: 0, revokedFromMs: null },
    { publicKey: newKey.entry.publicKey, validFromMs: ROTATED_AT, revokedFromMs },
  ],
});

let store: ReadingStore;
let ingest: Ingest;
let directory: MutableMeterDirectory;
const clock = manualClock(T0 + 30 * MINUTE);

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  directory = createDirectory();
  directory.upsert(rotated());
  ingest = await createIngest({ verifyPool: verifiers.verifyPool, store, directory, clock, limits, events: new GatewayEvents(), metrics: createMetrics(), log: { error: () => {}, warn: () => {} } });
});
afterEach(async () => {
  await store.close();
});

describe('meter key lifecycle', () => {
  it('checks each reading with the key valid at its TM, so PG runs on across the rotation', async () => {
    const outcomes = [];
    for (let n = 1; n <= 9; n++) outcomes.push(await ingest.ingest(signedReading(oldKey, spec(n)), SOURCE));
    // the device switches keys at 10:10 and keeps counting: F10, F11, …
    for (let n = 10; n <= 12; n++) outcomes.push(await ingest.ingest(signedReading(newKey, spec(n)), SOURCE));
    expect(outcomes.map((o) => o.status)).toEqual(Array(12).fill('accepted'));
  });

  it('refuses a reading after the rotation signed with the old key', async () => {
    for (let n = 1; n <= 9; n++) await ingest.ingest(signedReading(oldKey, spec(n)), SOURCE);
    expect(await ingest.ingest(signedReading(oldKey, spec(10)), SOURCE)).toMatchObject({ status: 'rejected', reason: 'bad-signature' });
  });

  it('refuses readings signed with a revoked key from the revocation time, with reason key-revoked', async () => {
    directory.upsert(rotated(REVOKED_AT));
    for (let n = 1; n <= 9; n++) await ingest.ingest(signedReading(oldKey, spec(n)), SOURCE);
    for (let n = 10; n <= 19; n++) expect((await ingest.ingest(signedReading(newKey, spec(n)), SOURCE)).status).toBe('accepted');
    expect(await ingest.ingest(signedReading(newKey, spec(20)), SOURCE)).toEqual({
      status: 'rejected',
      meterId: 'm1',
      pg: 'F20',
      reason: 'key-revoked',
      detail: `the key valid at ${new Date(T0 + 20 * MINUTE).toISOString()} (from ${new Date(ROTATED_AT).toISOString()}) is revoked from ${new Date(REVOKED_AT).toISOString()}`,
    });
  });

  it('lets a device log in with the key valid now or a later one, never a revoked one', () => {
    const meter = rotated(REVOKED_AT);
    expect(loginKeys(meterKeyHistory(meter), T0)).toEqual([oldKey.entry.publicKey, newKey.entry.publicKey]);
    expect(loginKeys(meterKeyHistory(meter), ROTATED_AT)).toEqual([newKey.entry.publicKey]);
    expect(loginKeys(meterKeyHistory(meter), REVOKED_AT)).toEqual([]);
    expect(keyAt(meterKeyHistory({ ...oldKey.entry }), T0)).toMatchObject({ ok: true, key: { publicKey: oldKey.entry.publicKey } });

    const nowSec = Math.floor(Date.now() / 1000);
    const jwt = (k: typeof oldKey) => Buffer.from(signMeterJwt({ meterId: 'm1', issuedAtSec: nowSec, expiresAtSec: nowSec + 60, jwtId: randomBytes(16).toString('base64url') }, k.privateKey));
    const at = (ms: number) => ({ directory, clock: { ...manualClock(ms), wallNowMs: () => Date.now() }, jwtMaxLifetimeSeconds: 600, verifyMeterJwt: verifiers.verifyMeterJwt });
    directory.upsert(meter);
    expect(checkCredentials(at(T0), 'm1', 'm1', jwt(oldKey))).toEqual({ ok: true });
    expect(checkCredentials(at(T0), 'm1', 'm1', jwt(newKey))).toEqual({ ok: true });
    expect(checkCredentials(at(ROTATED_AT), 'm1', 'm1', jwt(oldKey))).toMatchObject({ ok: false });
    expect(checkCredentials(at(REVOKED_AT), 'm1', 'm1', jwt(newKey))).toMatchObject({ ok: false, reason: 'key-revoked' });
  });
});
