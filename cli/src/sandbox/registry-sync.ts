// Keeps the gateway's meter directory equal to the on-chain MeterRegistry (docs/design.md
// "Registry sync"): one paged full read at start, then the registry's events (each touched meter
// re-read), with a slow full re-read as the safety net for a missed event. The directory answers
// synchronously (broker hooks need that); the chain stays the source of truth.
//
// RPC budget (issue #13.4): the steady state is one eth_blockNumber and one eth_getLogs per
// `eventPollMs`, plus the safety net's pages (one eth_call per 200 meters) every `fullReadEveryMs`
// and the key histories of the meters whose page entry changed, plus a rolling slice of
// `keySliceSize` key histories so that a missed revocation (invisible in a page) is found within
// count ÷ keySliceSize safety-net passes. At 100,000 meters and the defaults that is well under
// one call per second (measured by `feedin bench`, row "registry RPC calls per minute").
import type { ChainClient } from '@feedin/contracts/chain-client';
import type { RegisteredMeter, RegisteredMeterKey, ShardAssignment } from '@feedin/contracts/chain-types';
import { decodePublicKey } from '@feedin/protocol/public-key';
import { bytesToHex } from '@feedin/protocol/hex';
import { keyPeriodFromSeconds } from '@feedin/protocol/key-history';
import type { DirectoryMeter, MutableMeterDirectory } from '@feedin/gateway/registry/meter-directory';

/** The registry reads the sync needs (a ChainClient has them all). */
export type RegistryReads = Pick<ChainClient, 'blockNumber' | 'meter' | 'meters' | 'meterKeys' | 'meterShards' | 'events'>;

export interface RegistrySyncOptions {
  /** how often the registry's events are polled; default 5 000 (2 calls per poll) */
  eventPollMs?: number;
  /** how often the safety-net full re-read runs; default 3 600 000 (1 h) */
  fullReadEveryMs?: number;
  /** key histories read at once during a full read; default 16 */
  concurrency?: number;
  /** key histories re-read per safety-net pass besides the changed meters; default 100 */
  keySliceSize?: number;
}

export function toDirectory(
  meter: RegisteredMeter,
  history: RegisteredMeterKey[] | undefined,
  log: (line: string) => void = () => {},
  shards?: readonly ShardAssignment[],
): DirectoryMeter | undefined {
  const key = decodePublicKey(bytesToHex(meter.publicKey), 'secp256k1');
  if (!key.ok) return undefined;
  // Key rotation/revocation: every key with its effective times (sandbox ms). A key that is not a
  // point on the curve (the registry checks only its length and prefix) keeps its period, revoked
  // from its start: dropping it would stretch the key before it over readings it never covered.
  const keys = (history ?? []).map((k) => {
    const decoded = decodePublicKey(bytesToHex(k.publicKey), 'secp256k1');
    if (decoded.ok) return keyPeriodFromSeconds(decoded.value, k.validFromSec, k.revokedFromSec);
    log(`registry: meter ${meter.meterId}: the key from ${new Date(k.validFromSec * 1000).toISOString()} is unusable (${decoded.detail}); nothing it signs is accepted`);
    return { ...keyPeriodFromSeconds({ curve: 'secp256k1' as const, point: k.publicKey }, k.validFromSec, null), revokedFromMs: k.validFromSec * 1000 };
  });
  return {
    keys,
    meterId: meter.meterId,
    publicKey: key.value,
    payee: meter.payee,
    capacityW: meter.capacityW,
    active: meter.active,
    suspendedFromMs: meter.suspendedFromSec === null ? null : meter.suspendedFromSec * 1000,
    // The household's shard history (docs/design.md "Shards"); without it, the shard in force now.
    shards: shards && shards.length > 0 ? shards.map((a) => ({ shard: a.shard, validFromMs: a.validFromSec * 1000 })) : [{ shard: meter.shard ?? 0, validFromMs: 0 }],
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function upsertInto(directory: MutableMeterDirectory, meter: RegisteredMeter, history: RegisteredMeterKey[] | undefined, log: (line: string) => void, shards?: readonly ShardAssignment[]): void {
  const entry = toDirectory(meter, history, log, shards);
  if (entry) directory.upsert(entry);
  else log(`registry: meter ${meter.meterId} has an unusable key; ignored`);
}

/** Whether a page entry differs from what the directory holds (then its key history is re-read). */
function pageChanged(known: DirectoryMeter | undefined, meter: RegisteredMeter): boolean {
  if (!known) return true;
  const inForce = known.publicKey.point;
  return (
    bytesToHex(inForce) !== bytesToHex(meter.publicKey) ||
    known.payee !== meter.payee ||
    known.capacityW !== meter.capacityW ||
    (known.shards?.at(-1)?.shard ?? 0) !== meter.shard ||
    known.suspendedFromMs !== (meter.suspendedFromSec === null ? null : meter.suspendedFromSec * 1000)
  );
}

/** One full read of the on-chain registry into `directory`: every meter (paged) with its key
 * history (rotations and revocations, at most `concurrency` reads in flight), as ingest sees it. */
export async function readRegistryInto(chain: RegistryReads, directory: MutableMeterDirectory, log: (line: string) => void, concurrency = 16): Promise<void> {
  const meters = await chain.meters();
  const histories = await mapBounded(meters, concurrency, (m) => chain.meterKeys(m.meterId));
  const shards = await householdShards(chain, meters, concurrency);
  for (const [i, meter] of meters.entries()) upsertInto(directory, meter, histories[i], log, shards.get(meter.payee));
}

/** Shard histories by household (payee): one read per household, its meters share it. */
async function householdShards(chain: RegistryReads, meters: readonly RegisteredMeter[], concurrency: number): Promise<Map<string, ShardAssignment[] | undefined>> {
  const firstOf = new Map<string, string>();
  for (const m of meters) if (!firstOf.has(m.payee)) firstOf.set(m.payee, m.meterId);
  const payees = [...firstOf.keys()];
  const lists = await mapBounded(payees, concurrency, (p) => chain.meterShards(firstOf.get(p)!));
  return new Map(payees.map((p, i) => [p, lists[i]]));
}

/** Re-reads one meter (after one of its registry events). */
async function refreshMeter(chain: RegistryReads, directory: MutableMeterDirectory, meterId: string, log: (line: string) => void): Promise<void> {
  const [meter, history, shards] = await Promise.all([chain.meter(meterId), chain.meterKeys(meterId), chain.meterShards(meterId)]);
  if (meter) upsertInto(directory, meter, history, log, shards);
}

export interface RegistrySync {
  stop(): void;
  /** a full read now (tests, `feedin` commands after a registry change) */
  refresh(): Promise<void>;
  /** resolves once the events up to the chain's current head are applied */
  caughtUp(): Promise<void>;
  /** one safety-net pass now (the bench counts its calls) */
  recheck(): Promise<void>;
}

export async function syncRegistry(opts: {
  chain: RegistryReads;
  directory: MutableMeterDirectory;
  log: (line: string) => void;
} & RegistrySyncOptions): Promise<RegistrySync> {
  const { chain, directory, log } = opts;
  const eventPollMs = opts.eventPollMs ?? 5_000;
  const fullReadEveryMs = opts.fullReadEveryMs ?? 3_600_000;
  const concurrency = opts.concurrency ?? 16;
  const keySliceSize = opts.keySliceSize ?? 100;

  // Events from the block after the one the full read starts at: the full read sees that block's
  // changes (it reads at it or later), and a later change is both read and applied again, which is
  // harmless (each event re-reads the meter's current state). Not from that block itself: at a
  // large registry it may hold a registerMeters of hundreds, re-read one by one (bench-measured).
  let nextBlock = (await chain.blockNumber()) + 1;
  await readRegistryInto(chain, directory, log, concurrency);

  let stopped = false;
  let sliceStart = 0;
  const safetyNet = async () => {
    const meters = await chain.meters();
    const due = new Set<string>();
    for (const m of meters) if (pageChanged(directory.get(m.meterId), m)) due.add(m.meterId);
    for (let i = 0; i < Math.min(keySliceSize, meters.length); i++) due.add(meters[(sliceStart + i) % meters.length]!.meterId);
    sliceStart = meters.length === 0 ? 0 : (sliceStart + keySliceSize) % meters.length;
    const byId = new Map(meters.map((m) => [m.meterId, m]));
    const ids = [...due];
    const histories = await mapBounded(ids, concurrency, (id) => chain.meterKeys(id));
    const shards = await householdShards(chain, ids.map((id) => byId.get(id)!), concurrency);
    ids.forEach((id, i) => upsertInto(directory, byId.get(id)!, histories[i], log, shards.get(byId.get(id)!.payee)));
  };

  const pollEvents = async () => {
    const head = await chain.blockNumber();
    if (head < nextBlock) return;
    const events = await chain.events(nextBlock, head);
    const touched = new Set<string>();
    for (const e of events) {
      if (e.contract !== 'registry') continue;
      // A shard assignment moves the whole household: every meter of that payee is re-read.
      if (e.name === 'ShardAssigned' || e.name === 'ShardAssignmentCancelled') for (const m of directory.all()) if (m.payee === e.args.payee) touched.add(m.meterId);
      if ('meterId' in e.args) touched.add(e.args.meterId);
    }
    for (const meterId of touched) await refreshMeter(chain, directory, meterId, log);
    nextBlock = head + 1;
  };

  let polling: Promise<void> = Promise.resolve();
  let eventTimer: NodeJS.Timeout | undefined;
  let fullTimer: NodeJS.Timeout | undefined;
  const loopEvents = () => {
    if (stopped) return;
    polling = pollEvents().catch((error: Error) => log(`registry: following events failed (retrying): ${error.message}`));
    void polling.then(() => {
      if (!stopped) eventTimer = setTimeout(loopEvents, eventPollMs);
    });
  };
  const loopFull = () => {
    if (stopped) return;
    void safetyNet()
      .catch((error: Error) => log(`registry: safety-net re-read failed: ${error.message}`))
      .then(() => {
        if (!stopped) fullTimer = setTimeout(loopFull, fullReadEveryMs);
      });
  };
  eventTimer = setTimeout(loopEvents, eventPollMs);
  fullTimer = setTimeout(loopFull, fullReadEveryMs);

  return {
    refresh: () => readRegistryInto(chain, directory, log, concurrency),
    recheck: safetyNet,
    async caughtUp() {
      await polling;
      await pollEvents();
    },
    stop() {
      stopped = true;
      clearTimeout(eventTimer);
      clearTimeout(fullTimer);
    },
  };
}
