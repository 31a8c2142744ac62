import { describe, expect, it } from 'vitest';
import { Wallet } from 'ethers';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8 } from '@feedin/protocol/hex';
import { sandboxHouseholdAddress, sandboxHouseholdKey } from './sandbox-test-households.js';

describe('sandbox test households', () => {
  it('derive keys from the public text, and addresses as ethers does', () => {
    expect(sandboxHouseholdKey(1)).toBe(bytesToHex(sha256(utf8('feedin sandbox test household 1'))));
    for (const n of [1, 2, 20]) expect(sandboxHouseholdAddress(n)).toBe(new Wallet(sandboxHouseholdKey(n)).address);
    expect(sandboxHouseholdAddress(1)).toBe('0x70435A9Ac180dD06E231740e4A6cfdBd0c4E5FF4');
  });

  it('throws on a household number that is not 1, 2, 3, …', () => {
    expect(() => sandboxHouseholdKey(0)).toThrow(new RangeError('n: expected a household number ≥ 1, got 0'));
    expect(() => sandboxHouseholdKey(1.5)).toThrow(new RangeError('n: expected a household number ≥ 1, got 1.5'));
  });
});
