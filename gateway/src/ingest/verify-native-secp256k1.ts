// The native libsecp256k1 binding (the `secp256k1` package's prebuilt N-API addon), loaded
// optionally: about 50× the pure-JS verify speed, and the gateway falls back to protocol's pure
// verifier where the addon cannot load (another platform, no prebuild). Loaded by the composition
// root (gateway-crypto.ts) and passed to the verifiers; nothing here keeps a copy.
import { createRequire } from 'node:module';

/** The part of the `secp256k1` package's API this gateway uses. */
export interface NativeSecp256k1 {
  /** compact 64-byte (r‖s, low-s) signature, 32-byte digest, 33/65-byte SEC1 key; throws on
   * a signature or key it cannot parse */
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
}

/** The native verifier, or null when the addon is unavailable. */
export function loadNativeSecp256k1(): NativeSecp256k1 | null {
  try {
    // `secp256k1/bindings` is the addon only; the package root would fall back to elliptic (JS).
    return createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp256k1;
  } catch {
    return null;
  }
}
