// Failed logins per client (issue #10.10): a client may fail `burst` times at once and once more
// every `refillSeconds`; beyond that POST /api/session answers 429 with Retry-After, whatever the
// token, so tokens cannot be guessed at network speed. Successful logins cost nothing (a page
// reload is no attack). The client is `req.ip`, which follows `trust proxy` (behind a proxy: the
// address it forwards). Clients are remembered up to `maxClients`; the longest unseen is
// forgotten first, so memory stays bounded under a spread-out flood.

export interface LoginLimit {
  burst: number;
  refillSeconds: number;
  maxClients: number;
}

export const DEFAULT_LOGIN_LIMIT: LoginLimit = { burst: 10, refillSeconds: 6, maxClients: 10_000 };

export interface LoginLimiter {
  /** 0 when `client` may try a login now, else the seconds until it may. */
  retryAfterSeconds(client: string, nowMs: number): number;
  /** a failed login of `client` */
  failed(client: string, nowMs: number): void;
}

export function createLoginLimiter(limit: LoginLimit = DEFAULT_LOGIN_LIMIT): LoginLimiter {
  const clients = new Map<string, { tokens: number; atMs: number }>();
  const refill = (client: string, nowMs: number) => {
    const bucket = clients.get(client);
    if (!bucket) return undefined;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (nowMs - bucket.atMs) / (limit.refillSeconds * 1000));
    bucket.atMs = nowMs;
    return bucket;
  };
  return {
    retryAfterSeconds(client, nowMs) {
      const bucket = refill(client, nowMs);
      return !bucket || bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) * limit.refillSeconds);
    },
    failed(client, nowMs) {
      const bucket = refill(client, nowMs) ?? { tokens: limit.burst, atMs: nowMs };
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      clients.delete(client); // re-inserted: the Map's first entry is the longest unseen
      clients.set(client, bucket);
      while (clients.size > limit.maxClients) clients.delete(clients.keys().next().value!);
    },
  };
}
