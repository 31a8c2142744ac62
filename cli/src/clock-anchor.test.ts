import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxTimeMs } from '@feedin/protocol/sandbox-time';
import { loadConfig } from '@feedin/sandbox-config/load-config';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOCK_HEARTBEAT_MS, loadClockAnchor, recordClockProgress, type ClockFile } from './clock-anchor.js';
import { writeJsonFileAtomic } from './data-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'feedin-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const path = () => join(dir, `clock-${++n}.json`);

function config(speed: number) {
  const loaded = loadConfig({ env: {} });
  if (!loaded.ok) throw new Error('the default sandbox does not load');
  return { ...loaded.config, simulation: { ...loaded.config.simulation, clock: { ...loaded.config.simulation.clock, speed } } };
}

const WALL = Date.parse('2026-12-02T01:00:00Z');
const MIN = 60_000;

describe('the sandbox clock across restarts', () => {
  it('a sandbox faster than wall time resumes where it stopped, not where the wall clock would put it', async () => {
    const p = path();
    const first = await loadClockAnchor(p, config(60), WALL);
    expect(first.fresh).toBe(true);
    const clock = { nowMs: () => sandboxTimeMs(first.anchor, WALL + 10_000), wallNowMs: () => WALL + 10_000, speed: 60 };
    await recordClockProgress(p, first.anchor, clock, () => {}).stop(); // a clean stop 10 s in: 10 sandbox minutes
    // 26 s later (26 sandbox minutes at 60×) it starts again
    const second = await loadClockAnchor(p, config(60), WALL + 36_000);
    expect(second).toEqual({ anchor: { wallMs: WALL + 36_000, sandboxMs: first.anchor.sandboxMs + 10 * MIN, speed: 60 }, fresh: false, resumedFromMs: first.anchor.sandboxMs + 10 * MIN });
  });

  it('after a crash it resumes at most one heartbeat past the last record', async () => {
    const p = path();
    const saved: ClockFile = { wallMs: WALL, sandboxMs: 1_000 * MIN, speed: 60, seenSandboxMs: 1_005 * MIN };
    await writeJsonFileAtomic(p, saved);
    const loaded = await loadClockAnchor(p, config(60), WALL + 3_600_000);
    expect(loaded.resumedFromMs).toBe(1_005 * MIN + CLOCK_HEARTBEAT_MS * 60);
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual(loaded.anchor);
  });

  it('a sandbox tied to wall-clock time (speed 1) cannot pause: it reports the time it was down as an outage', async () => {
    const p = path();
    await writeJsonFileAtomic(p, { wallMs: WALL, sandboxMs: WALL, speed: 1, seenSandboxMs: WALL + 5_000 } satisfies ClockFile);
    const loaded = await loadClockAnchor(p, config(1), WALL + 65_000);
    expect(loaded).toEqual({ anchor: { wallMs: WALL, sandboxMs: WALL, speed: 1 }, fresh: false, outage: { fromMs: WALL + 5_000 + CLOCK_HEARTBEAT_MS, toMs: WALL + 65_000 } });
    // a restart within two heartbeats is no outage
    await writeJsonFileAtomic(p, { wallMs: WALL, sandboxMs: WALL, speed: 1, seenSandboxMs: WALL + 64_000 } satisfies ClockFile);
    expect((await loadClockAnchor(p, config(1), WALL + 65_500)).outage).toBeUndefined();
  });

  it('a changed speed re-anchors at the sandbox time reached, never backwards', async () => {
    const p = path();
    await writeJsonFileAtomic(p, { wallMs: WALL, sandboxMs: 500 * MIN, speed: 60 } satisfies ClockFile);
    const loaded = await loadClockAnchor(p, config(120), WALL + 1_000);
    expect(loaded.anchor).toEqual({ wallMs: WALL + 1_000, sandboxMs: 501 * MIN, speed: 120 });
  });
});
