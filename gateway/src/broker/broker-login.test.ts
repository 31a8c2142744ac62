// Login hardening of the real broker over TCP and TLS (issue #10.9): a token is accepted once,
// a session takeover is a rate-limited security event, sockets that do not log in are bounded
// in number and time, and refusals are counted and summarised, not logged one line each.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { signMeterJwt } from '@feedin/protocol/jwt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayEvents, type GatewayEventMap } from '../events.js';
import { createIngest } from '../ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, T0, testMeter, type TestMeter } from '../ingest/ingest-fixtures.js';
import { createMetrics, type GatewayMetrics } from '../metrics.js';
import { createDirectory } from '../registry/meter-directory.js';
import type { ReadingStore } from '../store/reading-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { ensureSandboxTls, type SandboxTls } from './sandbox-tls.js';
import { startBroker, type Broker } from './start-broker.js';

const verifiers = inlineVerifiers();

const dir = mkdtempSync(join(tmpdir(), 'feedin-broker-login-'));
const meters = Object.fromEntries(['replay', 'old', 'takeover', 'fresh', 'tls', 'refused', 'pending', 'suspended'].map((id) => [id, testMeter(id)])) as Record<string, TestMeter>;
const NOT_AUTHORIZED = { code: 5, message: 'Connection refused: Not authorized' };
const UNAUTHENTICATED_MAX = 3;
const CONNECT_TIMEOUT_MS = 400;

let store: ReadingStore;
let broker: Broker;
let metrics: GatewayMetrics;
let tls: SandboxTls;
let directory: ReturnType<typeof createDirectory>;
let clock: ReturnType<typeof manualClock>;
const security: GatewayEventMap['security'][] = [];
const logged: string[] = [];
const clients: MqttClient[] = [];
const startedAtSec = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  store = openSqliteStore(join(dir, 'readings.sqlite'));
  directory = createDirectory();
  for (const m of Object.values(meters)) directory.upsert(m.entry);
  clock = manualClock(T0 + 60 * MINUTE);
  const events = new GatewayEvents();
  events.on('security', (e) => security.push(e));
  metrics = createMetrics();
  const log = { info: (line: string) => logged.push(line), warn: (line: string) => logged.push(line), error: (line: string) => logged.push(line) };
  const ingest = await createIngest({ verifyPool: verifiers.verifyPool, store, directory, clock, limits: { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 2048 }, events, metrics, log });
  tls = await ensureSandboxTls(join(dir, 'tls'), ['localhost', '127.0.0.1']);
  broker = await startBroker({
    verifyMeterJwt: verifiers.verifyMeterJwt,
    host: '127.0.0.1',
    port: 0,
    ingest,
    directory,
    clock,
    jwtMaxLifetimeSeconds: 300,
    maxPayloadBytes: 2048,
    events,
    metrics,
    log,
    takeoverLimit: { burst: 2, refillSeconds: 3600 },
    unauthenticated: { max: UNAUTHENTICATED_MAX, connectTimeoutMs: CONNECT_TIMEOUT_MS },
    tls: { host: '127.0.0.1', port: 0, keyPem: tls.keyPem, certPem: tls.certPem },
    securitySummaryEveryMs: 3_600_000,
  });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.end(true);
  await broker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const nowSec = () => Math.floor(Date.now() / 1000);
const token = (meter: TestMeter, over: { iat?: number; jti?: string } = {}) =>
  signMeterJwt({ meterId: meter.meterId, issuedAtSec: over.iat ?? nowSec(), expiresAtSec: (over.iat ?? nowSec()) + 300, jwtId: over.jti ?? randomBytes(16).toString('base64url') }, meter.privateKey);

async function connect(meter: TestMeter, over: Partial<IClientOptions> = {}, url = `mqtt://127.0.0.1:${broker.port}`): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId: meter.meterId, username: meter.meterId, password: token(meter), clean: false, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...over });
  clients.push(client);
  return client;
}

async function refused(meter: TestMeter, over: Partial<IClientOptions> = {}): Promise<{ code: unknown; message: string }> {
  const error = await connect(meter, over).then(
    () => undefined,
    (e: Error & { code?: unknown }) => e,
  );
  if (!error) throw new Error('connection was accepted');
  return { code: error.code, message: error.message };
}

const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.disconnected ? resolve() : client.once('close', () => resolve())));
const refusalsOf = (meterId: string) => security.filter((e) => e.clientId === meterId).map((e) => `${e.kind}: ${e.detail}`);

describe('broker login: a token is accepted once', () => {
  it('refuses a token that already logged in, even after that connection ended', async () => {
    const password = token(meters.replay!, { jti: 'the-one-jti-0001' });
    const first = await connect(meters.replay!, { password });
    await first.endAsync();
    expect(await refused(meters.replay!, { password })).toEqual(NOT_AUTHORIZED);
    expect(refusalsOf('replay')).toEqual(['connect-refused: token-replayed: token "the-one-jti-0001" was already used to log in; every connection needs a new token']);
    // a fresh token (a new jti) logs in as usual
    await connect(meters.replay!);
  });

  it('refuses a token issued before the gateway started (its use before a restart is unknown)', async () => {
    const iat = startedAtSec - 10;
    expect(await refused(meters.old!, { password: token(meters.old!, { iat }) })).toEqual(NOT_AUTHORIZED);
    expect(refusalsOf('old')).toEqual([
      expect.stringMatching(new RegExp(`^connect-refused: issued-before-start: token issued at ${iat}, before the gateway started \\(\\d+\\): it may have been used before; sign a new one$`)),
    ]);
  });
});

describe('broker login: session takeover', () => {
  it('records each takeover of a live session and refuses them beyond the limit, keeping the live session', async () => {
    const original = await connect(meters.takeover!);
    const second = await connect(meters.takeover!);
    await closed(original); // MQTT-3.1.4-2: the new login took the session over
    const third = await connect(meters.takeover!);
    await closed(second);
    expect(await refused(meters.takeover!)).toEqual(NOT_AUTHORIZED);
    expect(third.connected).toBe(true);
    const takeover = 'session-takeover: a new login took over the live session of meter takeover';
    expect(refusalsOf('takeover')).toEqual([
      takeover,
      takeover,
      'connect-refused: takeover-limited: meter takeover is connected and its session was taken over too often; the live session stays',
    ]);
    expect(metrics.mqttConnectionsRefused.get({ reason: 'takeover-limited' })).toBe(1);
  });

  it('does not count a login after a clean disconnect as a takeover', async () => {
    const first = await connect(meters.fresh!);
    await first.endAsync();
    await vi.waitFor(() => expect(broker.connectedMeters()).toBeLessThan(3), { timeout: 5_000 });
    await connect(meters.fresh!);
    expect(refusalsOf('fresh')).toEqual([]);
  });
});

describe('broker login: sockets that do not log in', () => {
  it('cuts a socket that sends no CONNECT in time, and refuses sockets beyond the limit at once', async () => {
    const before = metrics.mqttConnectionsRefused.get({ reason: 'unauthenticated-limit' });
    const idle: Socket[] = [];
    const opened = (s: Socket) => new Promise<void>((resolve) => s.once('connect', () => resolve()));
    for (let i = 0; i < UNAUTHENTICATED_MAX; i++) idle.push(tcpConnect(broker.port, '127.0.0.1'));
    await Promise.all(idle.map(opened));
    // the broker has seen all three before the fourth arrives
    await vi.waitFor(() => expect(broker.pendingConnections()).toBe(UNAUTHENTICATED_MAX), { timeout: 5_000 });
    const extra = tcpConnect(broker.port, '127.0.0.1');
    await new Promise((resolve) => extra.on('close', resolve));
    expect(metrics.mqttConnectionsRefused.get({ reason: 'unauthenticated-limit' })).toBe(before + 1);
    // the idle sockets are cut after the connect timeout, freeing them
    await Promise.all(idle.map((s) => new Promise((resolve) => (s.destroyed ? resolve(undefined) : s.on('close', resolve)))));
    expect(metrics.mqttConnectionsRefused.get({ reason: 'connect-timeout' })).toBe(UNAUTHENTICATED_MAX);
    await vi.waitFor(() => expect(broker.pendingConnections()).toBe(0), { timeout: 5_000 });
    await connect(meters.pending!);
  });

  it('counts refused logins by reason and logs them as one summary line, plus one line per known meter on change', async () => {
    const linesBefore = logged.length;
    const stranger = testMeter('stranger');
    for (let i = 0; i < 5; i++) expect(await refused(stranger)).toEqual(NOT_AUTHORIZED);
    // signed by another key: a bad signature
    const forged = signMeterJwt({ meterId: 'refused', issuedAtSec: nowSec(), expiresAtSec: nowSec() + 300, jwtId: randomBytes(16).toString('base64url') }, stranger.privateKey);
    expect(await refused(meters.refused!, { password: forged })).toEqual(NOT_AUTHORIZED);
    expect(await refused(meters.refused!, { password: forged })).toEqual(NOT_AUTHORIZED);
    expect(metrics.mqttConnectionsRefused.get({ reason: 'bad-signature' })).toBe(2);
    expect(metrics.mqttConnectionsRefused.get({ reason: 'unknown-meter' })).toBe(5);
    // unknown ids: no line at all; a registered meter: one line when its refusal changes
    expect(logged.slice(linesBefore)).toEqual([expect.stringMatching(/^mqtt security: meter refused: login refused, bad-signature: .*; further refusals are counted, not logged/)]);
    const afterMeterLine = logged.length;
    broker.flushSecuritySummary();
    const summary = logged.slice(afterMeterLine);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/^mqtt security: refused or taken over since the last summary: .*unknown-meter 5.*\(feedin_mqtt_connections_refused_total\)$/);
  });
});

describe('broker login: a suspended meter', () => {
  it('is disconnected once its suspension starts, and its later logins are refused and counted with one line', async () => {
    const live = await connect(meters.suspended!);
    const meter = directory.get('suspended')!;
    // suspended from a sandbox minute ahead: still connected until the clock gets there
    directory.suspend('suspended', clock.nowMs() + MINUTE);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(live.connected).toBe(true);
    const linesBefore = logged.length;
    clock.advance(2 * MINUTE);
    await vi.waitFor(() => expect(live.connected).toBe(false), { timeout: 5_000 });
    expect(refusalsOf('suspended')).toEqual([expect.stringMatching(/^suspended-disconnect: disconnected: meter suspended is suspended from /)]);
    const before = metrics.mqttConnectionsRefused.get({ reason: 'meter-suspended' });
    for (let i = 0; i < 4; i++) expect(await refused(meters.suspended!)).toEqual(NOT_AUTHORIZED);
    expect(metrics.mqttConnectionsRefused.get({ reason: 'meter-suspended' })).toBe(before + 4);
    const lines = logged.slice(linesBefore).filter((l) => l.includes('suspended'));
    expect(lines).toEqual([
      expect.stringMatching(/^mqtt security: suspended-disconnect \(client "suspended"\): disconnected: meter suspended is suspended from /),
      expect.stringMatching(/^mqtt security: meter suspended: login refused, meter-suspended: .*further refusals are counted, not logged \(feedin_mqtt_connections_refused_total\{reason="meter-suspended"\}\)$/),
    ]);
    directory.upsert({ ...meter, suspendedFromMs: null });
  });
});

describe('broker login: MQTT over TLS', () => {
  it('accepts a meter that trusts the sandbox CA, with the same login rules', async () => {
    const url = `mqtts://127.0.0.1:${broker.tlsPort}`;
    const client = await connect(meters.tls!, { ca: tls.caPem, servername: 'localhost' }, url);
    expect(client.connected).toBe(true);
    const password = token(meters.tls!);
    await client.endAsync();
    const again = await connect(meters.tls!, { ca: tls.caPem, password }, url);
    await again.endAsync();
    await expect(connect(meters.tls!, { ca: tls.caPem, password }, url)).rejects.toMatchObject({ code: 5 });
  });

  it('refuses a client that does not trust the certificate, before any MQTT', async () => {
    await expect(connect(meters.tls!, {}, `mqtts://127.0.0.1:${broker.tlsPort}`)).rejects.toThrow(/self-signed certificate in certificate chain/);
  });

  it('keeps the CA and keys 0600 in a 0700 folder, and reuses them', async () => {
    expect(statSync(join(dir, 'tls')).mode & 0o777).toBe(0o700);
    for (const f of ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem']) expect(statSync(join(dir, 'tls', f)).mode & 0o777).toBe(0o600);
    const again = await ensureSandboxTls(join(dir, 'tls'), ['localhost', '127.0.0.1']);
    expect(again.caPem).toBe(tls.caPem);
    expect(again.keyPem).toBe(tls.keyPem);
    const wider = await ensureSandboxTls(join(dir, 'tls'), ['localhost', '127.0.0.1', 'gateway.example']);
    expect(wider.caPem).toBe(tls.caPem);
    expect(wider.keyPem).not.toBe(tls.keyPem);
  });
});
