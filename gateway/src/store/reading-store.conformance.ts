// The one conformance suite every ReadingStore adapter passes (like aedes' abstract persistence
// tests): run it from the adapter's own test file with a factory that opens a FRESH store, and
// whose second call after close() reopens the SAME data (durability check).
import { afterEach, describe, expect, it } from 'vitest';
import type { Hex } from '@feedin/protocol/hex';
import type { NewReading, NewRejection, ReadingStore, StoreEntry } from './reading-store.js';

export interface ConformanceFactory {
  /** a fresh, empty store */
  open(): Promise<ReadingStore>;
  /** reopens the store last returned by open() after it was closed */
  reopen(): Promise<ReadingStore>;
}

const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);

export function sampleReading(meterId: string, pagination: number, over: Partial<NewReading> = {}): NewReading {
  return {
    meterId,
    pagination,
    importWh: 1_000n + BigInt(pagination),
    exportWh: 2_000n + BigInt(pagination) * 10n,
    timestampMs: T0 + pagination * 60_000,
    receivedAtMs: T0 + pagination * 60_000 + 150,
    payloadDigest: `0x${pagination.toString(16).padStart(64, '0')}` as Hex,
    ocmf: `OCMF|{"MS":"${meterId}","PG":"F${pagination}"}|{"SA":"ECDSA-secp256k1-SHA256","SD":"3006020101020101"}`,
    source: 'mqtt',
    ...over,
  };
}

export function sampleRejection(meterId: string | null, reason: string, over: Partial<NewRejection> = {}): NewRejection {
  return {
    meterId,
    pagination: null,
    reason,
    detail: `${reason} detail`,
    frame: 'OCMF|not json|{}',
    receivedAtMs: T0,
    source: 'mqtt',
    ...over,
  };
}

const accepted = (reading: NewReading): StoreEntry => ({ kind: 'accepted', reading });
const rejected = (rejection: NewRejection): StoreEntry => ({ kind: 'rejected', rejection });

export function describeReadingStoreConformance(name: string, factory: ConformanceFactory): void {
  describe(`ReadingStore conformance: ${name}`, () => {
    const opened: ReadingStore[] = [];
    const open = async () => {
      const s = await factory.open();
      opened.push(s);
      return s;
    };
    const reopen = async () => {
      const s = await factory.reopen();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('starts empty', async () => {
      const store = await open();
      expect(await store.highWaterSeq()).toBe(0);
      expect(await store.latestPerMeter()).toEqual(new Map());
      expect(await store.rejections()).toEqual([]);
      expect(await store.gaps()).toEqual([]);
      expect(await store.ping()).toBe(true);
    });

    it('assigns strictly increasing seqs across readings, rejections and gaps, from 1', async () => {
      const store = await open();
      const first = await store.append([accepted(sampleReading('m1', 1)), rejected(sampleRejection('m1', 'bad-signature'))]);
      const second = await store.append([
        { kind: 'gap', gap: { meterId: 'm1', expectedPagination: 2, receivedPagination: 4, receivedAtMs: T0 } },
        accepted(sampleReading('m1', 4)),
      ]);
      expect(first).toEqual([1, 2]);
      expect(second).toEqual([3, 4]);
      expect(await store.highWaterSeq()).toBe(4);
      expect(await store.append([])).toEqual([]);
    });

    it('keeps seqs monotonic and every entry under concurrent appends', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.append([accepted(sampleReading(`m${i % 7}`, Math.floor(i / 7) + 1))])),
      );
      const seqs = results.flat();
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const all = (await Promise.all(Array.from({ length: 7 }, (_, m) => store.readings(`m${m}`)))).flat();
      expect(all.length).toBe(200);
    });

    it('returns a stored reading exactly as appended, bigints and the OCMF string included', async () => {
      const store = await open();
      const huge = 2n ** 70n + 12345n; // beyond int64: must still round-trip exactly
      const reading = sampleReading('meter.A-1_x', 7, {
        importWh: huge,
        exportWh: 9_007_199_254_740_993n, // 2^53 + 1: not representable as a double
        ocmf: 'OCMF|{"MS":"meter.A-1_x","PG":"F7", "X":"ü€𝄞\\u0000"}|{"SA":"ECDSA-secp256k1-SHA256","SD":"00"}',
        source: 'serial',
      });
      const [seq] = await store.append([accepted(reading)]);
      expect(await store.byPagination('meter.A-1_x', 7)).toEqual({ seq, ...reading });
    });

    it('survives close and reopen', async () => {
      const store = await open();
      await store.append([accepted(sampleReading('m1', 1)), accepted(sampleReading('m1', 2))]);
      await store.append([rejected(sampleRejection(null, 'malformed'))]);
      await store.append([{ kind: 'gap', gap: { meterId: 'm1', expectedPagination: 3, receivedPagination: 5, receivedAtMs: T0 } }]);
      const closing = store.append([accepted(sampleReading('m2', 1))]);
      await store.close();
      opened.splice(opened.indexOf(store), 1);
      // an append submitted before close() is committed, not lost
      expect(await closing).toEqual([5]);

      const again = await reopen();
      expect(await again.highWaterSeq()).toBe(5);
      expect((await again.readings('m1')).map((r) => r.pagination)).toEqual([1, 2]);
      expect((await again.rejections()).map((r) => r.reason)).toEqual(['malformed']);
      expect(await again.gaps()).toEqual([{ seq: 4, meterId: 'm1', expectedPagination: 3, receivedPagination: 5, receivedAtMs: T0 }]);
      expect(await again.append([accepted(sampleReading('m2', 2))])).toEqual([6]);
    });

    it('finds readings by pagination', async () => {
      const store = await open();
      await store.append([accepted(sampleReading('m1', 1)), accepted(sampleReading('m2', 1)), accepted(sampleReading('m1', 2))]);
      expect((await store.byPagination('m1', 2))?.seq).toBe(3);
      expect((await store.byPagination('m2', 1))?.seq).toBe(2);
      expect(await store.byPagination('m2', 2)).toBeUndefined();
      expect(await store.byPagination('m3', 1)).toBeUndefined();
    });

    it('gives the newest accepted reading per meter', async () => {
      const store = await open();
      await store.append([accepted(sampleReading('m1', 1)), accepted(sampleReading('m2', 1))]);
      await store.append([accepted(sampleReading('m1', 2)), rejected(sampleRejection('m2', 'replay', { pagination: 1 }))]);
      const latest = await store.latestPerMeter();
      expect([...latest.keys()].sort()).toEqual(['m1', 'm2']);
      expect(latest.get('m1')).toEqual({ seq: 3, ...sampleReading('m1', 2) });
      expect(latest.get('m2')).toEqual({ seq: 2, ...sampleReading('m2', 1) });
    });

    it('answers latestAtOrBefore by timestamp (inclusive) under a seq watermark', async () => {
      const store = await open();
      const r1 = sampleReading('m1', 1);
      const r2 = sampleReading('m1', 2);
      const r3 = sampleReading('m1', 3);
      await store.append([accepted(r1), accepted(sampleReading('m2', 1)), accepted(r2)]); // seqs 1, 2, 3
      await store.append([accepted(r3)]); // seq 4
      expect((await store.latestAtOrBefore('m1', r2.timestampMs, 100))?.pagination).toBe(2);
      expect((await store.latestAtOrBefore('m1', r2.timestampMs - 1, 100))?.pagination).toBe(1);
      expect((await store.latestAtOrBefore('m1', r3.timestampMs + 3_600_000, 100))?.pagination).toBe(3);
      // a batch built at watermark 3 does not see the reading stored after it
      expect((await store.latestAtOrBefore('m1', r3.timestampMs + 3_600_000, 3))?.pagination).toBe(2);
      expect(await store.latestAtOrBefore('m1', r1.timestampMs - 1, 100)).toBeUndefined();
      expect(await store.latestAtOrBefore('m1', r3.timestampMs, 0)).toBeUndefined();
      expect(await store.latestAtOrBefore('nobody', r3.timestampMs, 100)).toBeUndefined();
    });

    it('lists a meter’s readings by timestamp within an inclusive range, with a limit', async () => {
      const store = await open();
      // appended out of timestamp order on purpose: order is by timestamp, not seq
      await store.append([accepted(sampleReading('m1', 3)), accepted(sampleReading('m1', 1)), accepted(sampleReading('m2', 2)), accepted(sampleReading('m1', 2))]);
      const pgs = async (q?: Parameters<ReadingStore['readings']>[1]) => (await store.readings('m1', q)).map((r) => r.pagination);
      expect(await pgs()).toEqual([1, 2, 3]);
      const t = (pg: number) => sampleReading('m1', pg).timestampMs;
      expect(await pgs({ fromMs: t(2) })).toEqual([2, 3]);
      expect(await pgs({ toMs: t(2) })).toEqual([1, 2]);
      expect(await pgs({ fromMs: t(2), toMs: t(2) })).toEqual([2]);
      expect(await pgs({ fromMs: t(1) + 1, toMs: t(3) - 1 })).toEqual([2]);
      expect(await pgs({ limit: 2 })).toEqual([1, 2]);
      expect(await store.readings('nobody')).toEqual([]);
    });

    it('lists rejections newest first, filtered by meter and reason, with a limit', async () => {
      const store = await open();
      await store.append([
        rejected(sampleRejection('m1', 'bad-signature', { pagination: 1 })),
        rejected(sampleRejection(null, 'malformed')),
        rejected(sampleRejection('m2', 'bad-signature', { pagination: 4 })),
      ]);
      await store.append([rejected(sampleRejection('m1', 'replay', { pagination: 2, source: 'serial' }))]);
      const all = await store.rejections();
      expect(all.map((r) => r.seq)).toEqual([4, 3, 2, 1]);
      expect(all[0]).toEqual({ seq: 4, ...sampleRejection('m1', 'replay', { pagination: 2, source: 'serial' }) });
      expect(all[2]).toEqual({ seq: 2, ...sampleRejection(null, 'malformed') });
      expect((await store.rejections({ meterId: 'm1' })).map((r) => r.seq)).toEqual([4, 1]);
      expect((await store.rejections({ reason: 'bad-signature' })).map((r) => r.seq)).toEqual([3, 1]);
      expect((await store.rejections({ meterId: 'm2', reason: 'bad-signature' })).map((r) => r.seq)).toEqual([3]);
      expect((await store.rejections({ limit: 2 })).map((r) => r.seq)).toEqual([4, 3]);
    });

    it('lists gaps newest first, filtered by meter', async () => {
      const store = await open();
      await store.append([
        { kind: 'gap', gap: { meterId: 'm1', expectedPagination: 2, receivedPagination: 5, receivedAtMs: T0 } },
        { kind: 'gap', gap: { meterId: 'm2', expectedPagination: 8, receivedPagination: 9, receivedAtMs: T0 + 1 } },
      ]);
      expect((await store.gaps()).map((g) => g.seq)).toEqual([2, 1]);
      expect(await store.gaps({ meterId: 'm2' })).toEqual([{ seq: 2, meterId: 'm2', expectedPagination: 8, receivedPagination: 9, receivedAtMs: T0 + 1 }]);
      expect((await store.gaps({ limit: 1 })).map((g) => g.seq)).toEqual([2]);
    });

    it('reports not alive after close', async () => {
      const store = await open();
      await store.close();
      opened.splice(opened.indexOf(store), 1);
      expect(await store.ping()).toBe(false);
      await expect(store.append([accepted(sampleReading('m1', 1))])).rejects.toThrow();
    });
  });
}
