// Which of a meter's keys signs a reading taken at a given sandbox time (key rotation and
// revocation, issue 4): keys follow each other in time, each from its `validFromMs` until the
// next one's; a revoked key signs nothing from its `revokedFromMs`. A late reading taken before a
// rotation is still checked with the key that was valid when it was taken.
import type { PublicKey } from '@feedin/protocol/public-key';
import type { DirectoryMeter } from './meter-directory.js';

export interface DirectoryKey {
  publicKey: PublicKey;
  /** sandbox ms from which this key signs (0 for the registration key) */
  validFromMs: number;
  /** sandbox ms from which this key signs nothing; null when not revoked */
  revokedFromMs: number | null;
}

export type KeyAtResult = { ok: true; publicKey: PublicKey } | { ok: false; reason: 'key-revoked'; detail: string };

/** The key for a reading taken at `atMs`; a meter without a key history has one key, forever. */
export function keyAt(meter: DirectoryMeter, atMs: number): KeyAtResult {
  const keys = meter.keys;
  if (!keys || keys.length === 0) return { ok: true, publicKey: meter.publicKey };
  // Keys are oldest first; the last one that took effect at or before the reading signs it.
  let key = keys[0]!;
  for (const k of keys) if (k.validFromMs <= atMs) key = k;
  if (key.revokedFromMs !== null && atMs >= key.revokedFromMs)
    return { ok: false, reason: 'key-revoked', detail: `the key of meter ${meter.meterId} valid at ${new Date(atMs).toISOString()} is revoked from ${new Date(key.revokedFromMs).toISOString()}` };
  return { ok: true, publicKey: key.publicKey };
}

/** Keys a device may log in with at sandbox time `atMs`: the one valid then and any later one
 * (a device that already switched to a rotated key), none that is revoked at `atMs`. */
export function loginKeys(meter: DirectoryMeter, atMs: number): PublicKey[] {
  const keys = meter.keys;
  if (!keys || keys.length === 0) return [meter.publicKey];
  const current = keyAt(meter, atMs);
  const later = keys.filter((k) => k.validFromMs > atMs && (k.revokedFromMs === null || k.revokedFromMs > atMs)).map((k) => k.publicKey);
  return [...(current.ok ? [current.publicKey] : []), ...later];
}
