// The pages' only way to the server: same-origin fetch with the session cookie. Tokens are sent
// once, to POST /api/session, and never stored by the page.

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    // a contract refusal: its machine code, message key and params (docs/dashboard.md)
    this.refusal = body?.error?.refusal;
  }
}

export async function api(path, init = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...init.headers } });
  if (response.status === 204) return undefined;
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiFailure(response.status, body);
  return body;
}

export function login(token) {
  return api('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
}

/** Sign-In with Ethereum (EIP-4361) through any EIP-1193 wallet (`window.ethereum`): the server
 * writes the message (this dashboard, the sandbox chain, a one-use nonce), the wallet signs it
 * with the payee's key (personal_sign), the server checks it and sets the session cookie. */
export async function walletLogin(ethereum) {
  const [address] = await ethereum.request({ method: 'eth_requestAccounts' });
  if (typeof address !== 'string') throw new Error('the wallet gave no account');
  const post = (path, body) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { message } = await post('/api/session/siwe/message', { address });
  // personal_sign takes the message as 0x-hex of its UTF-8 bytes (EIP-1193 wallets, EIP-191).
  const hex = `0x${[...new TextEncoder().encode(message)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  const signature = await ethereum.request({ method: 'personal_sign', params: [hex, address] });
  return post('/api/session/siwe', { message, signature });
}

export function logout() {
  return api('/api/session', { method: 'DELETE' });
}

/** Each role has its own page. */
export function pageFor(role) {
  return { regulator: '/regulator', operator: '/operator', household: '/household' }[role] ?? '/';
}

/** The server-sent event stream, with the header's live indicator (`live`) kept right. A stream
 * the server closed after a logout or an expiry sends the page back to the login page. `t`
 * translates the indicator's words (./i18n.js). */
export function openEvents(live, t) {
  const source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    live.textContent = t('common.liveConnected');
    live.className = 'ok';
  });
  source.addEventListener('error', () => {
    live.textContent = t('common.liveReconnecting');
    live.className = 'bad';
    if (source.readyState === EventSource.CLOSED) api('/api/whoami').catch(() => location.replace('/'));
  });
  return source;
}
