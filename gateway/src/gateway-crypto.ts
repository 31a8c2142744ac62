// The gateway's cryptography, made once by the composition root (gateway-core.ts) and handed to
// what uses it, so that no module keeps a lazily made copy of its own (docs/design.md §Composition):
// the native libsecp256k1 addon when it loads, the worker pool that checks reading signatures
// with it, the meter-token (JWT) verifier on the same addon, and the Keccak-256 that hashes the
// settlement trees (WebAssembly when it loads). close() ends the pool's worker threads.
import { portableKeccak256, type Keccak256Implementation } from '@feedin/protocol/keccak';
import { createWasmKeccak256 } from '@feedin/protocol/keccak-wasm';
import { createFastVerifyMeterJwt, type VerifyMeterJwt } from './ingest/verify-jwt-fast.js';
import { loadNativeSecp256k1, type NativeSecp256k1 } from './ingest/verify-native-secp256k1.js';
import { createVerifyPool, verifyThreadsFromEnv, type VerifyPool } from './ingest/verify-pool.js';

export interface GatewayCryptoOptions {
  /** worker threads for reading signatures; 0 = on the event loop */
  verifyThreads: number;
  /** false: protocol's pure-JS verifiers even where the native addon loads (default true) */
  nativeSecp256k1?: boolean;
  /** false: the portable Keccak even where WebAssembly loads (default true; the same bytes) */
  wasmKeccak?: boolean;
}

export interface GatewayCrypto {
  /** the addon, or null (not loadable, or turned off) */
  readonly native: NativeSecp256k1 | null;
  readonly verifyPool: VerifyPool;
  readonly verifyMeterJwt: VerifyMeterJwt;
  readonly keccak: Keccak256Implementation;
  /** ends the verify pool's worker threads; verifications after it are not answered */
  close(): Promise<void>;
}

/** FEEDIN_VERIFY_THREADS (default: one worker on two or more cores) and FEEDIN_NATIVE_SECP256K1=0. */
export function gatewayCryptoOptionsFromEnv(env: NodeJS.ProcessEnv): GatewayCryptoOptions {
  return { verifyThreads: verifyThreadsFromEnv(env), nativeSecp256k1: env['FEEDIN_NATIVE_SECP256K1'] !== '0' };
}

export async function createGatewayCrypto(o: GatewayCryptoOptions): Promise<GatewayCrypto> {
  const native = o.nativeSecp256k1 === false ? null : loadNativeSecp256k1();
  const keccak = (o.wasmKeccak === false ? null : await createWasmKeccak256()) ?? portableKeccak256;
  const verifyPool = createVerifyPool({ threads: o.verifyThreads, native });
  let closing: Promise<void> | undefined;
  return {
    native,
    verifyPool,
    verifyMeterJwt: createFastVerifyMeterJwt(native),
    keccak,
    close: () => (closing ??= verifyPool.close()),
  };
}
