// Browser sessions: `POST /api/session {token}` trades a role token for a random session id in
// an HttpOnly cookie, so pages and EventSource never carry the token in a URL. Kept in memory:
// a restart logs everyone out, which is what a sandbox wants.
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
  /** oldest sessions are dropped beyond this many, so logins cannot exhaust memory */
  maxSessions?: number;
}

export function createSessionStore({ wallNowMs = Date.now, ttlMs = 12 * 3600_000, maxSessions = 10_000 }: SessionStoreParameters = {}): SessionStore {
  // Map keeps insertion order: the first entry is the oldest session.
  const sessions = new Map<string, { principal: Principal; expiresAtMs: number }>();
  return {
    create(principal) {
      const id = randomBytes(32).toString('base64url');
      while (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
      sessions.set(id, { principal, expiresAtMs: wallNowMs() + ttlMs });
      return id;
    },
    get(sessionId) {
      const s = sessions.get(sessionId);
      if (!s) return undefined;
      if (s.expiresAtMs <= wallNowMs()) {
        sessions.delete(sessionId);
        return undefined;
      }
      return s.principal;
    },
    delete(sessionId) {
      sessions.delete(sessionId);
    },
  };
}
