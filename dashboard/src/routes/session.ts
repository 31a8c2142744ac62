// Logging in and out of the pages. The token travels once, in a POST body, and becomes an
// HttpOnly SameSite=Strict cookie: scripts cannot read it, other sites cannot send it, and
// EventSource (which cannot set headers) carries it.
import express, { Router } from 'express';
import { principalOf, readCookie, requireRole, SESSION_COOKIE } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { LoginLimiter } from '../auth/login-limiter.js';
import type { ResolveToken } from '../auth/role-tokens.js';
import type { SessionStore } from '../auth/sessions.js';
import { ApiError } from '../http/api-error.js';

export interface SandboxInfo {
  sandboxName: string;
  token: { symbol: string; decimals: number };
  intervalMinutes: number;
  /** IANA zone the pages show times in (the sandbox's) */
  timeZone: string;
  /** BCP 47 locale of the sandbox: the pages' default language and formats */
  locale: string;
  /** ISO 4217 code the sandbox token stands for (money shown as it), or null for the token symbol */
  currency: string | null;
  /** household id → name from the sandbox file (a household's session sees only its own) */
  householdNames: Readonly<Record<string, string>>;
  /** the sandbox chain's EIP-155 id (Sign-In with Ethereum messages name it) */
  chainId: number;
  /** the sandbox's caps and the rule they follow, so a household page can say why a claim was cut */
  caps: SandboxCapsInfo;
}

export interface SandboxCapsInfo {
  /** export paid per interval ≤ this share of installed capacity (null: no such cap) */
  exportCapPercentOfCapacity: number | null;
  /** base units per household per sandbox-local day (null: none) */
  householdDailyCap: string | null;
  batchCap: string | null;
  budget: string | null;
  /** the rule the caps come from, e.g. "Decree 135/2024/ND-CP" (limits.legalBasis), or null */
  legalBasis: string | null;
}

export interface SessionRoutesParameters {
  resolveToken: ResolveToken;
  sessions: SessionStore;
  info: SandboxInfo;
  limiter: LoginLimiter;
  log: (line: string) => void;
  wallNowMs?: () => number;
}

export function sessionRoutes({ resolveToken, sessions, info, limiter, log, wallNowMs = Date.now }: SessionRoutesParameters): Router {
  const router = Router();

  router.post('/api/session', (req, res, next) => {
    // Checked before the body is read: a refused client costs no parsing.
    const retryAfter = limiter.retryAfterSeconds(req.ip ?? 'unknown', wallNowMs());
    if (retryAfter === 0) return next();
    res.set('Retry-After', String(retryAfter));
    throw new ApiError(429, 'too-many-requests', `too many login attempts from this client; try again in ${retryAfter} s`);
  });
  router.post('/api/session', express.json({ limit: '4kb' }), (req, res) => {
    const token = (req.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 512)
      throw new ApiError(400, 'invalid-parameter', 'token: send JSON {"token":"<role token>"}', 'token');
    const principal = resolveToken(token);
    if (!principal) {
      // Never the token itself: a mistyped real token would end up in the log.
      limiter.failed(req.ip ?? 'unknown', wallNowMs());
      log(`dashboard: login failed from ${req.ip ?? 'unknown'}: unknown token`);
      throw new ApiError(401, 'unauthorized', 'unknown token');
    }
    startSession(req, res, sessions, principal);
    res.status(201).json(whoami(principal, info));
  });

  router.delete('/api/session', (req, res) => {
    const sessionId = readCookie(req, SESSION_COOKIE);
    if (sessionId) sessions.delete(sessionId);
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
    res.status(204).end();
  });

  // Before login: the login page's default language. Nothing private: the sandbox's locale.
  router.get('/api/locale', (_req, res) => {
    res.json({ locale: info.locale });
  });

  router.get('/api/whoami', requireRole('regulator', 'operator', 'household'), (_req, res) => {
    res.json(whoami(principalOf(res), info));
  });

  return router;
}

/** The session cookie for a principal that just proved who it is (a token or a wallet signature). */
export function startSession(req: express.Request, res: express.Response, sessions: SessionStore, principal: Principal): void {
  const sessionId = sessions.create(principal);
  res.cookie(SESSION_COOKIE, sessionId, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
}

export function whoami(principal: Principal, info: SandboxInfo) {
  const scope =
    principal.role === 'household' ? { householdId: principal.householdId, payee: principal.payee, meterIds: [...principal.meterIds] } : {};
  // A household sees only its own data (docs/design.md §HTTP and roles), its neighbours' names
  // included.
  const householdNames = principal.role === 'household' ? { [principal.householdId]: info.householdNames[principal.householdId] ?? principal.householdId } : info.householdNames;
  return { role: principal.role, ...scope, sandbox: { ...info, householdNames } };
}
