// Fast signing for the load generator only: pre-signing 100,000 readings with the pure-JS signer
// would take minutes. Produces byte-for-byte the formats of protocol's signOcmf / signMeterJwt
// (DER low-s OCMF signatures, ES256K R‖S JWTs), so the gateway sees what real devices send.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

interface Secp256k1Addon {
  publicKeyCreate(secretKey: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, secretKey: Uint8Array): { signature: Uint8Array; recid: number };
  signatureExport(sig: Uint8Array): Uint8Array;
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
}

export function loadAddon(): Secp256k1Addon {
  return createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Addon;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();
const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const JWT_HEADER = b64url(JSON.stringify({ alg: 'ES256K', typ: 'JWT' }));

export interface BenchKey {
  secretKey: Uint8Array;
  /** uncompressed SEC1 */
  publicKey: Uint8Array;
}

export function newKey(addon: Secp256k1Addon): BenchKey {
  for (;;) {
    const secretKey = randomBytes(32);
    try {
      return { secretKey, publicKey: addon.publicKeyCreate(secretKey, false) };
    } catch {
      // a zero or ≥ n secret (probability ~2^-128): draw again
    }
  }
}

export function signOcmfNative(addon: Secp256k1Addon, payloadText: string, secretKey: Uint8Array): string {
  const der = addon.signatureExport(addon.ecdsaSign(sha256(payloadText), secretKey).signature);
  return `OCMF|${payloadText}|${JSON.stringify({ SA: 'ECDSA-secp256k1-SHA256', SD: Buffer.from(der).toString('hex').toUpperCase() })}`;
}

export function signJwtNative(addon: Secp256k1Addon, meterId: string, issuedAtSec: number, expiresAtSec: number, secretKey: Uint8Array): string {
  const input = `${JWT_HEADER}.${b64url(JSON.stringify({ sub: meterId, iat: issuedAtSec, exp: expiresAtSec, jti: randomBytes(16).toString('base64url') }))}`;
  return `${input}.${b64url(addon.ecdsaSign(sha256(input), secretKey).signature)}`;
}
