// SANDBOX TEST KEYS — public by construction: anyone can recompute them from the text below.
// They exist so tests, demos and the household page can sign and withdraw as a sandbox household.
// Never use them, or addresses derived from them, for anything of value.
import { sha256 } from '@noble/hashes/sha2.js';
import { addressFromPrivateKey } from '@feedin/protocol/address';
import { bytesToHex, utf8, type Hex } from '@feedin/protocol/hex';

/** Private key of sandbox test household n (1-based): sha256(utf8("feedin sandbox test household <n>")). */
export function sandboxHouseholdKey(n: number): Hex {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n: expected a household number ≥ 1, got ${n}`);
  return bytesToHex(sha256(utf8(`feedin sandbox test household ${n}`)));
}

/** The EIP-55 payee address of sandbox test household n, as written in default.sandbox.yaml. */
export function sandboxHouseholdAddress(n: number): Hex {
  return addressFromPrivateKey(sandboxHouseholdKey(n));
}
