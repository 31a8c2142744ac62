// Sign-In with Ethereum (EIP-4361) for households: the page asks for a message naming this
// dashboard (domain and uri), the sandbox chain and a fresh nonce; the household's wallet signs
// it with the payee's key (personal_sign); the signed message becomes the same session cookie a
// token login gives (./session.ts). The message is built and verified by the `siwe` package
// behind contracts/src/siwe-login.ts (ethers stays in contracts/); the nonces are ours (one use,
// expiry, ../auth/siwe-nonces.ts). Failed sign-ins count against the same per-client limit as
// failed token logins.
import express, { Router, type Request } from 'express';
import { prepareSiweMessage, verifySiweMessage } from '@feedin/contracts/siwe-login';
import type { LoginLimiter } from '../auth/login-limiter.js';
import type { ResolvePayee } from '../auth/role-tokens.js';
import type { SessionStore } from '../auth/sessions.js';
import type { SiweNonceStore } from '../auth/siwe-nonces.js';
import { ApiError } from '../http/api-error.js';
import { parseAddress, readParam, readQuery } from '../http/query.js';
import { startSession, whoami, type SandboxInfo } from './session.js';

export interface SiweSessionRoutesParameters {
  resolvePayee: ResolvePayee;
  sessions: SessionStore;
  nonces: SiweNonceStore;
  info: SandboxInfo;
  limiter: LoginLimiter;
  log: (line: string) => void;
  /** the authorities (host:port) this dashboard answers as; default: the address the connection reached */
  domains?: readonly string[];
  wallNowMs?: () => number;
}

/** EIP-4361's statement admits only RFC 3986 reserved and unreserved characters and spaces:
 * "Khu phố thử nghiệm" is written "Khu pho thu nghiem", other characters are left out. */
function statementText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]/g, '')
    .replace(/ {2,}/g, ' ');
}

/** The connection's own address, not the Host header: a relaying site cannot choose it. */
function connectionDomains(req: Request): string[] {
  const address = req.socket.localAddress ?? '127.0.0.1';
  const port = req.socket.localPort;
  const host = address.includes(':') && !address.startsWith('::ffff:') ? `[${address}]` : address.replace(/^::ffff:/, '');
  const loopback = host === '127.0.0.1' || host === '[::1]';
  return [`${host}:${port}`, ...(loopback ? [`localhost:${port}`] : [])];
}

export function siweSessionRoutes({ resolvePayee, sessions, nonces, info, limiter, log, domains, wallNowMs = Date.now }: SiweSessionRoutesParameters): Router {
  const router = Router();
  const json = express.json({ limit: '8kb' });
  const client = (req: Request) => req.ip ?? 'unknown';
  const expectedDomains = (req: Request) => domains ?? connectionDomains(req);
  const refuse = (req: Request, what: string, detail: string, param?: string): never => {
    limiter.failed(client(req), wallNowMs());
    log(`dashboard: wallet sign-in failed from ${client(req)}: ${what}`);
    throw new ApiError(401, 'unauthorized', detail, param);
  };

  const limited = (req: Request, res: express.Response, next: express.NextFunction) => {
    const retryAfter = limiter.retryAfterSeconds(client(req), wallNowMs());
    if (retryAfter === 0) return next();
    res.set('Retry-After', String(retryAfter));
    throw new ApiError(429, 'too-many-requests', `too many login attempts from this client; try again in ${retryAfter} s`);
  };

  // The message to sign: for a payee of this sandbox, with a new nonce.
  router.post('/api/session/siwe/message', limited, json, (req, res) => {
    readQuery(req.query, {});
    const raw = (req.body as { address?: unknown } | undefined)?.address;
    if (typeof raw !== 'string') throw new ApiError(400, 'invalid-parameter', 'address: send JSON {"address":"0x…"}, the payee address your wallet signs with', 'address');
    const address = readParam('address', raw, parseAddress);
    const principal = resolvePayee(address);
    if (principal?.role !== 'household') return refuse(req, `${address} is no household's payee`, `${address} is not the payee of any household of this sandbox`, 'address');
    const issued = nonces.issue(principal.payee);
    const [domain] = expectedDomains(req);
    const message = prepareSiweMessage({
      domain: domain!,
      uri: `${req.protocol}://${domain}/`,
      address: principal.payee,
      chainId: info.chainId,
      nonce: issued.nonce,
      statement: statementText(`Sign in to the household page of ${info.sandboxName} (chain ${info.chainId}).`),
      issuedAtMs: issued.issuedAtMs,
      expiresAtMs: issued.expiresAtMs,
    });
    res.status(201).json({ message, nonce: issued.nonce, expiresAtMs: issued.expiresAtMs });
  });

  router.post('/api/session/siwe', limited, json, async (req, res) => {
    readQuery(req.query, {});
    const body = req.body as { message?: unknown; signature?: unknown } | undefined;
    if (typeof body?.message !== 'string' || body.message.length > 4096) throw new ApiError(400, 'invalid-parameter', 'message: the EIP-4361 text from POST /api/session/siwe/message', 'message');
    if (typeof body.signature !== 'string') throw new ApiError(400, 'invalid-parameter', 'signature: the 0x-hex personal_sign signature', 'signature');
    const verified = await verifySiweMessage({ message: body.message, signature: body.signature, domains: expectedDomains(req), chainId: info.chainId, nowMs: wallNowMs() });
    // The nonce is spent by any attempt that names it, verified or not: a message is good once.
    const taken = verified.nonce === undefined ? undefined : nonces.take(verified.nonce);
    if (!verified.ok) {
      if (verified.reason === 'malformed') throw new ApiError(400, 'invalid-parameter', `message: ${verified.detail}`, 'message');
      const param = { 'wrong-domain': 'domain', 'wrong-chain': 'chainId', expired: 'expirationTime', 'not-yet-valid': 'notBefore', 'wrong-signer': 'signature' }[verified.reason];
      return refuse(req, verified.reason, `${verified.reason}: ${verified.detail}`, param);
    }
    if (!taken?.ok) return refuse(req, `nonce ${taken?.reason ?? 'unknown'}`, `nonce: ${taken?.detail ?? 'missing'}`, 'nonce');
    if (taken.issued.address !== verified.address.toLowerCase()) return refuse(req, 'nonce of another address', 'nonce: it was issued for another address', 'nonce');
    const expectedUri = `${req.protocol}://${verified.domain}/`;
    if (verified.uri !== expectedUri) return refuse(req, 'wrong uri', `wrong-uri: the message is for ${verified.uri}, this page is ${expectedUri}`, 'uri');
    const principal = resolvePayee(verified.address);
    if (!principal) return refuse(req, 'no household', `${verified.address} is not the payee of any household of this sandbox`, 'address');
    startSession(req, res, sessions, principal);
    res.status(201).json(whoami(principal, info));
  });

  return router;
}
