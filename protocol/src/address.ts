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
