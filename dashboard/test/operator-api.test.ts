// The routes the role pages added: GET /api/status (regulator, operator), the operator's meter
// registration and suspension, the CSP that lets pages reach the chain RPC and nothing else,
// and the access matrix of every read route for two households.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardApp } from '../src/create-dashboard-app.js';
import { startDashboard } from '../src/start-dashboard.js';
import { PAYEE_A, PAYEE_B, TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const REG = TOKENS.regulator!;
const OP = TOKENS.operator!;
const HA = TOKENS.households[0]!.token;
const HB = TOKENS.households[1]!.token;
const KEY = '02' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

let s: Served;
beforeAll(async () => {
  s = await serve();
});
afterAll(async () => {
  await s.close();
});

const post = (path: string, token: string | undefined, body: unknown) =>
  s.get(path, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('GET /api/status', () => {
  it('answers the regulator and operator, 401 without a token, 403 for a household', async () => {
    for (const token of [REG, OP]) {
      const r = await s.get('/api/status', token);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(s.ports.state.status);
    }
    expect((await s.get('/api/status')).status).toBe(401);
    expect((await s.get('/api/status', HA)).body).toEqual({ error: { code: 'forbidden', message: 'this needs the regulator or operator role' } });
  });
});

describe('operator meter routes', () => {
  it('registers a meter for the operator only', async () => {
    const body = { meterId: 'm-new', publicKey: KEY, payee: PAYEE_A, capacityW: 4000 };
    expect((await post('/api/operator/meters', undefined, body)).status).toBe(401);
    for (const token of [REG, HA]) expect((await post('/api/operator/meters', token, body)).status).toBe(403);
    const r = await post('/api/operator/meters', OP, body);
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ meterId: 'm-new', registered: true, payee: PAYEE_A, capacityW: 4000, txHash: '0x' + 'a1'.repeat(32), blockNumber: 200 });
    expect(s.ports.calls.registered).toEqual([body]);
  });

  it('registers for a household: its payee from the sandbox file (issue #11 item 15)', async () => {
    const r = await post('/api/operator/meters', OP, { meterId: 'm-hh', publicKey: KEY, householdId: 'hh-b', capacityW: 2500 });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ meterId: 'm-hh', registered: true, payee: PAYEE_B, capacityW: 2500 });
    expect(s.ports.calls.registered.at(-1)).toEqual({ meterId: 'm-hh', publicKey: KEY, payee: PAYEE_B, capacityW: 2500 });
    const cases: [Record<string, unknown>, string][] = [
      [{ meterId: 'm-hh2', publicKey: KEY, householdId: 'hh-zz', capacityW: 1 }, 'householdId'],
      [{ meterId: 'm-hh2', publicKey: KEY, householdId: 'hh-b', payee: PAYEE_A, capacityW: 1 }, 'payee'],
      [{ meterId: 'm-hh2', publicKey: KEY, capacityW: 1 }, 'householdId'],
      [{ meterId: 'm-hh2', publicKey: KEY, householdId: 'hh-b', capacityW: 1, capacityKW: 1 }, 'capacityKW'],
    ];
    for (const [body, param] of cases) {
      const bad = await post('/api/operator/meters', OP, body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.param).toBe(param);
    }
  });

  it('names the bad field, and answers a chain refusal in words with its code (409)', async () => {
    const good = { meterId: 'm-new2', publicKey: KEY, payee: PAYEE_A, capacityW: 4000 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, meterId: 'bad id' }, 'meterId'],
      [{ ...good, publicKey: '04abcd' }, 'publicKey'],
      [{ ...good, payee: '0x12' }, 'payee'],
      [{ ...good, capacityW: 0 }, 'capacityW'],
      [{ ...good, capacityW: 1.5 }, 'capacityW'],
    ];
    for (const [body, param] of cases) {
      const r = await post('/api/operator/meters', OP, body);
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe(param);
    }
    const taken = await post('/api/operator/meters', OP, { ...good, meterId: 'm-a1' });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({
      error: {
        code: 'conflict',
        message: 'meter m-a1 is already registered',
        refusal: { code: 'MeterRegistryAlreadyRegistered', args: { meterId: 'm-a1' }, key: 'chain.MeterRegistryAlreadyRegistered', params: { meterId: 'm-a1' } },
      },
    });
  });

  it('answers a public key off the curve with 400, without asking the chain (#17)', async () => {
    const G_X = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
    const G_Y_PLUS_1 = '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b9'; // G's y is …d4b8
    const before = s.ports.calls.registered.length;
    // x = 5 has no y on secp256k1 (5³ + 7 is no square); (Gx, Gy + 1) is the generator nudged off.
    for (const publicKey of ['02' + '05'.padStart(64, '0'), '0x04' + G_X + G_Y_PLUS_1]) {
      const r = await post('/api/operator/meters', OP, { meterId: 'm-off', publicKey, payee: PAYEE_A, capacityW: 4000 });
      expect(r.status, publicKey).toBe(400);
      expect(r.body).toEqual({
        error: { code: 'invalid-parameter', message: 'publicKey: not a point on secp256k1 (check that the key was copied whole)', param: 'publicKey' },
      });
    }
    expect(s.ports.calls.registered.length).toBe(before);
  });

  it('suspends a meter from the sandbox clock with a reason', async () => {
    expect((await post('/api/operator/meters/m-b1/suspend', HB, { reason: 'x' })).status).toBe(403);
    expect((await post('/api/operator/meters/m-b1/suspend', OP, {})).body.error.param).toBe('reason');
    const r = await post('/api/operator/meters/m-b1/suspend', OP, { reason: 'tamper seal broken' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ meterId: 'm-b1', suspended: true, txHash: '0x' + 'a2'.repeat(32), blockNumber: 201 });
    expect(s.ports.calls.suspended).toEqual([{ meterId: 'm-b1', fromMs: s.ports.state.nowMs, reason: 'tamper seal broken' }]);
  });

  it('answers 503 where no operator key is wired', async () => {
    const bare = await serve();
    bare.ports.operatorActions = undefined;
    try {
      const r = await bare.get('/api/operator/meters/m-b1/suspend', OP, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"r"}' });
      expect(r.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

describe('content security policy', () => {
  it("admits the chain RPC's origin for the in-browser audit, and nothing else", async () => {
    // The policy is fixed when the app is created: build one with a chain URL.
    const ports = { ...s.ports, chainRpcUrl: 'http://127.0.0.1:8545/' };
    const running = await startDashboard({ app: createDashboardApp({ ports, tokens: TOKENS, log: () => {} }), host: '127.0.0.1', port: 0 });
    try {
      const csp = (await fetch(`${running.url}/household`)).headers.get('content-security-policy');
      expect(csp).toContain("connect-src 'self' http://127.0.0.1:8545;");
      expect(csp).toContain("script-src 'self';");
    } finally {
      await running.close();
    }
  });
});

describe('a household sees only its own data, on every read route', () => {
  it('household A is refused B’s meters, readings, claims, audit bundles, payouts and rejections', async () => {
    const forbiddenForA = ['/api/meters/m-b1/readings', '/api/batches/1/claims/m-b1/audit', `/api/payouts/${PAYEE_B}`, '/api/rejections?meterId=m-b1', '/api/status', '/metrics'];
    for (const path of forbiddenForA) {
      expect((await s.get(path)).status, path).toBe(401);
      expect((await s.get(path, HA)).status, path).toBe(403);
    }
    const own = ['/api/meters/m-a1/readings', '/api/batches/1/claims/m-a1/audit', `/api/payouts/${PAYEE_A}`, '/api/rejections?meterId=m-a1'];
    for (const path of own) expect((await s.get(path, HA)).status, path).toBe(200);
    // Lists are filtered rather than refused.
    expect((await s.get('/api/meters', HA)).body.meters.map((m: { meterId: string }) => m.meterId)).toEqual(['m-a1', 'm-a2']);
    expect((await s.get('/api/batches/1', HA)).body.claims.map((c: { meterId: string }) => c.meterId)).toEqual(['m-a1']);
    const rejections = (await s.get('/api/rejections', HA)).body.rejections as { meterId: string }[];
    expect(rejections.every((r) => r.meterId.startsWith('m-a'))).toBe(true);
  });
});

describe('large answers and flagged claims', () => {
  it('gzips large JSON for clients that accept it, and only those', async () => {
    const many = await serve();
    try {
      const template = many.ports.state.meters[0]!;
      many.ports.state.meters = Array.from({ length: 500 }, (_, i) => ({ ...template, meterId: `m-${i}` }));
      const zipped = await many.get('/api/meters', REG, { headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(zipped.body.meters).toHaveLength(500);
      const plain = await many.get('/api/meters', REG, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(plain.body).toEqual(zipped.body);
      const small = await many.get('/api/health', undefined, { headers: { 'accept-encoding': 'gzip' } });
      expect(small.headers.get('content-encoding')).toBeNull();
    } finally {
      await many.close();
    }
  });

  it('batch detail with flagged=true keeps only the claims that caps cut', async () => {
    s.ports.state.batches[0]!.claims[1]!.flags = ['interval-export-cap'];
    expect((await s.get('/api/batches/1?flagged=true', REG)).body.claims.map((c: { meterId: string }) => c.meterId)).toEqual(['m-b1']);
    expect((await s.get('/api/batches/1?flagged=true', HA)).body.claims).toEqual([]);
    expect((await s.get('/api/batches/1?flagged=yes', REG)).status).toBe(400);
    s.ports.state.batches[0]!.claims[1]!.flags = [];
  });
});
