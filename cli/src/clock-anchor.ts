// The sandbox clock survives restarts: its anchor is kept in the data dir. A new sandbox starts
// at `simulation.clock.startLocalTime` of today (sandbox time zone) so a demo begins in daylight.
// While it runs, the sandbox records how far its clock got (`seenSandboxMs`, once a second and
// at stop); a sandbox that runs faster than wall time resumes from there, so a stop of 26 s at
// 60× does not skip 26 sandbox minutes. A sandbox at speed 1 is tied to wall-clock time: its
// clock cannot pause, and the time it was down is returned as an outage for the caller to record.
import type { ClockAnchor, Clock } from '@feedin/protocol/sandbox-time';
import { sandboxTimeMs } from '@feedin/protocol/sandbox-time';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { readJsonFile, writeJsonFileAtomic } from './data-dir.js';

/** How often (wall ms) the running sandbox records how far its clock got. */
export const CLOCK_HEARTBEAT_MS = 1_000;

/** The anchor file: the anchor, and how far the clock got while the sandbox last ran. */
export interface ClockFile extends ClockAnchor {
  seenSandboxMs?: number;
  /** true when the sandbox stopped cleanly: `seenSandboxMs` is then exactly where the clock stood */
  stopped?: boolean;
}

export interface LoadedClock {
  anchor: ClockAnchor;
  fresh: boolean;
  /** the sandbox time the clock continues from, when it resumed after a stop */
  resumedFromMs?: number;
  /** sandbox time during which a wall-clock-tied sandbox was down (speed 1) */
  outage?: { fromMs: number; toMs: number };
}

export function newSandboxStartMs(config: SandboxConfig, wallNowMs: number): number {
  const offsetMs = config.sandbox.utcOffsetMinutes * 60_000;
  const [hours, minutes] = config.simulation.clock.startLocalTime.split(':').map(Number) as [number, number];
  const localMidnightMs = Math.floor((wallNowMs + offsetMs) / 86_400_000) * 86_400_000;
  return localMidnightMs + (hours * 60 + minutes) * 60_000 - offsetMs;
}

/** Loads the anchor, or makes (and durably records) a new one. The clock never jumps backwards. */
export async function loadClockAnchor(path: string, config: SandboxConfig, wallNowMs: number): Promise<LoadedClock> {
  const speed = config.simulation.clock.speed;
  const saved = await readJsonFile<ClockFile>(path);
  if (!saved) {
    const anchor: ClockAnchor = { wallMs: wallNowMs, sandboxMs: newSandboxStartMs(config, wallNowMs), speed };
    await writeJsonFileAtomic(path, anchor);
    return { anchor, fresh: true };
  }
  const continuousMs = sandboxTimeMs(saved, wallNowMs);
  // After a crash the clock may have run up to one heartbeat past the last record: resume at
  // the end of that heartbeat, so no reading a device signed before the crash is in the future.
  const slackMs = saved.stopped ? 0 : Math.ceil(CLOCK_HEARTBEAT_MS * saved.speed);
  const seenMs = saved.seenSandboxMs === undefined ? continuousMs : Math.min(continuousMs, saved.seenSandboxMs + slackMs);
  if (speed === 1) {
    const anchor: ClockAnchor = saved.speed === 1 ? { wallMs: saved.wallMs, sandboxMs: saved.sandboxMs, speed } : { wallMs: wallNowMs, sandboxMs: continuousMs, speed };
    if (saved.speed !== 1) await writeJsonFileAtomic(path, anchor);
    const outage = saved.seenSandboxMs !== undefined && continuousMs - seenMs > 2 * CLOCK_HEARTBEAT_MS ? { fromMs: seenMs, toMs: continuousMs } : undefined;
    return { anchor, fresh: false, ...(outage ? { outage } : {}) };
  }
  const anchor: ClockAnchor = { wallMs: wallNowMs, sandboxMs: seenMs, speed };
  await writeJsonFileAtomic(path, anchor);
  return { anchor, fresh: false, resumedFromMs: seenMs };
}

/** Records how far `clock` got, once a heartbeat and at stop. */
export function recordClockProgress(path: string, anchor: ClockAnchor, clock: Clock, log: (line: string) => void): { stop(): Promise<void> } {
  let writing: Promise<void> = Promise.resolve();
  const record = (stopped: boolean) => {
    writing = writing
      .then(() => writeJsonFileAtomic(path, { ...anchor, seenSandboxMs: clock.nowMs(), ...(stopped ? { stopped } : {}) } satisfies ClockFile))
      .catch((error: unknown) => log(`clock: could not record the sandbox time: ${(error as Error).message}`));
    return writing;
  };
  const timer = setInterval(() => void record(false), CLOCK_HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await record(true);
    },
  };
}
