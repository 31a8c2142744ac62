// The HTTP API over real HTTP against a fake DashboardPorts: each route, the role rules
// (401 without a token, 403 for the wrong role or another household's data), strict query
// validation, JSON errors and headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, claimOf, PAYEE_A, PAYEE_B, T0, TOKENS } from './fake-ports.js';
import type { ClaimView } from '../src/ports.js';
import { serve, type Served } from './serve.js';

const REG = TOKENS.regulator!;
const OP = TOKENS.operator!;
const HA = TOKENS.households[0]!.token;
const HB = TOKENS.households[1]!.token;

const PRESENTATION = { locale: 'vi-VN', currency: 'VND', householdNames: { 'hh-a': 'Nguyễn Văn An', 'hh-b': 'Trần Thị Bích' } };

let s: Served;
beforeAll(async () => {
  s = await serve({ info: { sandboxName: 'Test sandbox', token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh', ...PRESENTATION } });
});
afterAll(async () => {
  await s.close();
});

const unauthorized = {
  error: { code: 'unauthorized', message: 'give a role token: Authorization: Bearer <token>, or log in with POST /api/session' },
};

describe('GET /api/health', () => {
  it('answers {status, now, components} with the sandbox clock; the details only to a role token', async () => {
    const r = await s.get('/api/health', OP);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: 'ok',
      now: '2026-11-22T03:20:00.000Z',
      clockSpeed: 60,
      components: { broker: { status: 'ok', detail: 'fine' }, store: { status: 'ok', detail: 'fine' }, chain: { status: 'ok', detail: 'fine' } },
    });
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('without a token, says only how each part is: no paths, chain id or counts (issue #10.10, #17.3)', async () => {
    const saved = s.ports.state.health;
    const detail = { status: 'ok' as const, detail: 'sqlite /home/someone/.feedin/gateway/readings.db, 48211 readings' };
    s.ports.state.health = { status: 'ok', components: { broker: detail, store: detail, chain: { status: 'ok', detail: 'chain 31337, block 812' } } };
    const r = await s.get('/api/health');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok', now: '2026-11-22T03:20:00.000Z', clockSpeed: 60, components: { broker: { status: 'ok' }, store: { status: 'ok' }, chain: { status: 'ok' } } });
    expect(r.text).not.toContain('/home/someone');
    // an unknown token is no role either
    expect((await s.get('/api/health', 'not-a-token-not-a-token')).body.components.store).toEqual({ status: 'ok' });
    expect((await s.get('/api/health', HA)).body.components.store).toEqual(detail);
    s.ports.state.health = saved;
  });

  it('refuses unknown query parameters with 400, like every route (issue #17.4)', async () => {
    const r = await s.get('/api/health?x=1');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'unknown-parameter', message: 'unknown query parameter x', param: 'x' } });
  });

  it('answers 200 with status degraded when a component is unwell, 503 when the probe fails', async () => {
    const saved = s.ports.state.health;
    const down = { status: 'down' as const, detail: 'anvil not answering' };
    const ok = { status: 'ok' as const, detail: 'fine' };
    s.ports.state.health = { status: 'degraded', components: { broker: ok, store: ok, chain: down } };
    const degraded = await s.get('/api/health', REG);
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.components.chain).toEqual(down);

    s.ports.state.health = new Error('store closed');
    const failed = await s.get('/api/health', REG);
    const unknown = { status: 'down', detail: 'health probe failed; see the gateway log' };
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({ status: 'degraded', now: '2026-11-22T03:20:00.000Z', clockSpeed: 60, components: { broker: unknown, store: unknown, chain: unknown } });
    expect((await s.get('/api/health')).body.components).toEqual({ broker: { status: 'down' }, store: { status: 'down' }, chain: { status: 'down' } });
    expect(s.logs).toContain('dashboard: health probe failed: store closed');
    s.ports.state.health = saved;
  });
});

describe('authentication', () => {
  const protectedRoutes = [
    '/api/whoami',
    '/api/meters',
    '/api/meters/m-a1/readings',
    '/api/batches',
    '/api/batches/1',
    '/api/batches/1/claims/m-a1/audit',
    `/api/payouts/${PAYEE_A}`,
    '/api/rejections',
    '/api/events',
    '/metrics',
  ];

  it.each(protectedRoutes)('%s answers 401 without a token and with a wrong one', async (path) => {
    for (const token of [undefined, 'not-a-token-of-anyone-at-all']) {
      const r = await s.get(path, token);
      expect(r.status).toBe(401);
      expect(r.body).toEqual(unauthorized);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
  });

  it('rejects a malformed Authorization header', async () => {
    const r = await s.get('/api/meters', undefined, { headers: { authorization: `Basic ${REG}` } });
    expect(r.status).toBe(401);
  });

  it('accepts the bearer scheme case-insensitively', async () => {
    const r = await s.get('/api/whoami', undefined, { headers: { authorization: `bearer ${OP}` } });
    expect(r.status).toBe(200);
    expect(r.body.role).toBe('operator');
  });

  it('whoami names the role and a household its scope, with only its own name', async () => {
    const caps = { exportCapPercentOfCapacity: null, householdDailyCap: null, batchCap: null, budget: null, legalBasis: null };
    const sandbox = { sandboxName: 'Test sandbox', token: { symbol: 'sVND', decimals: 0 }, intervalMinutes: 15, timeZone: 'Asia/Ho_Chi_Minh', ...PRESENTATION, chainId: 31337, caps };
    expect((await s.get('/api/whoami', REG)).body).toEqual({ role: 'regulator', sandbox });
    expect((await s.get('/api/whoami', OP)).body).toEqual({ role: 'operator', sandbox });
    expect((await s.get('/api/whoami', HA)).body).toEqual({
      role: 'household',
      householdId: 'hh-a',
      payee: PAYEE_A,
      meterIds: ['m-a1', 'm-a2'],
      sandbox: { ...sandbox, householdNames: { 'hh-a': 'Nguyễn Văn An' } },
    });
  });

  it('tells the login page the sandbox locale without a login', async () => {
    const r = await s.get('/api/locale');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ locale: 'vi-VN' });
  });

  it('refuses misconfigured tokens at start-up', async () => {
    const { createDashboardApp } = await import('../src/create-dashboard-app.js');
    const make = (tokens: typeof TOKENS) => () => createDashboardApp({ ports: s.ports, tokens, log: () => {} });
    expect(make({ ...TOKENS, operator: 'short' })).toThrow(new TypeError('dashboard tokens: operator token must be at least 16 characters'));
    expect(make({ ...TOKENS, operator: REG })).toThrow(new TypeError("dashboard tokens: operator token is the same as another role's token"));
  });
});

describe('sessions', () => {
  it('trades a token for an HttpOnly SameSite=Strict cookie, which then authenticates, until logout', async () => {
    const login = await s.get('/api/session', undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: HA }) });
    expect(login.status).toBe(201);
    expect(login.body.role).toBe('household');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^feedin_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(HA);
    const cookie = setCookie.split(';')[0]!;

    const meters = await s.get('/api/meters', undefined, { headers: { cookie } });
    expect(meters.status).toBe(200);
    expect(meters.body.meters.map((m: { meterId: string }) => m.meterId)).toEqual(['m-a1', 'm-a2']);

    const logout = await s.get('/api/session', undefined, { method: 'DELETE', headers: { cookie } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^feedin_session=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    expect((await s.get('/api/meters', undefined, { headers: { cookie } })).status).toBe(401);
  });

  it('answers 401 for an unknown token and 400 for a malformed body', async () => {
    const post = (body: string) => s.get('/api/session', undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const wrong = await post(JSON.stringify({ token: 'guess-guess-guess-guess' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'unauthorized', message: 'unknown token' } });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const missing = await post(JSON.stringify({ tok: REG }));
    expect(missing.body).toEqual({ error: { code: 'invalid-parameter', message: 'token: send JSON {"token":"<role token>"}', param: 'token' } });
    const broken = await post('{"token":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('bad-request');
  });
});

describe('meters and readings', () => {
  it('regulator and operator see every meter; a household only its own', async () => {
    const all = await s.get('/api/meters', REG);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ meters: s.ports.state.meters });
    expect((await s.get('/api/meters', OP)).body.meters).toHaveLength(3);
    expect((await s.get('/api/meters', HB)).body).toEqual({ meters: [s.ports.state.meters[2]] });
  });

  it('serves readings with from/to as ISO 8601 or epoch ms and a limit', async () => {
    const all = await s.get('/api/meters/m-a1/readings', REG);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ meterId: 'm-a1', readings: s.ports.state.readings.slice(0, 3) });
    expect(s.ports.calls.readings.at(-1)).toEqual({ meterId: 'm-a1', query: { fromMs: undefined, toMs: undefined, limit: 1000 } });

    const from = encodeURIComponent('2026-11-22T10:01:00+07:00');
    const some = await s.get(`/api/meters/m-a1/readings?from=${from}&to=${T0 + 120_000}&limit=5`, HA);
    expect(some.body.readings.map((r: { pagination: number }) => r.pagination)).toEqual([2, 3]);
    expect(s.ports.calls.readings.at(-1)).toEqual({ meterId: 'm-a1', query: { fromMs: T0 + 60_000, toMs: T0 + 120_000, limit: 5 } });
  });

  it.each([
    ['from=yesterday', 'from', 'from: expected ISO 8601 with offset (2026-11-22T10:15:00+07:00) or epoch milliseconds'],
    ['from=2026-11-22T10:00:00', 'from', 'from: expected ISO 8601 with offset (2026-11-22T10:15:00+07:00) or epoch milliseconds'],
    ['to=2026-02-30T00:00:00Z', 'to', 'to: date or time fields out of range'],
    ['to=-5', 'to', 'to: expected ISO 8601 with offset (2026-11-22T10:15:00+07:00) or epoch milliseconds'],
    ['limit=0', 'limit', 'limit: expected an integer from 1 to 10000'],
    ['limit=10001', 'limit', 'limit: expected an integer from 1 to 10000'],
    ['limit=1.5', 'limit', 'limit: expected an integer from 1 to 10000'],
    ['limit=1&limit=2', 'limit', 'limit: give it once, as a plain value'],
    [`from=${T0 + 1}&to=${T0}`, 'from', 'from: must not be after to'],
  ])('?%s → 400 naming the parameter', async (query, param, message) => {
    const r = await s.get(`/api/meters/m-a1/readings?${query}`, REG);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'invalid-parameter', message, param } });
  });

  it('rejects unknown query parameters', async () => {
    const r = await s.get('/api/meters/m-a1/readings?form=1', REG);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: { code: 'unknown-parameter', message: 'unknown query parameter form; known: from, to, limit', param: 'form' } });
  });

  it('400 for a malformed meter id, 404 for an unknown one', async () => {
    const bad = await s.get('/api/meters/bad%20id/readings', REG);
    expect(bad.body).toEqual({ error: { code: 'invalid-parameter', message: 'id: expected a meter id: 1-32 characters of [A-Za-z0-9._-]', param: 'id' } });
    const unknown = await s.get('/api/meters/m-zz/readings', REG);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not-found', message: 'meter m-zz not found' } });
  });

  it("household A cannot read household B's readings (403, not telling whether the meter exists)", async () => {
    for (const meterId of ['m-b1', 'm-zz']) {
      const r = await s.get(`/api/meters/${meterId}/readings`, HA);
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ error: { code: 'forbidden', message: `this token may not read meter ${meterId}` } });
    }
  });
});

describe('batches, claims and audit bundles', () => {
  it('lists batches newest first with a limit and a before cursor', async () => {
    const { claims: _c1, ...b1 } = s.ports.state.batches[0]!;
    const { claims: _c2, ...b2 } = s.ports.state.batches[1]!;
    expect((await s.get('/api/batches', HB)).body).toEqual({ batches: [b2, b1] });
    expect((await s.get('/api/batches?limit=1', REG)).body).toEqual({ batches: [b2] });
    expect((await s.get('/api/batches?before=2', REG)).body).toEqual({ batches: [b1] });
    expect(s.ports.calls.batches.at(-1)).toEqual({ limit: 100, beforeId: '2' });
    const bad = await s.get('/api/batches?before=0', REG);
    expect(bad.body).toEqual({ error: { code: 'invalid-parameter', message: 'before: expected a batch id: a positive decimal integer', param: 'before' } });
  });

  it('batch detail shows every claim to the regulator and only its own to a household', async () => {
    const full = s.ports.state.batches[0]!;
    expect((await s.get('/api/batches/1', REG)).body).toEqual(full);
    expect((await s.get('/api/batches/1', HA)).body).toEqual({ ...full, claims: [full.claims[0]] });
    expect((await s.get('/api/batches/1', HB)).body).toEqual({ ...full, claims: [full.claims[1]] });
    expect((await s.get('/api/batches/2', HB)).body.claims).toEqual([]);
  });

  it('batch detail: 404 for an unknown batch, 400 for a malformed id', async () => {
    expect((await s.get('/api/batches/99', REG)).body).toEqual({ error: { code: 'not-found', message: 'batch 99 not found' } });
    const bad = await s.get('/api/batches/abc', REG);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('batchId');
  });

  it("serves audit bundles; household A cannot read household B's", async () => {
    const own = await s.get('/api/batches/1/claims/m-a1/audit', HA);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ version: 1, batch: { batchId: '1' }, claim: { meterId: 'm-a1', amount: '3000' } });
    const other = await s.get('/api/batches/1/claims/m-b1/audit', HA);
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ error: { code: 'forbidden', message: 'this token may not read meter m-b1' } });
    expect((await s.get('/api/batches/1/claims/m-b1/audit', REG)).status).toBe(200);
    const missing = await s.get('/api/batches/2/claims/m-b1/audit', REG);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: 'not-found', message: 'claim of meter m-b1 in batch 2 not found' } });
  });
});

describe('claims per meter and per payee', () => {
  it('lists a meter\'s claims newest first, a page at a time; a household reads only its own meters', async () => {
    const [b1, b2] = s.ports.state.batches;
    expect((await s.get('/api/meters/m-a1/claims', HA)).body).toEqual({ meterId: 'm-a1', claims: [b2!.claims[0], b1!.claims[0]] });
    expect((await s.get('/api/meters/m-a1/claims?limit=1', REG)).body).toEqual({ meterId: 'm-a1', claims: [b2!.claims[0]] });
    expect((await s.get('/api/meters/m-a1/claims?before=2', OP)).body).toEqual({ meterId: 'm-a1', claims: [b1!.claims[0]] });
    expect(s.ports.calls.claims.at(-1)).toEqual({ of: 'm-a1', query: { limit: 100, beforeBatchId: '2' } });
    expect((await s.get('/api/meters/m-b1/claims', HA)).status).toBe(403);
    expect((await s.get('/api/meters/m-zz/claims', REG)).status).toBe(404);
    expect((await s.get('/api/meters/m-a1/claims?limit=0', REG)).body.error.param).toBe('limit');
    expect((await s.get('/api/meters/m-a1/claims?page=2', REG)).status).toBe(400);
  });

  it("lists the claims paid to a payee; a household reads only its own payee's", async () => {
    const [b1, b2] = s.ports.state.batches;
    const paid = (c: ClaimView) => ({ ...c, capDetails: [] });
    expect((await s.get(`/api/payouts/${PAYEE_A}/claims`, HA)).body).toEqual({ payee: PAYEE_A, claims: [paid(b2!.claims[0]!), paid(b1!.claims[0]!)], next: null });
    expect((await s.get(`/api/payouts/${PAYEE_B}/claims?limit=5`, REG)).body).toEqual({ payee: PAYEE_B, claims: [paid(b1!.claims[1]!)], next: null });
    // A full page names where the next one starts; the cursor continues after that claim.
    expect((await s.get(`/api/payouts/${PAYEE_A}/claims?limit=1`, HA)).body).toEqual({ payee: PAYEE_A, claims: [paid(b2!.claims[0]!)], next: '2.m-a1' });
    expect((await s.get(`/api/payouts/${PAYEE_A}/claims?limit=1&cursor=2.m-a1`, HA)).body).toEqual({ payee: PAYEE_A, claims: [paid(b1!.claims[0]!)], next: '1.m-a1' });
    expect((await s.get(`/api/payouts/${PAYEE_A}/claims?cursor=2`, HA)).body.error).toMatchObject({ code: 'invalid-parameter', param: 'cursor' });
    expect((await s.get(`/api/payouts/${PAYEE_A}/claims?cursor=2.m-a1&before=2`, HA)).body.error).toMatchObject({ code: 'invalid-parameter', param: 'cursor' });
    expect((await s.get(`/api/payouts/${PAYEE_B}/claims`, HA)).status).toBe(403);
    expect((await s.get(`/api/payouts/0x${'33'.repeat(20)}/claims`, REG)).status).toBe(404);
    expect((await s.get(`/api/payouts/${PAYEE_A}/claims?before=x`, REG)).body.error.param).toBe('before');
  });
});

describe('readings of several meters at once', () => {
  it("answers a household all its meters' registers in one request, others the meters they name", async () => {
    const r = await s.get('/api/readings?from=0', HA);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      meters: [
        { meterId: 'm-a1', readings: s.ports.state.readings.filter((x) => x.meterId === 'm-a1').map(({ seq, pagination, timestampMs, importWh, exportWh }) => ({ seq, pagination, timestampMs, importWh, exportWh })) },
        { meterId: 'm-a2', readings: [] },
      ],
    });
    expect((await s.get('/api/readings?meters=m-a1,m-b1&limit=1', REG)).body.meters.map((m: { meterId: string; readings: unknown[] }) => [m.meterId, m.readings.length])).toEqual([['m-a1', 1], ['m-b1', 1]]);
    expect((await s.get('/api/readings', REG)).body.error).toMatchObject({ code: 'invalid-parameter', param: 'meters' });
    expect((await s.get('/api/readings?meters=m-a1,m-b1', HA)).status).toBe(403);
    expect((await s.get('/api/readings?meters=m-zz', REG)).status).toBe(404);
    expect((await s.get('/api/readings?meters=m-a1,m-a1', REG)).body.error).toMatchObject({ param: 'meters', message: 'meters: give each meter once' });
    expect((await s.get('/api/readings?meters=bad id', REG)).body.error.param).toBe('meters');
  });
});

describe('payouts', () => {
  it('adds today, this month and what is pending when the sandbox has them', async () => {
    const earnings = {
      today: { day: '2026-11-22', amount: '3000', exportWh: '1500', paidWh: '1500', claims: 1 },
      thisMonth: { month: '2026-11', amount: '5468', exportWh: '2734', paidWh: '2734', claims: 2 },
      pending: { amount: '0', batches: 0, finalAtMs: null, finalInSeconds: null, held: false },
      challengeWindowSeconds: 20,
    };
    s.ports.state.earnings.set(PAYEE_A.toLowerCase(), earnings);
    try {
      expect((await s.get(`/api/payouts/${PAYEE_A}`, HA)).body).toEqual({ ...s.ports.state.payouts[0], earnings });
    } finally {
      s.ports.state.earnings.clear();
    }
  });

  it("a household reads its own payout (any address case) but not another's", async () => {
    const own = await s.get(`/api/payouts/${PAYEE_A.toUpperCase().replace('0X', '0x')}`, HA);
    expect(own.status).toBe(200);
    expect(own.body).toEqual(s.ports.state.payouts[0]);
    const other = await s.get(`/api/payouts/${PAYEE_B}`, HA);
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ error: { code: 'forbidden', message: `this token may not read payee ${PAYEE_B}` } });
    expect((await s.get(`/api/payouts/${PAYEE_B}`, OP)).body).toEqual(s.ports.state.payouts[1]);
  });

  it('400 for a malformed payee, 404 for an unknown one', async () => {
    const bad = await s.get('/api/payouts/0x123', REG);
    expect(bad.body).toEqual({ error: { code: 'invalid-parameter', message: 'payee: expected an address: 0x and 40 hex digits', param: 'payee' } });
    const unknown = await s.get(`/api/payouts/0x${'33'.repeat(20)}`, REG);
    expect(unknown.status).toBe(404);
  });

  it('400 for a mixed-case payee whose EIP-55 checksum is wrong, as the sandbox file refuses it (#17)', async () => {
    const checksummed = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    expect((await s.get(`/api/payouts/${checksummed}`, REG)).status).toBe(404); // well-formed, just unknown here
    const typo = await s.get('/api/payouts/0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD', REG);
    expect(typo.status).toBe(400);
    expect(typo.body).toEqual({
      error: { code: 'invalid-parameter', message: 'payee: EIP-55 checksum mismatch: check the address for typos (or write it all lower case)', param: 'payee' },
    });
  });
});

describe('rejections', () => {
  it('regulator sees all, filtered by reason or meter', async () => {
    expect((await s.get('/api/rejections', REG)).body).toEqual({ rejections: s.ports.state.rejections });
    const byReason = await s.get('/api/rejections?reason=bad-signature&limit=1', REG);
    expect(byReason.body.rejections.map((r: { seq: number }) => r.seq)).toEqual([5]);
    expect(s.ports.calls.rejections.at(-1)).toEqual({ limit: 1, meterId: undefined, reason: 'bad-signature' });
  });

  it("a household sees its own meters' rejections only", async () => {
    const own = await s.get('/api/rejections', HA);
    expect(own.body.rejections.map((r: { seq: number }) => r.seq)).toEqual([5, 2]);
    const other = await s.get('/api/rejections?meterId=m-b1', HA);
    expect(other.status).toBe(403);
    expect((await s.get('/api/rejections?reason=no%20such', REG)).status).toBe(400);
  });
});

describe('metrics', () => {
  it('needs the operator or regulator role', async () => {
    const household = await s.get('/metrics', HA);
    expect(household.status).toBe(403);
    expect(household.body).toEqual({ error: { code: 'forbidden', message: 'this needs the operator or regulator role' } });
  });

  it("serves the gateway's metrics and the dashboard's own as Prometheus text", async () => {
    const r = await s.get('/metrics', OP);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.text).toContain('# TYPE feedin_readings_accepted_total counter\nfeedin_readings_accepted_total 42\n');
    expect(r.text).toContain('# TYPE feedin_dashboard_sse_clients gauge\nfeedin_dashboard_sse_clients 0\n');
    expect(r.text).toMatch(/^feedin_dashboard_http_responses_total\{class="2xx"\} \d+$/m);
  });
});

describe('robustness', () => {
  it('unknown routes answer 404 JSON', async () => {
    const api = await s.get('/api/nothing', REG);
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ error: { code: 'not-found', message: 'no route GET /api/nothing' } });
    const post = await s.get('/api/meters', REG, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(post.body).toEqual({ error: { code: 'not-found', message: 'no route POST /api/meters' } });
  });

  it('a failing port answers 500 JSON without internals, and logs the stack', async () => {
    const saved = s.ports.meters;
    s.ports.meters = async () => {
      throw new Error('SQLITE_BUSY: database is locked at /secret/path');
    };
    const r = await s.get('/api/meters', REG);
    s.ports.meters = saved;
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { code: 'internal', message: 'internal error; see the dashboard log' } });
    expect(r.text).not.toContain('SQLITE');
    expect(s.logs.at(-1)).toMatch(/^dashboard: GET \/api\/meters failed: Error: SQLITE_BUSY: database is locked at \/secret\/path\n\s+at /);
  });

  it('sends bigints that slip through an adapter as decimal strings', async () => {
    const saved = s.ports.batch;
    s.ports.batch = async () => ({ ...batchOf(3, [claimOf('m-a1', 'hh-a', PAYEE_A, '1', '2')]), totalAmount: 12345678901234567890n as unknown as string });
    const r = await s.get('/api/batches/3', REG);
    s.ports.batch = saved;
    expect(r.body.totalAmount).toBe('12345678901234567890');
  });

  it('sets security headers on API answers and pages', async () => {
    for (const path of ['/api/meters', '/']) {
      const r = await s.get(path, REG);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-security-policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('x-powered-by')).toBeNull();
    }
    expect((await s.get('/api/meters', REG)).headers.get('cache-control')).toBe('no-store');
  });
});

describe('pages', () => {
  it('serves every role page without inline scripts, and the vendored uPlot and protocol bundle', async () => {
    for (const path of ['/', '/regulator', '/operator', '/household']) {
      const page = await s.get(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text).not.toMatch(/\son[a-z]+=/);
      expect(page.text).not.toMatch(/https?:\/\//); // no CDN
    }
    // Built by dashboard/scripts/build.mjs (the root build runs it).
    const uplot = await s.get('/vendor/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(uplot.text).toContain('uPlot');
    expect((await s.get('/vendor/uPlot.min.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const protocol = await s.get('/vendor/feedin-protocol.js');
    expect(protocol.status).toBe(200);
    expect(protocol.text).toContain('checkAuditBundle');
    expect((await s.get('/vendor/uplot/package.json')).status).toBe(404);
    expect((await s.get('/assets/../src/ports.ts')).status).toBe(404);
  });
});
