// Deterministic pseudo-randomness for the simulation. Every random quantity is a pure function
// of (seed, stream, index), never of call order, so a restarted fleet sees the same sky and the
// same households as before (and tests can pin exact values).

/** 32-bit avalanche hash of integers (the "lowbias32" finaliser by Chris Wellons). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h ^= v | 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x7feb352d);
    h ^= h >>> 15;
    h = Math.imul(h, 0x846ca68b);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Uniform in [0, 1) for (seed, stream, index). */
export function uniformAt(seed: number, stream: number, index: number): number {
  return hash32(seed, stream, index) / 0x1_0000_0000;
}

/** FNV-1a of a string: turns a meter id into a per-household seed. */
export function seedFromString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A stateful generator for one-off decisions (fault injection), seeded like the rest. */
export function createRandom(seed: number): () => number {
  let index = 0;
  return () => uniformAt(seed, 0x5eed, index++);
}
