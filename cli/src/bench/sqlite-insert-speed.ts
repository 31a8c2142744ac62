// The store's share of the floor (issue 16): the CPU one accepted reading costs in the real
// embedded store (WAL, synchronous = FULL, group commit), measured in the bench's own run. The
// appends of a group are submitted in one event-loop turn, as the gateway's are under load, so
// they share one transaction and one fsync.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '@feedin/gateway/store/sqlite-store';
import type { Hex } from '@feedin/protocol/hex';
import { buildOcmfPayload } from '@feedin/protocol/ocmf-build';

export interface SqliteInsertSpeed {
  readings: number;
  groupSize: number;
  /** user + system CPU of this process per reading, µs */
  cpuPerReadingUs: number;
  wallPerReadingUs: number;
}

export async function measureSqliteInsert(o: { readings: number; groupSize: number }): Promise<SqliteInsertSpeed> {
  const dir = await mkdtemp(join(tmpdir(), 'feedin-bench-sqlite-'));
  const store = openSqliteStore(join(dir, 'readings.sqlite'));
  try {
    // an OCMF text of the size the meters send (the signature's bytes do not matter to the store)
    const ocmf = `OCMF|${buildOcmfPayload({ meterId: 'bench-000000', pagination: 1, importWh: 1000n, exportWh: 5000n, timestampMs: Date.now(), utcOffsetMinutes: 420 })}|{"SA":"ECDSA-secp256k1-SHA256","SD":"${'30'.repeat(71)}"}`;
    const digest = `0x${'ab'.repeat(32)}` as Hex;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let done = 0; done < o.readings; done += o.groupSize) {
      const n = Math.min(o.groupSize, o.readings - done);
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.append([
            {
              kind: 'accepted',
              reading: { meterId: `bench-${String((done + i) % 10_000).padStart(6, '0')}`, pagination: done + i + 1, importWh: 1000n, exportWh: 5000n, timestampMs: Date.now(), receivedAtMs: Date.now(), payloadDigest: digest, ocmf, source: 'mqtt' },
            },
          ]),
        ),
      );
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return { readings: o.readings, groupSize: o.groupSize, cpuPerReadingUs: (cpu.user + cpu.system) / o.readings, wallPerReadingUs: (wallMs * 1000) / o.readings };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
