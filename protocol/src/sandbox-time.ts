// The sandbox clock: wall-clock time at `speed`, continuing from an anchor that the process
// keeps durably, so intervals and batches keep their order across restarts.
export interface ClockAnchor {
  wallMs: number;
  sandboxMs: number;
  speed: number;
}

/** A clock as components see it; implementations live in processes (this module has no clock). */
export interface Clock {
  /** sandbox time, ms since the epoch */
  nowMs(): number;
  /** wall-clock time, ms since the epoch (JWT iat/exp are always wall-clock) */
  wallNowMs(): number;
  readonly speed: number;
}

export function sandboxTimeMs(anchor: ClockAnchor, wallNowMs: number): number {
  return anchor.sandboxMs + Math.floor((wallNowMs - anchor.wallMs) * anchor.speed);
}

export function wallTimeMsForSandbox(anchor: ClockAnchor, sandboxMs: number): number {
  return anchor.wallMs + Math.ceil((sandboxMs - anchor.sandboxMs) / anchor.speed);
}
