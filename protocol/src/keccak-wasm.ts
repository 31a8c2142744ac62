// Keccak-256 in WebAssembly (hash-wasm: the Keccak reference code compiled to WASM, embedded in
// the package, so it runs offline in Node and in browsers alike). About 4× the portable
// implementation: it is what makes the two Merkle roots of a 100,000-claim batch take about a
// second. Loading is asynchronous, so composition roots await `enableWasmKeccak256()` once; until
// then, or if WASM is unavailable, keccak256 stays portable and gives the same bytes.
import { createKeccak } from 'hash-wasm';
import { useKeccak256 } from './keccak.js';

let enabling: Promise<boolean> | undefined;

/** Resolves true once WASM Keccak is installed, false (and stays portable) if it cannot be. */
export function enableWasmKeccak256(): Promise<boolean> {
  enabling ??= (async () => {
    try {
      const hasher = await createKeccak(256);
      useKeccak256((data) => {
        hasher.init();
        hasher.update(data);
        return hasher.digest('binary');
      });
      return true;
    } catch {
      return false;
    }
  })();
  return enabling;
}
