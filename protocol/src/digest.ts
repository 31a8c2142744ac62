import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8, type Hex } from './hex.js';

/** SHA-256 of a signed OCMF payload's UTF-8 bytes exactly as transmitted (docs/design.md §Claims:
 * the claim leaf's opening/closing digests point at these exact bytes). */
export function payloadDigest(payloadText: string): Hex {
  return bytesToHex(sha256(utf8(payloadText)));
}
