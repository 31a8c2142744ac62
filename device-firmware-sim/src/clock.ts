// The sandbox clock of a device process and the one timer port the fleet waits on. Readings are
// stamped in sandbox time (docs/design.md §Clocks); JWT iat/exp use wall-clock time.
import { sandboxTimeMs, type Clock, type ClockAnchor } from '@feedin/protocol/sandbox-time';

/** Wakes a callback once the sandbox clock reaches an instant. One port, two adapters: real
 * timers (createClockTimer) and a hand-moved clock for tests (createManualClock). */
export interface SandboxTimer {
  /** calls `callback` once, at or after sandbox time `sandboxMs`; returns a cancel function */
  wakeAt(sandboxMs: number, callback: () => void): () => void;
}

export function createSandboxClock(anchor: ClockAnchor, wallNow: () => number = Date.now): Clock {
  if (!(anchor.speed > 0)) throw new RangeError(`anchor.speed: a positive number, got ${anchor.speed}`);
  return {
    nowMs: () => sandboxTimeMs(anchor, wallNow()),
    wallNowMs: () => wallNow(),
    speed: anchor.speed,
  };
}

/** A SandboxTimer on setTimeout for any clock that runs with wall time. */
export function createClockTimer(clock: Clock): SandboxTimer {
  return {
    wakeAt(sandboxMs, callback) {
      let handle: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        const aheadMs = sandboxMs - clock.nowMs();
        if (aheadMs <= 0) {
          handle = undefined;
          callback();
          return;
        }
        // setTimeout may fire a little early relative to the sandbox clock's rounding: re-arm then.
        handle = setTimeout(arm, Math.max(1, Math.ceil(aheadMs / clock.speed)));
      };
      handle = setTimeout(arm, Math.max(0, Math.ceil((sandboxMs - clock.nowMs()) / clock.speed)));
      return () => {
        if (handle !== undefined) clearTimeout(handle);
        handle = undefined;
      };
    },
  };
}
