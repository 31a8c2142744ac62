// Which gateway process is the active one of a shard (docs/durability.md "Lease"): a key in a
// replicated JetStream key-value bucket. nats-server 2.9 has no per-key TTL, so the value says
// who holds it and until when; every write is revision-checked (create, or update at the
// revision read), so two processes can never both win the same lease, and the revision a holder
// wrote is its fencing token. Renewal retries within the lease period (a raft re-election of the
// bucket can take seconds); the holder fences itself — stops acknowledging — only once its own
// expiry passes without a renewal, and a standby takes over only after that expiry plus a margin
// for clock skew between the machines.
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

export const LEASE_BUCKET = 'feedin_leases';

export interface ShardLeaseParameters {
  connection: NatsConnection;
  shard: string;
  /** this process, as shown in health and in the lease value */
  holder: string;
  /** how long one renewal holds the lease */
  ttlMs?: number;
  /** how often the holder renews (well under ttlMs, so several tries fit in one period) */
  renewEveryMs?: number;
  /** how often a standby looks at the lease */
  pollEveryMs?: number;
  /** a standby waits this long past the holder's expiry (clock skew between machines) */
  skewMarginMs?: number;
  replicas?: number;
  log?: (line: string) => void;
}

export interface LeaseValue {
  holder: string;
  expiresAtMs: number;
}

export interface LeaseStatus {
  role: 'active' | 'standby';
  holder: string | null;
  /** the holder's expiry as written in the lease */
  expiresAtMs: number | null;
  /** the KV revision of our lease (the fencing token), null when not held */
  revision: number | null;
  lastRenewError: string | null;
}

export interface ShardLease {
  /** resolves once this process holds the lease (waits as standby while another holds it) */
  acquire(signal?: AbortSignal): Promise<void>;
  /** true while the lease is ours and not past expiry: only then may the gateway acknowledge */
  canAcknowledge(): boolean;
  /** called once each time the lease is lost (expired without renewal, or taken) */
  onLost(listener: (reason: string) => void): void;
  status(): LeaseStatus;
  /** stops renewing and, when held, releases the lease (revision-checked) so that a standby takes
   * over at once after a clean stop; after a crash the standby waits for the expiry instead */
  close(): Promise<void>;
}

export async function openShardLease(p: ShardLeaseParameters): Promise<ShardLease> {
  const ttlMs = p.ttlMs ?? 10_000;
  const renewEveryMs = p.renewEveryMs ?? Math.floor(ttlMs / 5);
  const pollEveryMs = p.pollEveryMs ?? 1_000;
  const skewMarginMs = p.skewMarginMs ?? 1_000;
  const key = `shard_${p.shard.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const kv = await openBucket(p.connection, p.replicas ?? 3);
  const lostListeners: Array<(reason: string) => void> = [];
  let held: { revision: number; expiresAtMs: number } | null = null;
  let seen: LeaseValue | null = null;
  let lastRenewError: string | null = null;
  let renewTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const encode = (value: LeaseValue) => new TextEncoder().encode(JSON.stringify(value));

  function lose(reason: string): void {
    if (!held) return;
    held = null;
    if (renewTimer) clearTimeout(renewTimer);
    renewTimer = null;
    p.log?.(`lease: shard ${p.shard} lost by ${p.holder}: ${reason}; not acknowledging`);
    for (const listener of lostListeners) listener(reason);
  }

  async function tryTake(): Promise<boolean> {
    const entry = await kv.get(key);
    const sentAtMs = Date.now();
    const value: LeaseValue = { holder: p.holder, expiresAtMs: sentAtMs + ttlMs };
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) {
      held = { revision: await kv.create(key, encode(value)), expiresAtMs: value.expiresAtMs };
      return true;
    }
    seen = JSON.parse(entry.string()) as LeaseValue;
    if (Date.now() <= seen.expiresAtMs + skewMarginMs) return false;
    // Revision-checked: if another standby took it first, this update fails and we keep waiting.
    held = { revision: await kv.update(key, encode(value), entry.revision), expiresAtMs: value.expiresAtMs };
    return true;
  }

  function scheduleRenew(): void {
    if (closed || !held) return;
    renewTimer = setTimeout(() => void renew(), renewEveryMs);
  }

  async function renew(): Promise<void> {
    renewTimer = null;
    if (closed || !held) return;
    if (Date.now() >= held.expiresAtMs) return lose(`not renewed before its expiry (${lastRenewError ?? 'no answer'})`);
    const sentAtMs = Date.now();
    const value: LeaseValue = { holder: p.holder, expiresAtMs: sentAtMs + ttlMs };
    try {
      // Each try is bounded by what is left of the lease, so a hung request cannot outlive it.
      const timeoutMs = Math.max(500, Math.min(renewEveryMs * 2, held.expiresAtMs - Date.now()));
      const revision = await kv.update(key, encode(value), held.revision, timeoutMs);
      if (!held) return;
      held = { revision, expiresAtMs: value.expiresAtMs };
      seen = value;
      lastRenewError = null;
      scheduleRenew();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/wrong last sequence/i.test(message)) return lose(`taken over by another gateway (${message})`);
      lastRenewError = message;
      if (!held) return;
      if (Date.now() >= held.expiresAtMs) return lose(`not renewed before its expiry (${message})`);
      // Retry soon, within the same lease period: a raft re-election is not a reason to fence.
      renewTimer = setTimeout(() => void renew(), Math.min(500, renewEveryMs));
    }
  }

  // A timer that fences at expiry even if a renewal request hangs.
  const expiryWatch = setInterval(() => {
    if (held && Date.now() >= held.expiresAtMs) lose(`not renewed before its expiry (${lastRenewError ?? 'no answer in time'})`);
  }, 200);
  expiryWatch.unref();

  return {
    async acquire(signal) {
      while (!closed && !signal?.aborted) {
        try {
          if (await tryTake()) {
            p.log?.(`lease: shard ${p.shard} held by ${p.holder} (revision ${held!.revision})`);
            scheduleRenew();
            return;
          }
        } catch (error) {
          // Lost a race for the key, or the cluster did not answer: look again.
          held = null;
          lastRenewError = error instanceof Error ? error.message : String(error);
        }
        await new Promise((r) => setTimeout(r, pollEveryMs));
      }
      throw new Error(`lease: stopped waiting for shard ${p.shard}`);
    },
    canAcknowledge: () => held !== null && Date.now() < held.expiresAtMs,
    onLost(listener) {
      lostListeners.push(listener);
    },
    status() {
      return {
        role: held ? 'active' : 'standby',
        holder: held ? p.holder : (seen?.holder ?? null),
        expiresAtMs: held ? held.expiresAtMs : (seen?.expiresAtMs ?? null),
        revision: held?.revision ?? null,
        lastRenewError,
      };
    },
    async close() {
      closed = true;
      clearInterval(expiryWatch);
      if (renewTimer) clearTimeout(renewTimer);
      const mine = held;
      held = null;
      if (mine) await kv.delete(key, { previousSeq: mine.revision }).catch(() => {});
    },
  };
}

async function openBucket(nc: NatsConnection, replicas: number): Promise<KV> {
  const kvm = new Kvm(nc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await kvm.create(LEASE_BUCKET, { replicas, history: 1 });
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`lease: cannot open the JetStream key-value bucket ${LEASE_BUCKET} (${(error as Error).message})`, { cause: error });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
