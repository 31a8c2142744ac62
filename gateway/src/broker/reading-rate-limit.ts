// A token bucket per meter for readings: a meter may send `burst` readings at once (a device
// catching up after an outage) and `perSecond` sustained. Beyond that its readings wait (the
// PUBACK comes later, which slows a device that waits for PUBACKs) instead of taking the event
// loop and the disk from the other meters; a meter that does not wait hits MAX_READINGS_IN_FLIGHT
// and is cut off.

export interface ReadingRateLimit {
  perSecond: number;
  burst: number;
}

/** 10/s sustained is 600× what a meter reporting every minute needs; 600 readings of burst
 * lets a device that was offline for ten hours at one reading a minute flush its outbox at once. */
export const DEFAULT_READING_RATE_LIMIT: ReadingRateLimit = { perSecond: 10, burst: 600 };

export interface RateLimiter {
  /** Takes one token for `key`: 0 when available now, else the wait in ms until it is. */
  delayMs(key: string): number;
}

export function createRateLimiter(limit: ReadingRateLimit, nowMs: () => number = () => performance.now()): RateLimiter {
  if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError(`rate limit: perSecond > 0 and burst ≥ 1, got ${JSON.stringify(limit)}`);
  // tokens may go negative: the debt of readings already told to wait
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  return {
    delayMs(key) {
      const now = nowMs();
      const bucket = buckets.get(key) ?? { tokens: limit.burst, atMs: now };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.atMs) * limit.perSecond) / 1000);
      bucket.atMs = now;
      bucket.tokens -= 1;
      // One entry per meter that ever published: bounded by the registry (only authenticated
      // meters publish under their own id).
      buckets.set(key, bucket);
      return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens * 1000) / limit.perSecond);
    },
  };
}
