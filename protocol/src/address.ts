// EVM addresses from secp256k1 keys (keccak-256 of the uncompressed point, last 20 bytes) and the
// EIP-55 mixed-case checksum, so keys from the sandbox config map to on-chain roles without ethers.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { FeedinError } from './errors.js';
import { bytesToHex, hexToBytes, type Hex } from './hex.js';

export function addressFromPublicKey(publicKey: Uint8Array): Hex {
  const uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  return checksumAddress(bytesToHex(keccak_256(uncompressed.subarray(1)).subarray(12)));
}

export function addressFromPrivateKey(privateKey: Uint8Array | string): Hex {
  const key = typeof privateKey === 'string' ? hexToBytes(privateKey) : privateKey;
  return addressFromPublicKey(secp256k1.getPublicKey(key, false));
}

/** EIP-55 checksum casing. Throws on anything that is not 20 bytes of hex (misuse). */
export function checksumAddress(address: string): Hex {
  const lower = address.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new FeedinError(`address: expected 20 bytes of hex, got ${JSON.stringify(address)}`);
  const hash = bytesToHex(keccak_256(new TextEncoder().encode(lower))).slice(2);
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out as Hex;
}

/** EIP-55: an all-lower or all-upper address carries no checksum; a mixed-case one must match it.
 * True unless `text` is a mixed-case address whose checksum is wrong (malformed text is the
 * caller's address-shape check's business, so it passes here rather than being reported twice).
 * The one rule for the sandbox file and the HTTP API alike. */
export function isChecksumValid(text: string): boolean {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) return true;
  const body = text.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return true;
  return checksumAddress(text) === text;
}
