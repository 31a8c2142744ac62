// The pages' only way to the server: same-origin fetch with the session cookie. Tokens are sent
// once, to POST /api/session, and never stored by the page.

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
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

export function logout() {
  return api('/api/session', { method: 'DELETE' });
}

/** The page for a role. The household and operator pages are not built yet: the regulator page
 * serves them, and the API shows each role only what it may see. */
export function pageFor(_role) {
  return '/regulator';
}
