// The per-meter validation state: the last accepted reading, kept in memory and rebuilt from the
// store's newest reading per meter at start-up.
import type { Hex } from '@feedin/protocol/hex';
import type { ReadingStore, StoredReading } from '../store/reading-store.js';

export interface LastAccepted {
  pagination: number;
  importWh: bigint;
  exportWh: bigint;
  timestampMs: number;
  payloadDigest: Hex;
}

export function lastAcceptedOf(r: Pick<StoredReading, keyof LastAccepted>): LastAccepted {
  return { pagination: r.pagination, importWh: r.importWh, exportWh: r.exportWh, timestampMs: r.timestampMs, payloadDigest: r.payloadDigest };
}

export async function loadValidationState(store: ReadingStore): Promise<Map<string, LastAccepted>> {
  const latest = await store.latestPerMeter();
  return new Map([...latest].map(([meterId, r]) => [meterId, lastAcceptedOf(r)]));
}
