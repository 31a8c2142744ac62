// Keccak-256 in WebAssembly, from the module keccak-wasm-module.ts generates: it runs offline in
// Node and in browsers alike. A hash costs about a tenth of the portable one, and a chunk of leaf
// hashes or a whole tree's inner nodes is one call with no JS work per hash: with the bytes-level
// tree (merkle.ts) it takes the two roots of a 100,000-claim batch from ~2.3 s to ~0.7 s on the
// 2-core bench machine. Compiling is asynchronous, so a composition root awaits
// `createWasmKeccak256()` once and passes the result to what hashes trees; without it, or if WASM
// is unavailable, hashing stays portable and gives the same bytes.
import { checkKeccak256, type Keccak256Implementation } from './keccak.js';
import { KECCAK_WASM_LAYOUT, keccakWasmModuleBytes } from './keccak-wasm-module.js';

const { dataAt: DATA_AT, outAt: OUT_AT } = KECCAK_WASM_LAYOUT;
const HASH_BYTES = 32;
const PAGE_BYTES = 65_536;

interface KeccakExports {
  memory: WebAssembly.Memory;
  keccak(ptr: number, length: number, out: number): void;
  hashSortedPairs(nodes: number, parents: number): void;
  hashLeaves(records: number, ends: number, count: number, out: number): void;
}

/** A WASM Keccak-256, checked against the portable one (keccak.ts `checkKeccak256`); null where
 * WebAssembly is unavailable (the caller keeps `portableKeccak256`: the same bytes). Each call
 * compiles a module with its own memory: the composition root makes one and passes it on. */
export async function createWasmKeccak256(): Promise<Keccak256Implementation | null> {
  try {
    const { instance } = await WebAssembly.instantiate(keccakWasmModuleBytes());
    return checkKeccak256(wasmKeccak256(instance.exports as unknown as KeccakExports));
  } catch {
    return null;
  }
}

function wasmKeccak256(wasm: KeccakExports): Keccak256Implementation {
  let memory = new Uint8Array(wasm.memory.buffer);
  /** The memory, grown so that `bytes` fit from DATA_AT on. It keeps its size afterwards (a
   * 100,000-leaf tree: ~6.4 MB), so the next batch does not grow it again. */
  const room = (bytes: number): Uint8Array => {
    const missing = DATA_AT + bytes - memory.length;
    if (missing > 0) {
      wasm.memory.grow(Math.ceil(missing / PAGE_BYTES));
      memory = new Uint8Array(wasm.memory.buffer); // growing detached the old buffer
    }
    return memory;
  };
  return {
    hashInto(data, out, at) {
      const m = room(data.length);
      m.set(data, DATA_AT);
      wasm.keccak(DATA_AT, data.length, OUT_AT);
      for (let i = 0; i < HASH_BYTES; i++) out[at + i] = m[OUT_AT + i]!;
    },
    hashLeaves(records, ends, count, out, at) {
      if (count === 0) return;
      const recordBytes = ends[count - 1]!;
      const endsAt = DATA_AT + Math.ceil(recordBytes / 4) * 4;
      const hashesAt = endsAt + 4 * count;
      const m = room(hashesAt + count * HASH_BYTES - DATA_AT);
      m.set(records.subarray(0, recordBytes), DATA_AT);
      const view = new DataView(m.buffer);
      for (let i = 0; i < count; i++) view.setUint32(endsAt + 4 * i, ends[i]!, true); // WASM is little-endian
      wasm.hashLeaves(DATA_AT, endsAt, count, hashesAt);
      out.set(m.subarray(hashesAt, hashesAt + count * HASH_BYTES), at);
    },
    hashSortedPairs(nodes, parents) {
      if (parents === 0) return;
      const used = (2 * parents + 1) * HASH_BYTES;
      const m = room(used);
      m.set(nodes.subarray(0, used), DATA_AT);
      wasm.hashSortedPairs(DATA_AT, parents);
      nodes.set(m.subarray(DATA_AT, DATA_AT + parents * HASH_BYTES), 0);
    },
  };
}
