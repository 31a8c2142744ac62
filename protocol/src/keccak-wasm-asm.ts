// Just enough of the WebAssembly binary format (core spec §5, SIMD proposal) to write
// keccak-wasm-module.ts: LEB128 numbers, sections, and the instructions it uses, each as its
// bytes. Memory offsets are unsigned LEB128; alignments are hints (log2 bytes).

export type Code = number[];

export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;

export function uleb(n: number): Code {
  const out: Code = [];
  do {
    const byte = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? byte : byte | 0x80);
  } while (n !== 0);
  return out;
}

export function sleb(n: bigint): Code {
  const out: Code = [];
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    const done = (n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

export const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
export const name = (text: string): Code => vec([...text].map((c) => [c.charCodeAt(0)]));

/** A function body: its locals as [count, type] runs, then the instructions. */
export function func(locals: Array<[number, number]>, body: Code[]): Code {
  const code = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...body.flat(), 0x0b];
  return [...uleb(code.length), ...code];
}

export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number): Code => [0x21, ...uleb(i)];
export const i32 = (n: number): Code => [0x41, ...sleb(BigInt(n))];
export const i64 = (n: bigint): Code => [0x42, ...sleb(BigInt.asIntN(64, n))];
export const call = (f: number): Code => [0x10, ...uleb(f)];
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number): Code => [0x0d, ...uleb(depth)];
const VOID = 0x40;
export const block = (...body: Code[]): Code => [0x02, VOID, ...body.flat(), 0x0b];
export const loop = (...body: Code[]): Code => [0x03, VOID, ...body.flat(), 0x0b];
export const ifThen = (...body: Code[]): Code => [0x04, VOID, ...body.flat(), 0x0b];

export const loadI32 = (offset: number): Code => [0x28, 2, ...uleb(offset)];
export const loadI64 = (offset: number): Code => [0x29, 3, ...uleb(offset)];
export const storeI64 = (offset: number): Code => [0x37, 3, ...uleb(offset)];
export const loadU8 = (offset: number): Code => [0x2d, 0, ...uleb(offset)];
export const storeU8 = (offset: number): Code => [0x3a, 0, ...uleb(offset)];
/** (dest, src, n) */
export const memoryCopy: Code = [0xfc, 10, 0, 0];
/** (dest, byte, n) */
export const memoryFill: Code = [0xfc, 11, 0];

export const i32Add: Code = [0x6a];
export const i32Sub: Code = [0x6b];
export const i32Mul: Code = [0x6c];
export const i32DivU: Code = [0x6e];
export const i32And: Code = [0x71];
export const i32Or: Code = [0x72];
export const i32Eqz: Code = [0x45];
export const i32Eq: Code = [0x46];
export const i32Ne: Code = [0x47];
export const i32LtU: Code = [0x49];
export const i32GtU: Code = [0x4b];
export const i32GeU: Code = [0x4f];
export const i64And: Code = [0x83];
export const i64Xor: Code = [0x85];
export const i64Rotl: Code = [0x89];

// SIMD: a v128 here holds two i64 lanes
const simd = (op: number, ...immediates: number[]): Code => [0xfd, ...uleb(op), ...immediates];
export const loadV128 = (offset: number): Code => simd(0x00, 4, ...uleb(offset));
export const storeV128 = (offset: number): Code => simd(0x0b, 4, ...uleb(offset));
export const i64x2Splat = simd(0x12);
export const i64x2ReplaceLane = (lane: number): Code => simd(0x1e, lane);
/** (a, b) → a & ~b */
export const v128AndNot = simd(0x4f);
export const v128Or = simd(0x50);
export const v128Xor = simd(0x51);
/** (v, i32 count) */
export const i64x2Shl = simd(0xcb);
export const i64x2ShrU = simd(0xcd);
