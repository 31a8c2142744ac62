// The bytes of a small WebAssembly module for Keccak-256, generated here from the algorithm
// rather than shipped as an opaque binary: Keccak-f[1600] on 64-bit lanes (FIPS 202 §3.2, Keccak
// padding), a one-shot hash, and the two bulk jobs of a Merkle tree — the leaf hashes of many
// records, the inner nodes of a whole tree — as one call each (a JS → WASM call per hash costs
// about as much as the permutation). The bulk jobs run two hashes at once on the two i64 lanes of
// WASM SIMD vectors, which nearly doubles their throughput. keccak-wasm.ts instantiates the module
// and installs it only after it gives the portable implementation's bytes (keccak.ts).
import {
  block, br, brIf, call, func, get, i32, i32Add, i32And, i32DivU, i32Eq, i32Eqz, i32GeU, i32GtU, i32LtU, i32Mul, i32Ne, i32Or, i32Sub, i64, i64And,
  i64Rotl, i64x2ReplaceLane, i64x2Shl, i64x2ShrU, i64x2Splat, i64Xor, ifThen, I32, I64, loadI32, loadI64, loadU8, loadV128, loop, memoryCopy,
  memoryFill, name, section, set, storeI64, storeU8, storeV128, uleb, v128AndNot, v128Or, v128Xor, V128, vec, type Code,
} from './keccak-wasm-asm.js';

/** Fixed memory layout (bytes): round constants; the state of one hash and the interleaved state
 * of two; two padded last blocks; two sorted pairs; two hashes out (the first is `keccak`'s).
 * Inputs go from dataAt on, and the memory grows with them. */
export const KECCAK_WASM_LAYOUT = { roundConstantsAt: 0, stateAt: 256, state2At: 512, blocksAt: 1024, pairsAt: 1536, outAt: 1792, dataAt: 2048 } as const;
const { roundConstantsAt: RC_AT, stateAt: STATE_AT, state2At: STATE2_AT, blocksAt: BLOCKS_AT, pairsAt: PAIRS_AT, outAt: OUT_AT } = KECCAK_WASM_LAYOUT;

const RATE_BYTES = 136;
const LANES = 25;
const HASH_BYTES = 32;
const BLOCK2_AT = BLOCKS_AT + 256;

// ι round constants (Keccak reference, 24 rounds)
const ROUND_CONSTANTS = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n, 0x000000000000808bn, 0x0000000080000001n,
  0x8000000080008081n, 0x8000000000008009n, 0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n,
  0x000000000000800an, 0x800000008000000an, 0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
// ρ rotation of lane x + 5y (Keccak reference)
const RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

// function indices, in the order of the code section
const [PERMUTE, PERMUTE2, ABSORB, ABSORB2, KECCAK, KECCAK2, SORTED_PAIR, HASH_SORTED_PAIRS, HASH_LEAVES] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

/** How a permutation handles its lanes: one i64 per lane, or a v128 holding the lane of two states. */
interface Lanes {
  type: number;
  /** the state's lane i (from memory) / back to memory */
  load(i: number): Code;
  store(i: number): Code;
  /** rotl by r of the value on the stack; `scratch` is a local it may use */
  rotl(r: number, scratch: number): Code;
  /** b0 ^ (~b1 & b2) of three locals (χ) */
  chi(b0: number, b1: number, b2: number): Code;
  /** the value on the stack xor round constant at byte offset `round` of RC_AT (ι) */
  iota(round: number): Code;
  xor: Code;
}

const ONE_STATE: Lanes = {
  type: I64,
  load: (i) => [...i32(0), ...loadI64(STATE_AT + 8 * i)],
  store: (i) => storeI64(STATE_AT + 8 * i),
  rotl: (r) => (r === 0 ? [] : [...i64(BigInt(r)), ...i64Rotl]),
  chi: (b0, b1, b2) => [...get(b0), ...get(b1), ...i64(-1n), ...i64Xor, ...get(b2), ...i64And, ...i64Xor],
  iota: (round) => [...get(round), ...loadI64(RC_AT), ...i64Xor],
  xor: i64Xor,
};

const TWO_STATES: Lanes = {
  type: V128,
  load: (i) => [...i32(0), ...loadV128(STATE2_AT + 16 * i)],
  store: (i) => storeV128(STATE2_AT + 16 * i),
  // SIMD has no 64-bit rotate: (v << r) | (v >>> 64 − r)
  rotl: (r, t) => (r === 0 ? [] : [...set(t), ...get(t), ...i32(r), ...i64x2Shl, ...get(t), ...i32(64 - r), ...i64x2ShrU, ...v128Or]),
  chi: (b0, b1, b2) => [...get(b0), ...get(b2), ...get(b1), ...v128AndNot, ...v128Xor],
  iota: (round) => [...get(round), ...loadI64(RC_AT), ...i64x2Splat, ...v128Xor],
  xor: v128Xor,
};

/** Keccak-f[1600] in place on the state(s) in memory. Locals: lanes a0-24, b0-24, c0-4, d, a
 * scratch lane, and the round's byte offset into the round constants. */
function permute(lanes: Lanes): Code {
  const a = (i: number) => i;
  const b = (i: number) => LANES + i;
  const c = (x: number) => 2 * LANES + x;
  const [d, scratch, round] = [2 * LANES + 5, 2 * LANES + 6, 2 * LANES + 7];
  const { xor } = lanes;
  const body: Code[] = [];
  for (let i = 0; i < LANES; i++) body.push(lanes.load(i), set(a(i)));
  const step: Code[] = [];
  // θ
  for (let x = 0; x < 5; x++) step.push(get(a(x)), get(a(x + 5)), xor, get(a(x + 10)), xor, get(a(x + 15)), xor, get(a(x + 20)), xor, set(c(x)));
  for (let x = 0; x < 5; x++) {
    step.push(get(c((x + 4) % 5)), get(c((x + 1) % 5)), lanes.rotl(1, scratch), xor, set(d));
    for (let y = 0; y < 5; y++) step.push(get(a(x + 5 * y)), get(d), xor, set(a(x + 5 * y)));
  }
  // ρ and π: B[y, 2x + 3y] = rotl(A[x, y], r[x, y])
  for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) step.push(get(a(x + 5 * y)), lanes.rotl(RHO[x + 5 * y]!, scratch), set(b(y + 5 * ((2 * x + 3 * y) % 5))));
  // χ
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) step.push(lanes.chi(b(x + 5 * y), b(((x + 1) % 5) + 5 * y), b(((x + 2) % 5) + 5 * y)), set(a(x + 5 * y)));
  // ι
  step.push(get(a(0)), lanes.iota(round), set(a(0)));
  step.push(get(round), i32(8), i32Add, set(round), get(round), i32(8 * 24), i32Ne, brIf(0));
  body.push(i32(0), set(round), loop(...step));
  for (let i = 0; i < LANES; i++) body.push(i32(0), get(a(i)), lanes.store(i));
  return func([[2 * LANES + 7, lanes.type], [1, I32]], body);
}

/** absorb(ptr): XORs the rate block at ptr into the state and permutes. */
function absorb(): Code {
  const body: Code[] = [];
  for (let i = 0; i < RATE_BYTES / 8; i++) body.push(i32(0), i32(0), loadI64(STATE_AT + 8 * i), get(0), loadI64(8 * i), i64Xor, storeI64(STATE_AT + 8 * i));
  return func([], [...body, call(PERMUTE)]);
}

/** absorb2(p, q): XORs the rate blocks at p (first state) and q (second) into the two states, and
 * permutes both. */
function absorb2(): Code {
  const body: Code[] = [];
  for (let i = 0; i < RATE_BYTES / 8; i++) body.push(i32(0), i32(0), loadV128(STATE2_AT + 16 * i), get(0), loadI64(8 * i), i64x2Splat, get(1), loadI64(8 * i), i64x2ReplaceLane(1), v128Xor, storeV128(STATE2_AT + 16 * i));
  return func([], [...body, call(PERMUTE2)]);
}

/** The last, partial block at `blockAt` with Keccak padding: the len bytes left at ptr, 0x01 after
 * them, 0x80 in the block's last byte (the same byte when len = 135). */
const padLastBlock = (blockAt: number, ptr: number, len: number): Code[] => [
  i32(blockAt), i32(0), i32(RATE_BYTES), memoryFill,
  i32(blockAt), get(ptr), get(len), memoryCopy,
  get(len), i32(1), storeU8(blockAt),
  i32(0), i32(0), loadU8(blockAt + RATE_BYTES - 1), i32(0x80), i32Or, storeU8(blockAt + RATE_BYTES - 1),
];

/** keccak(ptr, len, out): Keccak-256 of len bytes at ptr, 32 bytes to out (out may equal ptr). */
function keccak(): Code {
  const [ptr, len, out] = [0, 1, 2];
  return func([], [
    i32(STATE_AT), i32(0), i32(8 * LANES), memoryFill,
    block(loop(get(len), i32(RATE_BYTES), i32LtU, brIf(1), get(ptr), call(ABSORB), get(ptr), i32(RATE_BYTES), i32Add, set(ptr), get(len), i32(RATE_BYTES), i32Sub, set(len), br(0))),
    ...padLastBlock(BLOCKS_AT, ptr, len),
    i32(BLOCKS_AT), call(ABSORB),
    get(out), i32(STATE_AT), i32(HASH_BYTES), memoryCopy,
  ]);
}

/** keccak2(p, lenP, q, lenQ, outP, outQ): Keccak-256 of two inputs at once; they must have the
 * same number of whole blocks (floor(len / 136)). */
function keccak2(): Code {
  const [p, lenP, q, lenQ, outP, outQ] = [0, 1, 2, 3, 4, 5];
  const out: Code[] = [];
  for (let i = 0; i < HASH_BYTES / 8; i++) out.push(get(outP), i32(0), loadI64(STATE2_AT + 16 * i), storeI64(8 * i), get(outQ), i32(0), loadI64(STATE2_AT + 16 * i + 8), storeI64(8 * i));
  return func([], [
    i32(STATE2_AT), i32(0), i32(16 * LANES), memoryFill,
    block(loop(
      get(lenP), i32(RATE_BYTES), i32LtU, brIf(1),
      get(p), get(q), call(ABSORB2),
      get(p), i32(RATE_BYTES), i32Add, set(p), get(lenP), i32(RATE_BYTES), i32Sub, set(lenP),
      get(q), i32(RATE_BYTES), i32Add, set(q), get(lenQ), i32(RATE_BYTES), i32Sub, set(lenQ),
      br(0),
    )),
    ...padLastBlock(BLOCKS_AT, p, lenP),
    ...padLastBlock(BLOCK2_AT, q, lenQ),
    i32(BLOCKS_AT), i32(BLOCK2_AT), call(ABSORB2),
    ...out,
  ]);
}

/** sortedPair(nodes, k, dest): the children of node k (nodes 2k+1 and 2k+2, 32 bytes each), the
 * smaller first (OZ `_hashPair`), to the 64 bytes at dest. */
function sortedPair(): Code {
  const [nodes, k, dest, left, right, j, x, y] = [0, 1, 2, 3, 4, 5, 6, 7];
  return func([[5, I32]], [
    get(nodes), get(k), i32(2 * HASH_BYTES), i32Mul, i32Add, i32(HASH_BYTES), i32Add, set(left),
    get(left), i32(HASH_BYTES), i32Add, set(right),
    // the first differing byte orders the pair (equal nodes: either order)
    block(loop(
      get(left), get(j), i32Add, loadU8(0), set(x),
      get(right), get(j), i32Add, loadU8(0), set(y),
      get(x), get(y), i32Ne, brIf(1),
      get(j), i32(1), i32Add, set(j),
      get(j), i32(HASH_BYTES), i32LtU, brIf(0),
    )),
    get(x), get(y), i32GtU, ifThen(get(left), set(j), get(right), set(left), get(j), set(right)),
    get(dest), get(left), i32(HASH_BYTES), memoryCopy,
    get(dest), i32(HASH_BYTES), i32Add, get(right), i32(HASH_BYTES), memoryCopy,
  ]);
}

/** hashSortedPairs(nodes, parents): for k = parents − 1 down to 0, node k (32 bytes at
 * nodes + 32k) = keccak256 of its sorted children. Two nodes at a time while both have their
 * children done: k and k − 1 for k ≥ 2 (the children of k − 1 are 2k − 1 and 2k, above k). */
function hashSortedPairs(): Code {
  const [nodes, k] = [0, 1];
  const node = (offset: number): Code => [...get(nodes), ...get(k), ...i32(offset), ...i32Sub, ...i32(HASH_BYTES), ...i32Mul, ...i32Add];
  const PAIR2_AT = PAIRS_AT + 2 * HASH_BYTES;
  return func([], [
    block(loop(
      get(k), i32(3), i32LtU, brIf(1),
      get(nodes), get(k), i32(1), i32Sub, i32(PAIRS_AT), call(SORTED_PAIR),
      get(nodes), get(k), i32(2), i32Sub, i32(PAIR2_AT), call(SORTED_PAIR),
      i32(PAIRS_AT), i32(2 * HASH_BYTES), i32(PAIR2_AT), i32(2 * HASH_BYTES), node(1), node(2), call(KECCAK2),
      get(k), i32(2), i32Sub, set(k),
      br(0),
    )),
    block(loop(
      get(k), i32Eqz, brIf(1),
      get(nodes), get(k), i32(1), i32Sub, i32(PAIRS_AT), call(SORTED_PAIR),
      i32(PAIRS_AT), i32(2 * HASH_BYTES), node(1), call(KECCAK),
      get(k), i32(1), i32Sub, set(k),
      br(0),
    )),
  ]);
}

/** hashLeaves(records, ends, count, out): for each record i (bytes ends[i − 1] … ends[i] of
 * records, ends[−1] = 0, ends as u32), keccak256(keccak256(record)) to out + 32i. Two records at
 * a time when they have as many whole blocks, else one. */
function hashLeaves(): Code {
  const [records, ends, count, out, i, start, end, next, both] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const endOf = (at: number): Code => [...get(ends), ...get(i), ...i32(at), ...i32Add, ...i32(4), ...i32Mul, ...i32Add, ...loadI32(0)];
  const blocks = (from: number, to: number): Code => [...get(to), ...get(from), ...i32Sub, ...i32(RATE_BYTES), ...i32DivU];
  const outOf = (at: number): Code => [...get(out), ...get(i), ...i32(at), ...i32Add, ...i32(HASH_BYTES), ...i32Mul, ...i32Add];
  const OUT2_AT = OUT_AT + HASH_BYTES;
  return func([[5, I32]], [
    block(loop(
      get(i), get(count), i32GeU, brIf(1),
      endOf(0), set(end),
      // record i and the next one at once when there is a next one with as many whole blocks
      get(i), i32(1), i32Add, get(count), i32LtU, set(both),
      get(both), ifThen(endOf(1), set(next)),
      get(both), blocks(start, end), blocks(end, next), i32Eq, i32And, set(both),
      get(both),
      ifThen(
        get(records), get(start), i32Add, get(end), get(start), i32Sub, get(records), get(end), i32Add, get(next), get(end), i32Sub, i32(OUT_AT), i32(OUT2_AT), call(KECCAK2),
        i32(OUT_AT), i32(HASH_BYTES), i32(OUT2_AT), i32(HASH_BYTES), outOf(0), outOf(1), call(KECCAK2),
        get(next), set(start), get(i), i32(2), i32Add, set(i), br(1),
      ),
      get(records), get(start), i32Add, get(end), get(start), i32Sub, i32(OUT_AT), call(KECCAK),
      i32(OUT_AT), i32(HASH_BYTES), outOf(0), call(KECCAK),
      get(end), set(start), get(i), i32(1), i32Add, set(i),
      br(0),
    )),
  ]);
}

/** The module: exports `memory`, `keccak(ptr, len, out)`, `hashSortedPairs(nodes, parents)` and
 * `hashLeaves(records, ends, count, out)`. Needs WASM SIMD (Node ≥ 16.4, current browsers). */
export function keccakWasmModuleBytes(): Uint8Array<ArrayBuffer> {
  const params = (n: number): Code => [0x60, n, ...Array<number>(n).fill(I32), 0];
  const types = [params(0), params(1), params(2), params(3), params(4), params(6)];
  // permute, permute2, absorb, absorb2, keccak, keccak2, sortedPair, hashSortedPairs, hashLeaves
  const functionTypes = [0, 0, 1, 2, 3, 5, 3, 2, 4];
  const code = [permute(ONE_STATE), permute(TWO_STATES), absorb(), absorb2(), keccak(), keccak2(), sortedPair(), hashSortedPairs(), hashLeaves()];
  const roundConstants = ROUND_CONSTANTS.flatMap((rc) => Array.from({ length: 8 }, (_, k) => Number((rc >> BigInt(8 * k)) & 0xffn)));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(functionTypes.map((t) => [t]))),
    ...section(5, vec([[0x00, 1]])), // one memory, at least one 64 KiB page
    ...section(7, vec([[...name('memory'), 0x02, 0], [...name('keccak'), 0x00, KECCAK], [...name('hashSortedPairs'), 0x00, HASH_SORTED_PAIRS], [...name('hashLeaves'), 0x00, HASH_LEAVES]])),
    ...section(10, [...uleb(code.length), ...code.flat()]),
    ...section(11, vec([[0x00, ...i32(RC_AT), 0x0b, ...vec(roundConstants.map((b) => [b]))]])),
  ]);
}
