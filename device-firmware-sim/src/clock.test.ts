import { describe, expect, it } from 'vitest';
import { createClockTimer, createSandboxClock } from './clock.js';
import { createManualClock } from './manual-clock.js';
import { startTickScheduler } from './tick-scheduler.js';

describe('createSandboxClock', () => {
  it('runs from the anchor at its speed; wall time stays wall time', () => {
    let wall = 1_000_000;
    const clock = createSandboxClock({ wallMs: 1_000_000, sandboxMs: 5_000, speed: 60 }, () => wall);
    wall += 1_500;
    expect([clock.nowMs(), clock.wallNowMs(), clock.speed]).toEqual([5_000 + 90_000, 1_001_500, 60]);
    expect(() => createSandboxClock({ wallMs: 0, sandboxMs: 0, speed: 0 })).toThrow('anchor.speed: a positive number, got 0');
  });

  it('createClockTimer wakes once the sandbox time is reached, and not after cancel', async () => {
    const clock = createSandboxClock({ wallMs: Date.now(), sandboxMs: 0, speed: 3600 });
    const target = 60_000; // one sandbox minute ≈ 17 ms of wall time
    const seenAt = await new Promise<number>((resolve) => createClockTimer(clock).wakeAt(target, () => resolve(clock.nowMs())));
    expect(seenAt).toBeGreaterThanOrEqual(target);
    let fired = false;
    const cancel = createClockTimer(clock).wakeAt(clock.nowMs() + 3600, () => (fired = true));
    cancel();
    await new Promise<void>((resolve) => createClockTimer(clock).wakeAt(clock.nowMs() + 36_000, resolve));
    expect(fired).toBe(false);
  });
});

describe('createManualClock', () => {
  it('fires due timers in time order when advanced, never before', () => {
    const clock = createManualClock(0);
    const fired: string[] = [];
    clock.wakeAt(300, () => fired.push('c'));
    clock.wakeAt(100, () => fired.push('a'));
    const cancel = clock.wakeAt(150, () => fired.push('cancelled'));
    clock.wakeAt(200, () => fired.push('b'));
    cancel();
    clock.advanceTo(250);
    expect(fired).toEqual(['a', 'b']);
    clock.advanceBy(50);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(() => clock.advanceTo(10)).toThrow('advanceTo: 10 is before the current time 300');
  });
});

describe('startTickScheduler', () => {
  it('ticks at whole multiples of the period and counts instants it had to skip', async () => {
    const clock = createManualClock(90_000);
    const ticks: number[] = [];
    const s = startTickScheduler({ clock, timer: clock, periodMs: 60_000, log: () => undefined, onTick: async (at) => void ticks.push(at) });
    clock.advanceTo(119_999);
    await Promise.resolve();
    expect(ticks).toEqual([]);
    clock.advanceTo(120_000);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advanceTo(310_000); // 180 000 and 240 000 pass unseen
    await new Promise((resolve) => setImmediate(resolve));
    expect(ticks).toEqual([120_000, 300_000]);
    expect(s.skippedTicks()).toBe(2);
    await s.stop();
    clock.advanceTo(400_000);
    expect(ticks).toEqual([120_000, 300_000]);
  });
});
