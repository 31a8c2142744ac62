// A drop-in for protocol's `verifyOcmf` that verifies secp256k1 with native libsecp256k1 and
// gives exactly the same verdicts (property-tested in verify-fast.test.ts, and on the
// Wycheproof vectors). Every other curve, and every platform without the addon, goes to
// protocol's pure verifier, which stays the one reference (and the browser's verifier).
// The check is split in three (prepare → native verify → verdict) so that the native step can
// also run on a worker thread (verify-pool.ts) with the same code around it.
import { hash } from 'node:crypto';
import { CURVES } from '@feedin/protocol/curves';
import type { OcmfRecord } from '@feedin/protocol/ocmf-parse';
import { verifyOcmf, type VerifyReason } from '@feedin/protocol/ocmf-verify';
import type { PublicKey } from '@feedin/protocol/public-key';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { NativeSecp256k1 } from './verify-native-secp256k1.js';

const SECP256K1_SA = 'ECDSA-secp256k1-SHA256';
const secp256k1 = CURVES.secp256k1;
const N = secp256k1.Point.CURVE().n;
const HALF_N = N >> 1n;

type DerVerdict = Result<true, 'bad-signature' | 'malformed-signature'>;

/** What libsecp256k1 is asked: a low-s compact signature, the digest and the key. */
export interface NativeCheck {
  compact: Uint8Array;
  digest: Uint8Array;
  publicKey: Uint8Array;
  /** the signature was high-s (normalised for libsecp256k1) */
  high: boolean;
  lowS: boolean;
}

const mismatch = (): DerVerdict => fail('bad-signature', 'the secp256k1 signature does not match the payload and key');

/** Everything protocol's `verifyDerSignature` decides before the curve arithmetic: a verdict
 * when the bytes already decide it, else the question for libsecp256k1. */
export function prepareNativeCheck(der: Uint8Array, digest: Uint8Array, publicKey: Uint8Array, lowS: boolean): { verdict: DerVerdict } | { check: NativeCheck } {
  const fast = canonicalDerToCompact(der);
  if (fast) return { check: { compact: fast.compact, digest, publicKey, high: fast.high, lowS } };
  let r: bigint;
  let s: bigint;
  try {
    // The same DER parser as protocol's verifier, so "malformed" means exactly the same thing.
    ({ r, s } = secp256k1.Signature.fromBytes(der, 'der'));
  } catch (error) {
    return { verdict: fail('malformed-signature', `not a DER ECDSA signature: ${(error as Error).message}`) };
  }
  // noble answers false for r, s outside [1, n-1]; libsecp256k1 would throw on overflow.
  if (r <= 0n || r >= N || s <= 0n || s >= N) return { verdict: mismatch() };
  const high = s > HALF_N;
  // libsecp256k1 verifies low-s only (BIP 62). (r, s) is valid iff (r, n-s) is, so a high-s
  // signature is normalised first; protocol's verifier accepts it unless `lowS` is asked for.
  const compact = Buffer.from(r.toString(16).padStart(64, '0') + (high ? N - s : s).toString(16).padStart(64, '0'), 'hex');
  return { check: { compact, digest, publicKey, high, lowS } };
}

const N_BYTES = Uint8Array.from(Buffer.from(N.toString(16).padStart(64, '0'), 'hex'));
const HALF_N_BYTES = Uint8Array.from(Buffer.from(HALF_N.toString(16).padStart(64, '0'), 'hex'));

/** Big-endian comparison of two 32-byte numbers at `a[ai…]` and `b[0…]`. */
function compare32(a: Uint8Array, ai: number, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[ai + i] !== b[i]) return a[ai + i]! - b[i]!;
  return 0;
}

/** One DER INTEGER at `at` in minimal encoding (what every signer writes), right-aligned into
 * 32 bytes of `out` at `to`; the offset after it, or -1 for anything else. */
function readCanonicalInteger(der: Uint8Array, at: number, out: Uint8Array, to: number): number {
  if (der[at] !== 0x02) return -1;
  let len = der[at + 1]!;
  let from = at + 2;
  if (len < 1 || len > 33 || from + len > der.length || der[from]! >= 0x80) return -1;
  if (der[from] === 0 && len > 1) {
    if (der[from + 1]! < 0x80) return -1; // a leading zero that is not needed
    from++;
    len--;
  }
  if (len > 32) return -1;
  out.set(der.subarray(from, from + len), to + 32 - len);
  return from + len;
}

/** The fast way through `prepareNativeCheck` for canonical DER with r, s in [1, n-1], about all
 * real signatures: bytes straight into the compact form, no bigints. Undefined for everything
 * else, which takes the general path (noble's parser decides what "malformed" means). */
function canonicalDerToCompact(der: Uint8Array): { compact: Uint8Array; high: boolean } | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const compact = new Uint8Array(64);
  const afterR = readCanonicalInteger(der, 2, compact, 0);
  if (afterR < 0) return undefined;
  if (readCanonicalInteger(der, afterR, compact, 32) !== der.length) return undefined;
  // r, s must be in [1, n-1]; zeros and overflows go the general way (to their verdicts).
  if (compare32(compact, 0, N_BYTES) >= 0 || compare32(compact, 32, N_BYTES) >= 0) return undefined;
  if (compact.subarray(0, 32).every((b) => b === 0) || compact.subarray(32).every((b) => b === 0)) return undefined;
  const high = compare32(compact, 32, HALF_N_BYTES) > 0;
  if (high) {
    // s := n - s, byte-wise with borrow
    let borrow = 0;
    for (let i = 31; i >= 0; i--) {
      const d = N_BYTES[i]! - compact[32 + i]! - borrow;
      compact[32 + i] = d & 0xff;
      borrow = d < 0 ? 1 : 0;
    }
  }
  return { compact, high };
}

/** libsecp256k1's answer; its parse errors (a key it cannot read) are "not valid", as in noble. */
export function runNativeCheck(native: NativeSecp256k1, c: Pick<NativeCheck, 'compact' | 'digest' | 'publicKey'>): boolean {
  try {
    return native.ecdsaVerify(c.compact, c.digest, c.publicKey);
  } catch {
    return false;
  }
}

export function nativeVerdict(valid: boolean, check: Pick<NativeCheck, 'high' | 'lowS'>): DerVerdict {
  if (!valid) return mismatch();
  if (check.high && check.lowS) return fail('bad-signature', 'a high-s secp256k1 signature: mathematically valid, but this signer must sign low-s (a malleated copy)');
  return ok(true);
}

/** `verifyDerSignature('secp256k1', …)` of protocol, natively. */
export function verifyDerSecp256k1Native(native: NativeSecp256k1, der: Uint8Array, digest: Uint8Array, publicKey: Uint8Array, lowS: boolean): DerVerdict {
  const prepared = prepareNativeCheck(der, digest, publicKey, lowS);
  if ('verdict' in prepared) return prepared.verdict;
  return nativeVerdict(runNativeCheck(native, prepared.check), prepared.check);
}

/** `payloadSha256`: the payload's SHA-256 when the caller has it (decode-frame.ts), else computed */
export type VerifyOcmf = (record: OcmfRecord, publicKey: PublicKey, opts?: { lowS?: boolean; payloadSha256?: Uint8Array | undefined }) => Result<true, VerifyReason>;

/** The native path applies to this record: secp256k1, DER, a secp256k1 key. Everything else
 * (and every message about it) stays protocol's. */
export function nativeApplies(record: OcmfRecord, publicKey: PublicKey): boolean {
  const { signature } = record;
  return signature.algorithm === SECP256K1_SA && signature.mime === 'application/x-der' && publicKey.curve === 'secp256k1';
}

export function payloadSha256(record: OcmfRecord): Buffer {
  return hash('sha256', record.payloadText, 'buffer');
}

/** The verifier the gateway uses: native for secp256k1 when available, protocol's otherwise. */
export function createFastVerifyOcmf(native: NativeSecp256k1 | null): VerifyOcmf {
  if (!native) return verifyOcmf;
  return (record, publicKey, opts = {}) => {
    if (!nativeApplies(record, publicKey)) return verifyOcmf(record, publicKey, opts);
    return verifyDerSecp256k1Native(native, record.signature.data, opts.payloadSha256 ?? payloadSha256(record), publicKey.point, opts.lowS ?? false);
  };
}
