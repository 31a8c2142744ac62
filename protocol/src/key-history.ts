// The key-history rule (docs/governance.md "Meter key lifecycle"; MeterRegistry.meterKeys): which
// of a meter's keys signs a reading taken at a given sandbox time. Login, ingest, settlement and
// every audit (CLI, browser, meter) ask this one function, so they cannot disagree.
// Keys follow each other in time, oldest first: each signs from its `validFromMs` until the next
// one's; a revoked key signs nothing from its `revokedFromMs`. A late reading taken before a
// rotation is still checked with the key that was valid when it was taken. Pure: no clock.
import type { PublicKey } from './public-key.js';

export interface KeyPeriod {
  publicKey: PublicKey;
  /** sandbox ms from which this key signs (0 for the registration key) */
  validFromMs: number;
  /** sandbox ms from which this key signs nothing; null when not revoked */
  revokedFromMs: number | null;
}

export type KeyAtResult =
  | { ok: true; key: KeyPeriod }
  | { ok: false; reason: 'key-revoked'; key: KeyPeriod; detail: string }
  | { ok: false; reason: 'no-key'; detail: string };

/** The key that signs a reading taken at `atMs` (sandbox ms), or why there is none. */
export function keyAt(keys: readonly KeyPeriod[], atMs: number): KeyAtResult {
  let key: KeyPeriod | undefined;
  // Oldest first: the last key that took effect at or before the reading signs it.
  for (const k of keys) {
    if (k.validFromMs > atMs) break;
    key = k;
  }
  if (!key) return { ok: false, reason: 'no-key', detail: `no key is valid at ${iso(atMs)}` };
  if (key.revokedFromMs !== null && atMs >= key.revokedFromMs)
    return { ok: false, reason: 'key-revoked', key, detail: `the key valid at ${iso(atMs)} (from ${iso(key.validFromMs)}) is revoked from ${iso(key.revokedFromMs)}` };
  return { ok: true, key };
}

/** Keys a device may log in with at `atMs`: the one valid then and any later one (a device that
 * already switched to a scheduled key), none that is revoked at `atMs`. Valid-now key first. */
export function loginKeys(keys: readonly KeyPeriod[], atMs: number): PublicKey[] {
  const current = keyAt(keys, atMs);
  const later = keys.filter((k) => k.validFromMs > atMs && (k.revokedFromMs === null || k.revokedFromMs > atMs));
  return [...(current.ok ? [current.key] : []), ...later].map((k) => k.publicKey);
}

/** A history of one key that never changes (a meter known without its history). */
export function singleKeyHistory(publicKey: PublicKey): KeyPeriod[] {
  return [{ publicKey, validFromMs: 0, revokedFromMs: null }];
}

/** The registry's form (unix seconds, revokedFrom 0 = not revoked) in sandbox ms. */
export function keyPeriodFromSeconds(publicKey: PublicKey, validFromSec: number, revokedFromSec: number | null): KeyPeriod {
  return { publicKey, validFromMs: validFromSec * 1000, revokedFromMs: revokedFromSec === null || revokedFromSec === 0 ? null : revokedFromSec * 1000 };
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
