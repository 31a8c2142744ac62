// Exponential back-off with jitter, for everything that retries a link: the device's MQTT link,
// serial ports on both ends, meter readers polling a bus. The cap doubles per failed attempt up to
// `maxMs`, so a dead peer is asked less and less often but never given up on; the delay is drawn
// from the upper half of the cap ("equal jitter"), so meters that lost the same gateway do not all
// come back in the same millisecond. Pure: the random source is the caller's.

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 10_000 };

/** the longest wait before retry number `attempt` (0 for the first retry) */
export function backoffCapMs(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(0, attempt), 20));
}

/** the wait before retry number `attempt`, whole ms in [cap/2, cap] */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const capMs = backoffCapMs(attempt, backoff);
  return Math.round(capMs / 2 + random() * (capMs / 2));
}
