// Test fixtures shared by the ingest and broker tests: deterministic meter keys, signed OCMF
// readings built with the protocol's own builder, a manual sandbox clock.
import { createHash } from 'node:crypto';
import { buildOcmfPayload, signOcmf, type ReadingFields } from '@feedin/protocol/ocmf-build';
import { publicKeyFromPrivate } from '@feedin/protocol/public-key';
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { DirectoryMeter } from '../registry/meter-directory.js';
import { createFastVerifyMeterJwt, type VerifyMeterJwt } from './verify-jwt-fast.js';
import { loadNativeSecp256k1 } from './verify-native-secp256k1.js';
import { createVerifyPool, type VerifyPool } from './verify-pool.js';

/** The gateway's verifiers as `feedin up` makes them (gateway-crypto.ts), native when the addon
 * loads, but on the event loop: no worker threads, nothing for a test to close. */
export function inlineVerifiers(): { verifyPool: VerifyPool; verifyMeterJwt: VerifyMeterJwt } {
  const native = loadNativeSecp256k1();
  return { verifyPool: createVerifyPool({ threads: 0, native }), verifyMeterJwt: createFastVerifyMeterJwt(native) };
}

export interface TestMeter {
  meterId: string;
  privateKey: Uint8Array;
  entry: DirectoryMeter;
}

/** A meter whose key is derived from its id (and an optional salt), so tests are repeatable. */
export function testMeter(meterId: string, over: Partial<DirectoryMeter> = {}, salt = ''): TestMeter {
  const privateKey = new Uint8Array(createHash('sha256').update(`feedin test meter key ${meterId}${salt}`).digest());
  return {
    meterId,
    privateKey,
    entry: {
      meterId,
      publicKey: { curve: 'secp256k1', point: publicKeyFromPrivate(privateKey) },
      payee: '0x00000000000000000000000000000000000000aa',
      capacityW: 5000,
      active: true,
      suspendedFromMs: null,
      ...over,
    },
  };
}

export type ReadingSpec = Omit<ReadingFields, 'meterId' | 'utcOffsetMinutes'> & { utcOffsetMinutes?: number };

export function readingPayload(meter: Pick<TestMeter, 'meterId'>, spec: ReadingSpec): string {
  return buildOcmfPayload({ utcOffsetMinutes: 420, ...spec, meterId: meter.meterId });
}

/** A signed OCMF string, as a feedin device would publish it. */
export function signedReading(meter: TestMeter, spec: ReadingSpec, signer: Uint8Array = meter.privateKey): string {
  return signOcmf(readingPayload(meter, spec), signer);
}

export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

/** Sandbox time under the test's control; wall time stays real (JWTs are wall-clock). */
export function manualClock(startMs: number): ManualClock {
  let now = startMs;
  return {
    nowMs: () => now,
    wallNowMs: () => Date.now(),
    speed: 1,
    set: (ms) => void (now = ms),
    advance: (ms) => void (now += ms),
  };
}

/** 2026-11-22T10:00:00+07:00 */
export const T0 = Date.UTC(2026, 10, 22, 3, 0, 0);
export const MINUTE = 60_000;
