// A second login with a meter's id while the meter is connected takes its session over
// (MQTT-3.1.4-2: the server disconnects the existing client). A device reconnecting over a
// half-open connection does that legitimately, now and then; a stolen key does it to cut the
// real meter off. Every takeover is a security event, and a meter gets `burst` of them at once
// and one more every `refillSeconds`; beyond that the new login is refused and the connected
// session stays (issue #10.9).

export interface TakeoverLimit {
  burst: number;
  refillSeconds: number;
}

export const DEFAULT_TAKEOVER_LIMIT: TakeoverLimit = { burst: 3, refillSeconds: 60 };

export interface TakeoverLimiter {
  /** Takes one takeover for the meter: true when allowed now. */
  allow(meterId: string, nowMs: number): boolean;
}

export function createTakeoverLimiter(limit: TakeoverLimit = DEFAULT_TAKEOVER_LIMIT): TakeoverLimiter {
  if (!(limit.burst >= 1) || !(limit.refillSeconds > 0)) throw new RangeError(`takeover limit: burst ≥ 1 and refillSeconds > 0, got ${JSON.stringify(limit)}`);
  // One bucket per meter that ever took over a session: bounded by the registry (only
  // authenticated meters get here).
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  return {
    allow(meterId, nowMs) {
      const bucket = buckets.get(meterId) ?? { tokens: limit.burst, atMs: nowMs };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (nowMs - bucket.atMs) / (limit.refillSeconds * 1000));
      bucket.atMs = nowMs;
      if (bucket.tokens < 1) {
        buckets.set(meterId, bucket);
        return false;
      }
      bucket.tokens -= 1;
      buckets.set(meterId, bucket);
      return true;
    },
  };
}
