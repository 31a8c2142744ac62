// Who is asking: `Authorization: Bearer <token>` (tools) or the session cookie (pages,
// EventSource). A presented but unknown bearer token or session is 401 on routes that need a
// role; routes decide which roles they admit with `requireRole`.
import type { Request, RequestHandler, Response } from 'express';
import { ApiError } from '../http/api-error.js';
import type { Principal, Role } from './principal.js';
import type { ResolveToken } from './role-tokens.js';
import type { SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'feedin_session';

export function authenticate({ resolveToken, sessions }: { resolveToken: ResolveToken; sessions: SessionStore }): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization');
    let principal: Principal | undefined;
    if (header !== undefined) {
      // RFC 6750 §2.1: the scheme is case-insensitive. Sandbox tokens may use any visible characters.
      const m = /^bearer +(\S+)$/i.exec(header);
      principal = m ? resolveToken(m[1]!) : undefined;
    } else {
      const sessionId = readCookie(req, SESSION_COOKIE);
      principal = sessionId ? sessions.get(sessionId) : undefined;
    }
    res.locals.principal = principal;
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) throw new ApiError(401, 'unauthorized', 'give a role token: Authorization: Bearer <token>, or log in with POST /api/session');
    if (!roles.includes(principal.role)) throw new ApiError(403, 'forbidden', `this needs the ${roles.join(' or ')} role`);
    next();
  };
}

/** The principal `requireRole` admitted; throws (a bug) when used on a route without it. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('principalOf: route is missing requireRole');
  return principal;
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
