// Wall-clock pacing for the settlement loop (docs/design.md §Submission): a throttle runs a
// periodic chain read at most once per period (or at once when the caller must have it fresh),
// and a retry gate keeps the loop off the chain for a back-off step after a failure — protocol's
// back-off (backoff.ts), without jitter: there is one gateway, nothing to spread.
import { backoffCapMs, type Backoff } from '@feedin/protocol/backoff';

export interface Throttle {
  /** true — and the period starts again now — when `force` or a whole period has passed since
   * the last time it said true (the first call is always due) */
  due(force?: boolean): boolean;
}

export function createThrottle(everyMs: number, nowMs: () => number): Throttle {
  let lastMs = -Infinity;
  return {
    due(force = false) {
      const now = nowMs();
      if (!force && now - lastMs < everyMs) return false;
      lastMs = now;
      return true;
    },
  };
}

export interface RetryGate {
  /** false while the wait after a failure runs */
  open(): boolean;
  /** a failure: closed for the next step, which doubles up to `backoff.maxMs` */
  failed(): void;
  /** a success: the next failure waits the first step again */
  succeeded(): void;
}

export function createRetryGate(backoff: Backoff, nowMs: () => number): RetryGate {
  let failures = 0;
  let openAtMs = -Infinity;
  return {
    open: () => nowMs() >= openAtMs,
    failed() {
      openAtMs = nowMs() + backoffCapMs(failures, backoff);
      failures += 1;
    },
    succeeded() {
      failures = 0;
    },
  };
}
