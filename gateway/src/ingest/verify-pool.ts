// secp256k1 verification on worker threads, so the event loop stays free for MQTT and SQLite
// while libsecp256k1 does the curve arithmetic (~75 µs a signature). The main thread parses and
// normalises (verify-fast.ts: the same code as the synchronous path), packs the checks of one
// event-loop turn into one message, and turns each worker answer into the same verdict.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { OcmfRecord } from '@feedin/protocol/ocmf-parse';
import { verifyOcmf, type VerifyReason } from '@feedin/protocol/ocmf-verify';
import type { PublicKey } from '@feedin/protocol/public-key';
import type { Result } from '@feedin/protocol/result';
import { createFastVerifyOcmf, nativeApplies, nativeVerdict, payloadSha256, prepareNativeCheck, type NativeCheck } from './verify-fast.js';
import type { NativeSecp256k1 } from './verify-native-secp256k1.js';

export interface VerifyPool {
  readonly threads: number;
  /** `payloadSha256`: the payload's SHA-256 if the caller has it (else computed here) */
  verify(record: OcmfRecord, publicKey: PublicKey, opts?: { lowS?: boolean; payloadSha256?: Uint8Array | undefined }): Promise<Result<true, VerifyReason>>;
  close(): Promise<void>;
}

/** compact signature 64 ‖ digest 32 ‖ key length 1 ‖ key ≤ 65 */
const ENTRY_BYTES = 162;
const MAX_BATCH = 512;

// CommonJS, evaluated in the worker: no file to locate, in dist or in the sources under test.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addonPath);
parentPort.on('message', ({ id, buf, n }) => {
  const bytes = new Uint8Array(buf);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * ${ENTRY_BYTES};
    try {
      out[i] = addon.ecdsaVerify(bytes.subarray(o, o + 64), bytes.subarray(o + 64, o + 96), bytes.subarray(o + 97, o + 97 + bytes[o + 96])) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});`;

/** FEEDIN_VERIFY_THREADS, else one worker on a machine with two or more cores. */
export function verifyThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['FEEDIN_VERIFY_THREADS'];
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new RangeError(`FEEDIN_VERIFY_THREADS=${raw}: an integer 0-64`);
    return n;
  }
  return availableParallelism() >= 2 ? 1 : 0;
}

/** `native`: the addon the composition root loaded (null: protocol's pure verifier, no threads).
 * The caller owns the pool: close() ends its worker threads. */
export function createVerifyPool(p: { threads: number; native: NativeSecp256k1 | null }): VerifyPool {
  const { native } = p;
  const sync = createFastVerifyOcmf(native);
  if (!native || p.threads === 0) return { threads: 0, verify: async (record, key, opts) => sync(record, key, opts), close: async () => {} };

  const addonPath = createRequire(import.meta.url).resolve('secp256k1/bindings');
  type Waiting = { check: NativeCheck; resolve: (r: Result<true, VerifyReason>) => void };
  const inFlight = new Map<number, Waiting[]>();
  let failure: Error | undefined;
  const safeVerify = (c: NativeCheck) => {
    try {
      return native.ecdsaVerify(c.compact, c.digest, c.publicKey);
    } catch {
      return false;
    }
  };
  const workers = Array.from({ length: p.threads }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { addonPath } });
    worker.on('message', ({ id, out }: { id: number; out: Uint8Array }) => {
      const batch = inFlight.get(id);
      inFlight.delete(id);
      batch?.forEach((w, i) => w.resolve(nativeVerdict(out[i] === 1, w.check)));
    });
    // A dead worker must not strand readings: answer its batches on the main thread.
    worker.on('error', (error) => {
      failure = error;
      for (const [id, batch] of inFlight) {
        inFlight.delete(id);
        for (const w of batch) w.resolve(nativeVerdict(safeVerify(w.check), w.check));
      }
    });
    // The pool must not keep a process alive that has nothing else to do. After the listeners:
    // adding a 'message' listener refs the worker's port again.
    worker.unref();
    return worker;
  });

  let queue: Waiting[] = [];
  let scheduled = false;
  let nextId = 1;
  let nextWorker = 0;
  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(MAX_BATCH);
      if (failure) {
        for (const w of batch) w.resolve(nativeVerdict(safeVerify(w.check), w.check));
        continue;
      }
      const buf = new ArrayBuffer(batch.length * ENTRY_BYTES);
      const bytes = new Uint8Array(buf);
      batch.forEach(({ check }, i) => {
        const o = i * ENTRY_BYTES;
        bytes.set(check.compact, o);
        bytes.set(check.digest, o + 64);
        bytes[o + 96] = check.publicKey.length;
        bytes.set(check.publicKey, o + 97);
      });
      const id = nextId++;
      inFlight.set(id, batch);
      workers[nextWorker++ % workers.length]!.postMessage({ id, buf, n: batch.length }, [buf]);
    }
  };

  return {
    threads: p.threads,
    verify(record, publicKey, opts = {}) {
      if (!nativeApplies(record, publicKey) || publicKey.point.length > 65) return Promise.resolve(verifyOcmf(record, publicKey, opts));
      const prepared = prepareNativeCheck(record.signature.data, opts.payloadSha256 ?? payloadSha256(record), publicKey.point, opts.lowS ?? false);
      if ('verdict' in prepared) return Promise.resolve(prepared.verdict);
      return new Promise((resolve) => {
        queue.push({ check: prepared.check, resolve });
        // One message per event-loop turn: every frame read from the sockets of this turn.
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
