// A sandbox clock moved by hand, for tests and for replaying a day fast: time stands still until
// `advanceTo`/`advanceBy`, which fire the timers that became due, in time order. Wall-clock time
// stays real by default because brokers check JWT iat/exp against their own wall clock.
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { SandboxTimer } from './clock.js';

export interface ManualClock extends Clock, SandboxTimer {
  advanceTo(sandboxMs: number): void;
  advanceBy(ms: number): void;
}

export function createManualClock(startMs: number, opts: { speed?: number; wallNow?: () => number } = {}): ManualClock {
  let nowMs = startMs;
  let nextId = 0;
  const waiting = new Map<number, { atMs: number; callback: () => void }>();
  const fireDue = () => {
    for (;;) {
      let due: [number, { atMs: number; callback: () => void }] | undefined;
      for (const entry of waiting) if (entry[1].atMs <= nowMs && (!due || entry[1].atMs < due[1].atMs)) due = entry;
      if (!due) return;
      waiting.delete(due[0]);
      due[1].callback();
    }
  };
  const clock: ManualClock = {
    nowMs: () => nowMs,
    wallNowMs: opts.wallNow ?? Date.now,
    speed: opts.speed ?? 1,
    wakeAt(atMs, callback) {
      const id = nextId++;
      waiting.set(id, { atMs, callback });
      queueMicrotask(fireDue);
      return () => void waiting.delete(id);
    },
    advanceTo(sandboxMs) {
      if (sandboxMs < nowMs) throw new RangeError(`advanceTo: ${sandboxMs} is before the current time ${nowMs}`);
      nowMs = sandboxMs;
      fireDue();
    },
    advanceBy(ms) {
      clock.advanceTo(nowMs + ms);
    },
  };
  return clock;
}
