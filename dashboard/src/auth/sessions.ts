// Browser sessions: `POST /api/session {token}` trades a role token for a random session id in
// an HttpOnly cookie, so pages and EventSource never carry the token in a URL. Kept in memory:
// a restart logs everyone out, which is what a sandbox wants. Capacity is per principal (the
// regulator, the operator, each household): a flood of logins with one token drops only that
// principal's oldest sessions, never another role's (issue #10.10).
import { randomBytes } from 'node:crypto';
import type { Principal } from './principal.js';

export interface SessionStore {
  create(principal: Principal): string;
  get(sessionId: string): Principal | undefined;
  delete(sessionId: string): void;
}

export interface SessionStoreParameters {
  /** wall-clock time source (sessions expire in wall-clock time, like JWTs) */
  wallNowMs?: () => number;
  ttlMs?: number;
  /** a principal's oldest sessions are dropped beyond this many, so logins cannot exhaust memory */
  maxSessionsPerPrincipal?: number;
}

/** Whose sessions share one capacity. */
function principalKey(principal: Principal): string {
  return principal.role === 'household' ? `household:${principal.householdId}` : principal.role;
}

export function createSessionStore({ wallNowMs = Date.now, ttlMs = 12 * 3600_000, maxSessionsPerPrincipal = 50 }: SessionStoreParameters = {}): SessionStore {
  const sessions = new Map<string, { principal: Principal; key: string; expiresAtMs: number }>();
  // principal key → its session ids, oldest first (Map and Set keep insertion order)
  const byPrincipal = new Map<string, Set<string>>();
  const remove = (sessionId: string) => {
    const s = sessions.get(sessionId);
    if (!s) return;
    sessions.delete(sessionId);
    const ids = byPrincipal.get(s.key)!;
    ids.delete(sessionId);
    if (ids.size === 0) byPrincipal.delete(s.key);
  };
  return {
    create(principal) {
      const id = randomBytes(32).toString('base64url');
      const key = principalKey(principal);
      const ids = byPrincipal.get(key) ?? new Set<string>();
      byPrincipal.set(key, ids);
      while (ids.size >= maxSessionsPerPrincipal) remove(ids.values().next().value!);
      sessions.set(id, { principal, key, expiresAtMs: wallNowMs() + ttlMs });
      ids.add(id);
      return id;
    },
    get(sessionId) {
      const s = sessions.get(sessionId);
      if (!s) return undefined;
      if (s.expiresAtMs <= wallNowMs()) {
        remove(sessionId);
        return undefined;
      }
      return s.principal;
    },
    delete: remove,
  };
}
