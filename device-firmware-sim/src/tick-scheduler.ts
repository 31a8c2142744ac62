// One timer for the whole fleet: it wakes at each multiple of the reading period on the sandbox
// clock (10:15:00, 10:16:00, …, so a reading closes each interval boundary exactly) and runs one
// tick for all meters. Instants that pass while a tick is still running are skipped and counted,
// not queued: the registers integrate over the gap, so the next reading carries that energy.
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { SandboxTimer } from './clock.js';

export interface TickScheduler {
  skippedTicks(): number;
  /** stops waking and waits for a running tick to end */
  stop(): Promise<void>;
}

export interface TickSchedulerParameters {
  clock: Clock;
  timer: SandboxTimer;
  periodMs: number;
  onTick(atMs: number): Promise<void>;
  log(message: string): void;
}

export function startTickScheduler({ clock, timer, periodMs, onTick, log }: TickSchedulerParameters): TickScheduler {
  if (!Number.isSafeInteger(periodMs) || periodMs < 1) throw new RangeError(`periodMs: a positive integer, got ${periodMs}`);
  const boundaryAtOrBefore = (ms: number) => Math.floor(ms / periodMs) * periodMs;
  let lastMs = boundaryAtOrBefore(clock.nowMs());
  let skipped = 0;
  let stopped = false;
  let cancel: (() => void) | undefined;
  let running: Promise<void> | undefined;

  const arm = () => {
    if (!stopped) cancel = timer.wakeAt(lastMs + periodMs, fire);
  };
  const fire = () => {
    cancel = undefined;
    const dueMs = boundaryAtOrBefore(clock.nowMs());
    if (dueMs <= lastMs) return arm(); // woken early (clock rounding): wait again
    skipped += (dueMs - lastMs) / periodMs - 1;
    lastMs = dueMs;
    running = onTick(dueMs)
      .catch((error: unknown) => log(`reading tick at ${new Date(dueMs).toISOString()} failed: ${(error as Error).message}`))
      .finally(() => {
        running = undefined;
        arm();
      });
  };
  arm();

  return {
    skippedTicks: () => skipped,
    async stop() {
      stopped = true;
      cancel?.();
      await running;
    },
  };
}
