// Shared fixture of the settlement tests: a small sandbox config, a controllable clock, a
// directory of meters and readings appended to a real (SQLite in-memory) reading store.
import { checksumAddress } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import type { Clock } from '@feedin/protocol/sandbox-time';
import { sandboxConfigSchema, type SandboxConfig, type SandboxConfigInput } from '@feedin/sandbox-config/schema';
import { createDirectory, type DirectoryMeter } from '../../src/registry/meter-directory.js';
import type { ReadingStore } from '../../src/store/reading-store.js';

export const T0 = Date.UTC(2026, 10, 22, 3, 0, 0); // 10:00 in Ho Chi Minh City (UTC+7)
export const MIN = 60_000;
export const payee = (n: number): Hex => checksumAddress('0x' + n.toString(16).padStart(40, '0'));

export function testConfig(over: Partial<SandboxConfigInput> = {}): SandboxConfig {
  return sandboxConfigSchema.parse({
    sandbox: { id: 'test', name: 'Test', timeZone: 'Asia/Ho_Chi_Minh', utcOffsetMinutes: 420, start: '2026-11-01T00:00:00+07:00', end: '2027-11-01T00:00:00+07:00' },
    interval: { minutes: 15, graceSeconds: 60 },
    tariffs: [
      {
        id: 'flat',
        periods: [
          { validFrom: '2026-01-01T00:00:00+07:00', validTo: '2026-11-22T10:30:00+07:00', pricePerKWh: 2000 },
          { validFrom: '2026-11-22T10:30:00+07:00', pricePerKWh: 3000 },
        ],
      },
    ],
    participants: {
      regulator: { name: 'Regulator' },
      operator: { name: 'Operator' },
      households: [
        { id: 'h1', name: 'One', payee: payee(1) },
        { id: 'h2', name: 'Two', payee: payee(2) },
      ],
    },
    meters: [
      { id: 'm1', household: 'h1', capacityW: 5000, tariff: 'flat' },
      { id: 'm2', household: 'h2', capacityW: 5000, tariff: 'flat' },
      { id: 'm3', household: 'h2', capacityW: 5000, tariff: 'flat' },
    ],
    chain: {
      keys: {
        deployer: { sandboxTestValue: '0x01' },
        gateway: { sandboxTestValue: '0x02' },
        regulator: { sandboxTestValue: '0x03' },
        operator: { sandboxTestValue: '0x04' },
      },
    },
    simulation: { location: { latitude: 10.8, longitude: 106.7 } },
    ...over,
  });
}

export function testDirectory(meters: string[] = ['m1', 'm2', 'm3']) {
  const directory = createDirectory();
  meters.forEach((meterId, i) => directory.upsert(directoryMeter(meterId, payee(i === 0 ? 1 : 2))));
  return directory;
}

export function directoryMeter(meterId: string, to: Hex): DirectoryMeter {
  return { meterId, publicKey: { curve: 'secp256k1', point: new Uint8Array(33).fill(2) }, payee: to, capacityW: 5_000, active: true, suspendedFromMs: null };
}

export class TestClock implements Clock {
  readonly speed = 60;
  constructor(
    public sandboxMs: number,
    public wallMs = 1_000_000,
  ) {}
  nowMs(): number {
    return this.sandboxMs;
  }
  wallNowMs(): number {
    return this.wallMs;
  }
}

const paginationsOf = new WeakMap<ReadingStore, Map<string, number>>();

/** Appends an accepted reading of `meterId` with export register `exportWh` taken at `timestampMs`. */
export async function addReading(store: ReadingStore, meterId: string, exportWh: number, timestampMs: number): Promise<number> {
  const paginations = paginationsOf.get(store) ?? new Map<string, number>();
  paginationsOf.set(store, paginations);
  const pagination = (paginations.get(meterId) ?? 0) + 1;
  paginations.set(meterId, pagination);
  const payload = JSON.stringify({ MS: meterId, PG: `F${pagination}`, RV: exportWh, TM: timestampMs });
  const digest = `0x${Buffer.from(`${meterId}/${pagination}`).toString('hex').padEnd(64, '0')}` as Hex;
  const [seq] = await store.append([
    {
      kind: 'accepted',
      reading: {
        meterId,
        pagination,
        importWh: 0n,
        exportWh: BigInt(exportWh),
        timestampMs,
        receivedAtMs: timestampMs,
        payloadDigest: digest,
        ocmf: `OCMF|${payload}|{"SA":"ECDSA-secp256k1-SHA256","SD":"00"}`,
        source: 'mqtt',
      },
    },
  ]);
  return seq!;
}
