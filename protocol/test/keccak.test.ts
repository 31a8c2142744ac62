// The unrolled Keccak-256 must equal @noble/hashes' keccak_256 on every input: known vectors, every
// length around the 136-byte rate boundaries, and random data; the bulk jobs (leaf hashes, a
// tree's inner nodes) must equal noble applied one hash at a time, portable and in WebAssembly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { checkKeccak256, keccak256, keccak256LeafHashes, keccak256SortedPairs, type Keccak256Implementation } from '../src/keccak.js';
import { createWasmKeccak256 } from '../src/keccak-wasm.js';
import { bytesToHex, concatBytes, utf8 } from '../src/hex.js';

const HASH_BYTES = 32;

/** OpenZeppelin's leaf hash of each record, one noble call at a time. */
function nobleLeafHashes(records: Uint8Array[]): Uint8Array {
  return concatBytes(...records.map((r) => keccak_256(keccak_256(r))));
}

/** The inner nodes of an array-laid-out tree over `leaves` (tree order), one noble call a node. */
function nobleTree(leaves: Uint8Array[]): Uint8Array {
  const nodes: Uint8Array[] = Array.from({ length: leaves.length - 1 }, () => new Uint8Array(HASH_BYTES));
  nodes.push(...leaves);
  for (let i = leaves.length - 2; i >= 0; i--) {
    const [a, b] = [nodes[2 * i + 1]!, nodes[2 * i + 2]!];
    nodes[i] = keccak_256(bytesToHex(a) <= bytesToHex(b) ? concatBytes(a, b) : concatBytes(b, a));
  }
  return concatBytes(...nodes);
}

const recordsArb = fc.array(fc.uint8Array({ maxLength: 3 * 136 + 2 }), { maxLength: 12 });
// first bytes from a small set, so that equal pairs and long shared prefixes come up
const leavesArb = fc.array(fc.tuple(fc.constantFrom(0, 1, 0xff), fc.uint8Array({ minLength: HASH_BYTES - 1, maxLength: HASH_BYTES - 1 })), { minLength: 1, maxLength: 40 }).map((ls) =>
  ls.map(([first, rest], i) => (i % 5 === 4 ? Uint8Array.of(first, ...new Uint8Array(HASH_BYTES - 1)) : Uint8Array.of(first, ...rest))),
);

function checkBulkJobs(keccak?: Keccak256Implementation): void {
  fc.assert(
    fc.property(recordsArb, fc.nat({ max: 5 }), (records, at) => {
      const ends = Uint32Array.from(records, (_, i) => records.slice(0, i + 1).reduce((n, r) => n + r.length, 0));
      const out = new Uint8Array(at + records.length * HASH_BYTES);
      keccak256LeafHashes(concatBytes(...records), ends, records.length, out, at, keccak);
      return bytesToHex(out.subarray(at)) === bytesToHex(nobleLeafHashes(records));
    }),
    { numRuns: 100 },
  );
  fc.assert(
    fc.property(leavesArb, (leaves) => {
      const nodes = new Uint8Array((2 * leaves.length - 1) * HASH_BYTES);
      leaves.forEach((l, i) => nodes.set(l, (leaves.length - 1 + i) * HASH_BYTES));
      keccak256SortedPairs(nodes, leaves.length - 1, keccak);
      return bytesToHex(nodes) === bytesToHex(nobleTree(leaves));
    }),
    { numRuns: 100 },
  );
}

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

  it('hashes leaves and inner nodes in bulk exactly as one noble call at a time', () => {
    checkBulkJobs();
  });

  it('names the parameter a bulk job is misused with', () => {
    const out = new Uint8Array(2 * HASH_BYTES);
    expect(() => keccak256LeafHashes(new Uint8Array(10), Uint32Array.of(4, 11), 2, out, 0)).toThrow('ends: record 1 ends at 11, outside 4 … 10');
    expect(() => keccak256LeafHashes(new Uint8Array(10), Uint32Array.of(4, 2), 2, out, 0)).toThrow('ends: record 1 ends at 2, outside 4 … 10');
    expect(() => keccak256LeafHashes(new Uint8Array(10), Uint32Array.of(4), 2, out, 0)).toThrow('count: expected 0 to ends.length (1), got 2');
    expect(() => keccak256LeafHashes(new Uint8Array(10), Uint32Array.of(4, 10), 2, out, 1)).toThrow('at: 1 leaves no room for 2 hashes in out (64 bytes)');
    expect(() => keccak256SortedPairs(new Uint8Array(4 * HASH_BYTES), 2)).toThrow('nodes: 2 parents need 5 nodes of 32 bytes, got 128 bytes');
    expect(() => keccak256SortedPairs(new Uint8Array(0), -1)).toThrow('parents: expected a count, got -1');
  });
});

describe('WebAssembly keccak256', () => {
  it('is given only after agreeing with the portable one, and then equals noble on random data, in bulk too', async () => {
    const wasm = await createWasmKeccak256();
    expect(wasm).not.toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => bytesToHex(keccak256(data, wasm!)) === bytesToHex(keccak_256(data))), { numRuns: 300 });
    checkBulkJobs(wasm!);
  });

  it('grows its memory for inputs and trees larger than it (64 KiB at first)', async () => {
    const wasm = (await createWasmKeccak256())!;
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    expect(bytesToHex(keccak256(data, wasm))).toBe(bytesToHex(keccak_256(data)));
    const leaves = Array.from({ length: 3_000 }, (_, i) => keccak_256(Uint8Array.of(i >> 8, i & 0xff)));
    const nodes = new Uint8Array((2 * leaves.length - 1) * HASH_BYTES);
    leaves.forEach((l, i) => nodes.set(l, (leaves.length - 1 + i) * HASH_BYTES));
    keccak256SortedPairs(nodes, leaves.length - 1, wasm);
    expect(bytesToHex(nodes.subarray(0, HASH_BYTES))).toBe(bytesToHex(nobleTree(leaves).subarray(0, HASH_BYTES)));
  });

  it('refuses a candidate that gives other bytes, for one hash or for either bulk job', () => {
    const noble: Keccak256Implementation = {
      hashInto: (data, out, at) => out.set(keccak_256(data), at),
      hashLeaves: (records, ends, count, out, at) => out.set(nobleLeafHashes(Array.from({ length: count }, (_, i) => records.subarray(i === 0 ? 0 : ends[i - 1], ends[i]))), at),
      hashSortedPairs(nodes, parents) {
        const leaves = Array.from({ length: parents + 1 }, (_, i) => nodes.slice((parents + i) * HASH_BYTES, (parents + i + 1) * HASH_BYTES));
        nodes.set(nobleTree(leaves).subarray(0, parents * HASH_BYTES), 0);
      },
    };
    const flipFirstBit = (out: Uint8Array, at: number) => {
      out[at] = out[at]! ^ 1;
    };
    const wrongOn136Bytes: Keccak256Implementation['hashInto'] = (data, out, at) => {
      noble.hashInto(data, out, at);
      if (data.length === 136) flipFirstBit(out, at);
    };
    expect(() => checkKeccak256({ ...noble, hashInto: wrongOn136Bytes })).toThrow(/differs .* on 136 bytes/);
    const wrongLeaves: Keccak256Implementation['hashLeaves'] = (records, ends, count, out, at) => {
      noble.hashLeaves(records, ends, count, out, at);
      flipFirstBit(out, at);
    };
    expect(() => checkKeccak256({ ...noble, hashLeaves: wrongLeaves })).toThrow('checkKeccak256: the candidate differs from the portable Keccak-256 on leaf hashes');
    // left child first, never sorted: the check's tree has pairs the sort swaps
    const unsorted: Keccak256Implementation['hashSortedPairs'] = (nodes, parents) => {
      for (let i = parents - 1; i >= 0; i--) nodes.set(keccak_256(nodes.subarray((2 * i + 1) * HASH_BYTES, (2 * i + 3) * HASH_BYTES)), i * HASH_BYTES);
    };
    expect(() => checkKeccak256({ ...noble, hashSortedPairs: unsorted })).toThrow('checkKeccak256: the candidate differs from the portable Keccak-256 on sorted pairs');
    expect(checkKeccak256(noble)).toBe(noble); // the same bytes: accepted, and handed back
  });
});
