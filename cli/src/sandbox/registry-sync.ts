// Keeps the gateway's meter directory equal to the on-chain MeterRegistry: a full read at start,
// then the registry's events. The directory answers synchronously (broker hooks need that);
// the chain stays the source of truth.
import type { ChainClient } from '@feedin/contracts/chain-client';
import type { RegisteredMeter, RegisteredMeterKey } from '@feedin/contracts/chain-types';
import { decodePublicKey } from '@feedin/protocol/public-key';
import { bytesToHex } from '@feedin/protocol/hex';
import { keyPeriodFromSeconds } from '@feedin/protocol/key-history';
import type { MutableMeterDirectory } from '@feedin/gateway/registry/meter-directory';

export function toDirectory(meter: RegisteredMeter, history: RegisteredMeterKey[] | undefined, log: (line: string) => void = () => {}) {
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
  };
}

/** One full read of the on-chain registry into `directory`: every meter with its key history
 * (rotations and revocations), as the gateway's ingest sees it. */
export async function readRegistryInto(chain: ChainClient, directory: MutableMeterDirectory, log: (line: string) => void): Promise<void> {
  const meters = await chain.meters();
  // Concurrent calls: ethers sends them as one JSON-RPC batch.
  const histories = await Promise.all(meters.map((m) => chain.meterKeys(m.meterId)));
  for (const [i, meter] of meters.entries()) {
    const entry = toDirectory(meter, histories[i], log);
    if (entry) directory.upsert(entry);
    else log(`registry: meter ${meter.meterId} has an unusable key; ignored`);
  }
}

export async function syncRegistry(opts: {
  chain: ChainClient;
  directory: MutableMeterDirectory;
  pollMs?: number;
  log: (line: string) => void;
}): Promise<{ stop(): void; refresh(): Promise<void> }> {
  const { chain, directory, log } = opts;
  const refresh = () => readRegistryInto(chain, directory, log);
  await refresh();
  // A full re-read catches registrations, suspensions and key changes alike. It is cheap for a
  // sandbox-sized registry; a large one would follow the registry's events instead.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    if (stopped) return;
    try {
      await refresh();
    } catch (error) {
      log(`registry: sync failed: ${(error as Error).message}`);
    }
    if (!stopped) timer = setTimeout(poll, opts.pollMs ?? 1000);
  };
  timer = setTimeout(poll, opts.pollMs ?? 1000);
  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
