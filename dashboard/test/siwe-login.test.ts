// Sign-In with Ethereum over real HTTP: the message names this dashboard, the sandbox chain and a
// nonce; a good signature by the payee's key gives the household's session; a reused or expired
// nonce, another domain or chain, or another signer is a clear 401 naming what is wrong.
import { Wallet } from 'ethers';
import { prepareSiweMessage } from '@feedin/contracts/siwe-login';
import { sandboxHouseholdAddress, sandboxHouseholdKey } from '@feedin/sandbox-config/sandbox-test-households';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiweNonceStore } from '../src/auth/siwe-nonces.js';
import { TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const WALLET = new Wallet(sandboxHouseholdKey(1));
const OTHER = new Wallet(sandboxHouseholdKey(2));
const tokens = { ...TOKENS, walletHouseholds: [{ householdId: 'hh-a', payee: sandboxHouseholdAddress(1), meterIds: ['m-a1', 'm-a2'] }] };

let s: Served;
let wallMs = Date.parse('2026-12-02T10:00:00Z');

beforeAll(async () => {
  const wallNowMs = () => wallMs;
  s = await serve({ tokens, info: { chainId: 31337, sandboxName: 'Khu phố thử nghiệm' }, siwe: { nonces: createSiweNonceStore({ wallNowMs }), wallNowMs }, loginLimit: { burst: 100, refillSeconds: 1, maxClients: 10 } });
});
afterAll(() => s?.close());

const post = (path: string, body: unknown) => s.get(path, undefined, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ask = async (address = WALLET.address) => (await post('/api/session/siwe/message', { address })).body as { message: string; nonce: string; expiresAtMs: number };
const signIn = (message: string, signature: string) => post('/api/session/siwe', { message, signature });

describe('Sign-In with Ethereum', () => {
  it('a message naming this dashboard, the chain and a fresh nonce, signed by the payee, opens the household session', async () => {
    const { message, nonce, expiresAtMs } = await ask();
    const host = new URL(s.url).host;
    expect(message).toBe(
      [
        `${host} wants you to sign in with your Ethereum account:`,
        WALLET.address,
        '',
        'Sign in to the household page of Khu pho thu nghiem (chain 31337).',
        '',
        `URI: http://${host}/`,
        'Version: 1',
        'Chain ID: 31337',
        `Nonce: ${nonce}`,
        `Issued At: ${new Date(wallMs).toISOString()}`,
        `Expiration Time: ${new Date(expiresAtMs).toISOString()}`,
      ].join('\n'),
    );
    expect(expiresAtMs - wallMs).toBe(5 * 60_000);
    const r = await signIn(message, await WALLET.signMessage(message));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ role: 'household', householdId: 'hh-a', payee: WALLET.address, meterIds: ['m-a1', 'm-a2'] });
    const cookie = /feedin_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1];
    expect(r.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await s.get('/api/whoami', undefined, { headers: { cookie: `feedin_session=${cookie}` } })).body.householdId).toBe('hh-a');
  });

  it('a nonce is good once: the same signed message again is refused', async () => {
    const { message } = await ask();
    const signature = await WALLET.signMessage(message);
    expect((await signIn(message, signature)).status).toBe(201);
    const again = await signIn(message, signature);
    expect(again.status).toBe(401);
    expect(again.body.error).toEqual({ code: 'unauthorized', param: 'nonce', message: 'nonce: the nonce was never issued by this dashboard or has been used already; ask for a new message' });
  });

  it('a nonce the dashboard never issued is refused', async () => {
    const { message } = await ask();
    const forged = message.replace(/Nonce: \w+/, 'Nonce: 0123456789abcdef0123456789abcdef');
    const r = await signIn(forged, await WALLET.signMessage(forged));
    expect(r.status).toBe(401);
    expect(r.body.error.param).toBe('nonce');
  });

  it('an expired message is refused, and its nonce is spent', async () => {
    const { message, expiresAtMs } = await ask();
    const signature = await WALLET.signMessage(message);
    wallMs += 5 * 60_000 + 1;
    const r = await signIn(message, signature);
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: 'unauthorized', param: 'expirationTime', message: `expired: the message expired at ${new Date(expiresAtMs).toISOString()}` });
  });

  it('a message for another domain is refused (a relaying site cannot use its signatures here)', async () => {
    const { nonce } = await ask();
    const message = prepareSiweMessage({ domain: 'feedin.example.com', uri: 'https://feedin.example.com/', address: WALLET.address, chainId: 31337, nonce, statement: 'Sign in.', issuedAtMs: wallMs, expiresAtMs: wallMs + 60_000 });
    const r = await signIn(message, await WALLET.signMessage(message));
    expect(r.status).toBe(401);
    const host = new URL(s.url).host;
    expect(r.body.error).toEqual({ code: 'unauthorized', param: 'domain', message: `wrong-domain: the message is for feedin.example.com, this dashboard is ${host} or localhost:${new URL(s.url).port}` });
  });

  it('a message for another chain is refused', async () => {
    const { nonce } = await ask();
    const host = new URL(s.url).host;
    const message = prepareSiweMessage({ domain: host, uri: `http://${host}/`, address: WALLET.address, chainId: 1, nonce, statement: 'Sign in.', issuedAtMs: wallMs, expiresAtMs: wallMs + 60_000 });
    const r = await signIn(message, await WALLET.signMessage(message));
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: 'unauthorized', param: 'chainId', message: 'wrong-chain: the message is for chain 1, this sandbox is chain 31337' });
  });

  it('a signature by another key is refused, naming the signer', async () => {
    const { message } = await ask();
    const r = await signIn(message, await OTHER.signMessage(message));
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: 'unauthorized', param: 'signature', message: `wrong-signer: the message names ${WALLET.address} but was signed by ${OTHER.address}` });
  });

  it('answers bad input with 400 and an address of no household with 401', async () => {
    expect((await post('/api/session/siwe/message', {})).body.error).toMatchObject({ code: 'invalid-parameter', param: 'address' });
    expect((await post('/api/session/siwe/message', { address: OTHER.address })).body.error).toEqual({
      code: 'unauthorized',
      param: 'address',
      message: `${OTHER.address} is not the payee of any household of this sandbox`,
    });
    expect((await signIn('hello', '0x00')).body.error).toMatchObject({ code: 'invalid-parameter', param: 'message' });
    const { message } = await ask();
    expect((await signIn(message, '0x1234')).body.error).toMatchObject({ code: 'invalid-parameter', param: 'message', message: 'message: signature: 65 bytes as 0x-hex' });
    expect(s.logs.filter((l) => l.startsWith('dashboard: wallet sign-in failed from')).length).toBeGreaterThan(0);
  });
});

describe('Sign-In with Ethereum, limited like token logins', () => {
  it('after the burst of failures the client gets 429 with Retry-After', async () => {
    const limited = await serve({ tokens, info: { chainId: 31337 }, loginLimit: { burst: 2, refillSeconds: 60, maxClients: 10 } });
    try {
      const body = JSON.stringify({ address: OTHER.address });
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
      expect((await limited.get('/api/session/siwe/message', undefined, init)).status).toBe(401);
      expect((await limited.get('/api/session/siwe/message', undefined, init)).status).toBe(401);
      const r = await limited.get('/api/session/siwe/message', undefined, init);
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
