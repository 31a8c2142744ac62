// The unrolled Keccak-256 must equal @noble/hashes' keccak_256 on every input: known vectors, every
// length around the 136-byte rate boundaries, and random data.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccak256 } from '../src/keccak.js';
import { bytesToHex, utf8 } from '../src/hex.js';

describe('keccak256', () => {
  it('matches the Ethereum vectors', () => {
    expect(bytesToHex(keccak256(new Uint8Array(0)))).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(bytesToHex(keccak256(utf8('abc')))).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
    // function selector of transfer(address,uint256)
    expect(bytesToHex(keccak256(utf8('transfer(address,uint256)'))).slice(0, 10)).toBe('0xa9059cbb');
  });

  it('equals noble for every length from 0 to 3 blocks + 1', () => {
    const wrong: number[] = [];
    for (let n = 0; n <= 3 * 136 + 1; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
      if (bytesToHex(keccak256(data)) !== bytesToHex(keccak_256(data))) wrong.push(n);
    }
    expect(wrong).toEqual([]);
  });

  it('equals noble on random data', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => bytesToHex(keccak256(data)) === bytesToHex(keccak_256(data))), { numRuns: 500 });
  });
});

describe('WebAssembly keccak256', () => {
  it('installs only after agreeing with the portable one, and then equals noble on random data', async () => {
    const { enableWasmKeccak256 } = await import('../src/keccak-wasm.js');
    const { usePortableKeccak256 } = await import('../src/keccak.js');
    try {
      expect(await enableWasmKeccak256()).toBe(true);
      fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => bytesToHex(keccak256(data)) === bytesToHex(keccak_256(data))), { numRuns: 300 });
    } finally {
      usePortableKeccak256();
    }
  });

  it('refuses a candidate that gives other bytes', async () => {
    const { useKeccak256 } = await import('../src/keccak.js');
    expect(() => useKeccak256((data) => keccak_256(data).map((b, i) => (i === 0 && data.length === 136 ? b ^ 1 : b)))).toThrow(/differs .* on 136 bytes/);
    expect(bytesToHex(keccak256(utf8('abc')))).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });
});
