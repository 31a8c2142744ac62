// Fuzzing the ingest path with hostile frames: random bytes, random text, and valid signed
// readings mutated byte by byte. Every frame gets an outcome — accepted, duplicate or rejected
// with a specific reason — and nothing throws or is left unrecorded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayEvents } from '../src/events.js';
import { createIngest } from '../src/ingest/ingest.js';
import { inlineVerifiers, manualClock, MINUTE, signedReading, T0, testMeter } from '../src/ingest/ingest-fixtures.js';
import { decodeFrame } from '../src/ingest/steps/decode-frame.js';
import { createMetrics } from '../src/metrics.js';
import { createStaticDirectory } from '../src/registry/meter-directory.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';

const verifiers = inlineVerifiers();

const REASONS = [
  'oversize', 'malformed', 'unsupported-encoding', 'meter-mismatch', 'unknown-meter', 'meter-suspended', 'unsupported-algorithm', 'bad-signature',
  'replay', 'pagination-regressed', 'register-decreased', 'clock-skew', 'time-not-increasing', 'implausible-export', 'meter-status',
];
const meter = testMeter('fuzz-1');
const valid = [1, 2, 3].map((n) => signedReading(meter, { pagination: n, importWh: 1_000n, exportWh: 5_000n + 10n * BigInt(n), timestampMs: T0 + n * MINUTE }));

/** A valid reading with a few bytes changed, inserted or cut. */
const mutated = fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'cut')), { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
  let bytes = Buffer.from(text, 'utf8');
  for (const [at, byte, op] of edits) {
    const i = at % bytes.length;
    if (op === 'set') bytes[i] = byte;
    if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
    if (op === 'cut') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
  }
  return new Uint8Array(bytes);
});
const frames = fc.oneof(mutated, fc.uint8Array({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.string().map((s) => `OCMF|${s}|{"SA":"ECDSA-secp256k1-SHA256","SD":"00"}`));

describe('ingest under fuzzed frames', () => {
  it('decodeFrame answers every frame with a reading or a specific reason', () => {
    fc.assert(
      fc.property(frames, (frame) => {
        const r = decodeFrame(frame, 2048);
        if (!r.ok) {
          expect(['oversize', 'malformed', 'unsupported-encoding']).toContain(r.reason);
          expect(r.detail.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('ingest records every frame with an outcome and a known reason, never throws or loses one', async () => {
    const store = openSqliteStore(':memory:');
    const events = new GatewayEvents();
    const ingest = await createIngest({
      verifyPool: verifiers.verifyPool,
      store,
      directory: createStaticDirectory([meter.entry]),
      clock: manualClock(T0 + 60 * MINUTE),
      limits: { clockSkewSeconds: 120, plausibilityMarginPercent: 120, maxFrameBytes: 2048 },
      events,
      metrics: createMetrics(),
      log: { error: () => {}, warn: () => {} },
    });
    let recorded = 0;
    events.on('reading.accepted', () => recorded++);
    events.on('reading.rejected', () => recorded++);
    let answered = 0;
    let duplicates = 0;
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        const outcome = await ingest.ingest(frame, { kind: 'mqtt', meterId: meter.meterId });
        answered++;
        expect(outcome.status).not.toBe('unavailable');
        if (outcome.status === 'duplicate') duplicates++;
        if (outcome.status === 'rejected') expect(REASONS).toContain(outcome.reason);
      }),
      { numRuns: 500 },
    );
    // Every frame but the idempotent duplicates is durably recorded, accepted or rejected.
    expect(recorded).toBe(answered - duplicates);
    expect((await store.rejections({ limit: 10_000 })).length + (await store.readings(meter.meterId)).length).toBe(recorded);
    await store.close();
  });
});
