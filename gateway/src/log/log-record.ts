// The one wire format of the replicated log (docs/durability.md "Record format"): one JetStream
// message per record, JSON, version 1. A record carries what the gateway judged — every frame's
// original text with its verdict (accepted, rejected + reason, gap) in the groups that one
// append held — or the fact that a settlement batch was built (its id, interval and watermark:
// the batch itself is rebuilt from the readings by the same function the audit uses).
// Energy registers are decimal strings: integers of any size, never floats.
import type { StoreEntry } from '../store/reading-store.js';

export type LogRecord =
  | { kind: 'entries'; groups: StoreEntry[][] }
  | { kind: 'batch'; batchId: bigint; intervalStartMs: number; watermark: number; builtAtMs: number };

const VERSION = 1;

export function encodeLogRecord(record: LogRecord): Uint8Array {
  const json = JSON.stringify({ v: VERSION, ...record }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  return new TextEncoder().encode(json);
}

export function decodeLogRecord(bytes: Uint8Array): LogRecord {
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as { v: unknown; kind: unknown } & Record<string, unknown>;
  if (raw.v !== VERSION) throw new Error(`log record: version ${JSON.stringify(raw.v)} is not ${VERSION}; upgrade feedin`);
  if (raw.kind === 'batch') {
    return {
      kind: 'batch',
      batchId: BigInt(raw['batchId'] as string),
      intervalStartMs: raw['intervalStartMs'] as number,
      watermark: raw['watermark'] as number,
      builtAtMs: raw['builtAtMs'] as number,
    };
  }
  if (raw.kind !== 'entries') throw new Error(`log record: unknown kind ${JSON.stringify(raw.kind)}`);
  const groups = (raw['groups'] as StoreEntry[][]).map((group) =>
    group.map((entry): StoreEntry => {
      if (entry.kind !== 'accepted') return entry;
      const r = entry.reading as unknown as Record<string, unknown>;
      return { kind: 'accepted', reading: { ...entry.reading, importWh: BigInt(r['importWh'] as string), exportWh: BigInt(r['exportWh'] as string) } };
    }),
  );
  return { kind: 'entries', groups };
}
