// The gateway's view of the meter registry: who may connect and which key signs their readings.
// The source of truth is the on-chain MeterRegistry; the composition root syncs it into a
// mutable directory (`createDirectory`). Lookups are synchronous because the broker's
// authenticate hook and every ingested frame consult it.
import type { Hex } from '@feedin/protocol/hex';
import type { PublicKey } from '@feedin/protocol/public-key';
import { isMeterId } from '@feedin/protocol/meter-id';
import { singleKeyHistory, type KeyPeriod } from '@feedin/protocol/key-history';

export interface DirectoryMeter {
  meterId: string;
  publicKey: PublicKey;
  payee: Hex;
  capacityW: number;
  /** false once deregistered: nothing from this meter is accepted any more */
  active: boolean;
  /** sandbox time from which the meter is suspended: readings with TM ≥ this are refused,
   * and the broker refuses its connections; null when not suspended */
  suspendedFromMs: number | null;
  /** key history, oldest first (rotation, revocation: @feedin/protocol/key-history); absent =
   * `publicKey` only. `publicKey` is the key in force when the registry was read. */
  keys?: readonly KeyPeriod[];
  /** the household's shard history, oldest first (docs/design.md "Shards"): readings with TM in
   * [validFromMs, next entry's) belong to `shard`; absent = shard 0 at every time */
  shards?: readonly ShardPeriod[];
}

/** One entry of a meter's (its household's) shard history; the first has validFromMs 0. */
export interface ShardPeriod {
  shard: number;
  validFromMs: number;
}

export interface MeterDirectory {
  get(meterId: string): DirectoryMeter | undefined;
  all(): DirectoryMeter[];
}

export interface MutableMeterDirectory extends MeterDirectory {
  /** Adds or replaces a meter (registration, key rotation, payee change). */
  upsert(meter: DirectoryMeter): void;
  /** Suspends a known meter from `fromMs` (sandbox time); null lifts the suspension. Throws for
   * an unknown meter id (misuse: the registry sync only suspends meters it registered). */
  suspend(meterId: string, fromMs: number | null): void;
}


/** A fixed directory, mostly for tests. */
export function createStaticDirectory(meters: readonly DirectoryMeter[]): MeterDirectory {
  const directory = createDirectory();
  for (const m of meters) directory.upsert(m);
  return { get: directory.get, all: directory.all };
}

export function createDirectory(): MutableMeterDirectory {
  // A Map, not an object: meter ids come from the wire and must not hit prototype keys.
  const meters = new Map<string, DirectoryMeter>();
  return {
    get: (meterId) => meters.get(meterId),
    all: () => [...meters.values()],
    upsert(meter) {
      if (!isMeterId(meter.meterId)) throw new TypeError(`directory: invalid meter id ${JSON.stringify(meter.meterId)}`);
      if (!Number.isSafeInteger(meter.capacityW) || meter.capacityW <= 0)
        throw new RangeError(`directory: capacityW of ${meter.meterId} must be a positive integer, got ${meter.capacityW}`);
      meters.set(meter.meterId, Object.freeze({ ...meter }));
    },
    suspend(meterId, fromMs) {
      const meter = meters.get(meterId);
      if (!meter) throw new RangeError(`directory: unknown meter ${JSON.stringify(meterId)}`);
      meters.set(meterId, Object.freeze({ ...meter, suspendedFromMs: fromMs }));
    },
  };
}

/** Whether the meter may deliver a reading taken at `atMs` (sandbox time). */
export function meterAdmits(meter: DirectoryMeter, atMs: number): { ok: true } | { ok: false; detail: string } {
  if (!meter.active) return { ok: false, detail: `meter ${meter.meterId} is not active in the registry` };
  if (meter.suspendedFromMs !== null && atMs >= meter.suspendedFromMs)
    return { ok: false, detail: `meter ${meter.meterId} is suspended from ${new Date(meter.suspendedFromMs).toISOString()}` };
  return { ok: true };
}

/** The meter's key history for the key-history rule (@feedin/protocol/key-history keyAt/loginKeys). */
export function meterKeyHistory(meter: DirectoryMeter): readonly KeyPeriod[] {
  return meter.keys && meter.keys.length > 0 ? meter.keys : singleKeyHistory(meter.publicKey);
}

/** The shard the meter's readings taken at `atMs` (sandbox time) belong to. */
export function meterShardAt(meter: DirectoryMeter, atMs: number): number {
  let shard = 0;
  for (const p of meter.shards ?? []) if (p.validFromMs <= atMs) shard = p.shard;
  return shard;
}

/** Whether a gateway settling `shard` takes the meter's readings taken at `atMs` (absent shard:
 * every meter, for tests and tools that are not a gateway). */
export function shardAdmits(meter: DirectoryMeter, shard: number | undefined, atMs: number): { ok: true } | { ok: false; detail: string } {
  if (shard === undefined) return { ok: true };
  const assigned = meterShardAt(meter, atMs);
  if (assigned === shard) return { ok: true };
  return { ok: false, detail: `meter ${meter.meterId} is assigned to shard ${assigned} at ${new Date(atMs).toISOString()}, not to this gateway's shard ${shard}: connect it to shard ${assigned}'s gateway` };
}
