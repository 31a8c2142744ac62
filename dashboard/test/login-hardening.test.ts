// Dashboard logins under attack (issue #10.10), over real HTTP: failed logins are limited per
// client (429 with Retry-After) and logged without the token; a flood of logins with one role's
// token cannot end another role's session; behind a trusted TLS proxy the cookie is Secure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const REG = TOKENS.regulator!;
const OP = TOKENS.operator!;

let s: Served;
let proxied: Served;
beforeAll(async () => {
  s = await serve({ loginLimit: { burst: 3, refillSeconds: 3600, maxClients: 100 } });
  proxied = await serve({ trustProxy: 'loopback', loginLimit: { burst: 2, refillSeconds: 3600, maxClients: 100 } });
});
afterAll(async () => {
  await s.close();
  await proxied.close();
});

const login = (served: Served, token: string, headers: Record<string, string> = {}) =>
  served.get('/api/session', undefined, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });

describe('dashboard login: failed attempts per client', () => {
  it('answers 429 with Retry-After after the allowed failures, even for the right token, and logs each failure without the token', async () => {
    const guesses = ['guess-0000000000000000', 'guess-1111111111111111', 'guess-2222222222222222'];
    for (const guess of guesses) expect((await login(s, guess)).status).toBe(401);
    const limited = await login(s, REG);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3600');
    expect(limited.body).toEqual({ error: { code: 'too-many-requests', message: 'too many login attempts from this client; try again in 3600 s' } });
    const failures = s.logs.filter((l) => l.startsWith('dashboard: login failed'));
    expect(failures).toEqual(Array(3).fill('dashboard: login failed from 127.0.0.1: unknown token'));
    expect(s.logs.join('\n')).not.toContain('guess-');
    // bearer tokens on the API are not logins: tools keep working
    expect((await s.get('/api/whoami', REG)).status).toBe(200);
  });

  it('limits each client on its own (behind a trusted proxy: the forwarded address)', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 2; i++) expect((await login(proxied, 'guess-0000000000000000', from('203.0.113.7'))).status).toBe(401);
    expect((await login(proxied, REG, from('203.0.113.7'))).status).toBe(429);
    expect((await login(proxied, REG, from('198.51.100.2'))).status).toBe(201);
    expect(proxied.logs).toContain('dashboard: login failed from 203.0.113.7: unknown token');
  });
});

describe('dashboard login: sessions per role', () => {
  it("a flood of logins with the operator's token leaves the regulator's session alone", async () => {
    const regulator = (await login(proxied, REG)).headers.get('set-cookie')!.split(';')[0]!;
    const flood = await Promise.all(Array.from({ length: 120 }, () => login(proxied, OP)));
    expect(flood.every((r) => r.status === 201)).toBe(true);
    expect((await proxied.get('/api/whoami', undefined, { headers: { cookie: regulator } })).body.role).toBe('regulator');
    // the operator's oldest sessions made room for its newest
    const [first, last] = [flood[0]!, flood[119]!].map((r) => r.headers.get('set-cookie')!.split(';')[0]!);
    expect((await proxied.get('/api/whoami', undefined, { headers: { cookie: last! } })).status).toBe(200);
    expect((await proxied.get('/api/whoami', undefined, { headers: { cookie: first! } })).status).toBe(401);
  });
});

describe('dashboard login: trust proxy', () => {
  it('sets a Secure cookie when a trusted proxy says the client came over TLS', async () => {
    const secure = await login(proxied, OP, { 'x-forwarded-proto': 'https' });
    expect(secure.headers.get('set-cookie')).toMatch(/^feedin_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect((await login(proxied, OP)).headers.get('set-cookie')).not.toContain('Secure');
  });

  it('ignores X-Forwarded-Proto without trust proxy (the default)', async () => {
    const plain = await login(s, OP, { 'x-forwarded-proto': 'https' });
    // this client used up its failures above: make sure the answer is the login's, not the limit's
    expect(plain.status === 201 ? plain.headers.get('set-cookie') : 'limited').not.toContain('Secure');
  });
});
