// Headers on every answer. The CSP admits only this origin's own files: no inline script or
// style, no CDN, no framing; pages therefore load scripts as ES modules from /assets and
// /vendor. The one other origin the pages may talk to is the chain RPC, so that the in-browser
// audit reads the root from the chain itself rather than through this server. API answers are
// never cached (they carry a role's private data).
import type { RequestHandler } from 'express';

export function contentSecurityPolicy(chainRpcUrl?: string): string {
  const connect = ["'self'"];
  if (chainRpcUrl) connect.push(new URL(chainRpcUrl).origin);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export function securityHeaders({ chainRpcUrl }: { chainRpcUrl?: string } = {}): RequestHandler {
  const csp = contentSecurityPolicy(chainRpcUrl);
  return (req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    if (req.path.startsWith('/api/') || req.path === '/metrics') res.set('Cache-Control', 'no-store');
    next();
  };
}
