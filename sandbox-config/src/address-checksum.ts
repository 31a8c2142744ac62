// EIP-55: an all-lower or all-upper address carries no checksum; a mixed-case one must match it.
import { checksumAddress } from '@feedin/protocol/address';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** True unless `text` is a mixed-case address whose EIP-55 checksum is wrong (malformed text is
 * the address regex's business, so it passes here rather than being reported twice). */
export function isChecksumValid(text: string): boolean {
  if (!ADDRESS.test(text)) return true;
  const body = text.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return true;
  return checksumAddress(text) === text;
}
