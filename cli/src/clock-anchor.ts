// The sandbox clock survives restarts: its anchor is kept in the data dir. A new sandbox starts
// at `simulation.clock.startLocalTime` of today (sandbox time zone) so a demo begins in daylight.
import type { ClockAnchor } from '@feedin/protocol/sandbox-time';
import { sandboxTimeMs } from '@feedin/protocol/sandbox-time';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { readJsonFile, writeJsonFileAtomic } from './data-dir.js';

export function newSandboxStartMs(config: SandboxConfig, wallNowMs: number): number {
  const offsetMs = config.sandbox.utcOffsetMinutes * 60_000;
  const [hours, minutes] = config.simulation.clock.startLocalTime.split(':').map(Number) as [number, number];
  const localMidnightMs = Math.floor((wallNowMs + offsetMs) / 86_400_000) * 86_400_000;
  return localMidnightMs + (hours * 60 + minutes) * 60_000 - offsetMs;
}

/** Loads the anchor, or makes (and durably records) a new one. A changed speed re-anchors at
 * the current sandbox time, so the sandbox clock never jumps backwards. */
export async function loadClockAnchor(path: string, config: SandboxConfig, wallNowMs: number): Promise<{ anchor: ClockAnchor; fresh: boolean }> {
  const speed = config.simulation.clock.speed;
  const saved = await readJsonFile<ClockAnchor>(path);
  if (saved && saved.speed === speed) return { anchor: saved, fresh: false };
  const anchor: ClockAnchor = saved
    ? { wallMs: wallNowMs, sandboxMs: sandboxTimeMs(saved, wallNowMs), speed }
    : { wallMs: wallNowMs, sandboxMs: newSandboxStartMs(config, wallNowMs), speed };
  await writeJsonFileAtomic(path, anchor);
  return { anchor, fresh: !saved };
}
