// The settlement loop's pacing on a clock the test moves: a throttle is due once per period (or
// when forced, which starts the period again), a retry gate closes for 250 ms, 500 ms, … up to
// 10 s after consecutive failures and starts at 250 ms again after a success.
import { DEFAULT_BACKOFF } from '@feedin/protocol/backoff';
import { describe, expect, it } from 'vitest';
import { createRetryGate, createThrottle } from './throttle.js';

const clock = () => {
  let now = 1_000_000;
  return { nowMs: () => now, advance: (ms: number) => void (now += ms) };
};

describe('createThrottle', () => {
  it('is due at once, then once per whole period', () => {
    const c = clock();
    const t = createThrottle(1_000, c.nowMs);
    expect(t.due()).toBe(true);
    expect(t.due()).toBe(false);
    c.advance(999);
    expect(t.due()).toBe(false);
    c.advance(1);
    expect(t.due()).toBe(true);
    c.advance(1_500);
    expect(t.due()).toBe(true);
    c.advance(500);
    expect(t.due()).toBe(false); // the period runs from the last due, not on a fixed grid
  });

  it('is due when forced, and a forced run starts the period again', () => {
    const c = clock();
    const t = createThrottle(1_000, c.nowMs);
    expect(t.due()).toBe(true);
    c.advance(600);
    expect(t.due(true)).toBe(true);
    c.advance(600);
    expect(t.due()).toBe(false);
    c.advance(400);
    expect(t.due()).toBe(true);
  });
});

describe('createRetryGate', () => {
  it('closes for a doubling wait after each failure, capped, and resets after a success', () => {
    const c = clock();
    const gate = createRetryGate(DEFAULT_BACKOFF, c.nowMs);
    expect(gate.open()).toBe(true);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      gate.failed();
      let waited = 0;
      while (!gate.open()) {
        c.advance(50);
        waited += 50;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    gate.succeeded();
    gate.failed();
    expect(gate.open()).toBe(false);
    c.advance(250);
    expect(gate.open()).toBe(true);
  });

  it('stays open through successes', () => {
    const c = clock();
    const gate = createRetryGate(DEFAULT_BACKOFF, c.nowMs);
    gate.succeeded();
    expect(gate.open()).toBe(true);
  });
});
