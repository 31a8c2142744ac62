// The one EVM version of the project (docs/design.md §Chain): Solidity's evmVersion, anvil's
// --hardfork and the Besu QBFT genesis milestone are identical; Besu QBFT cannot run prague/osaka,
// so cancun it is. scripts/build.mjs reads this constant from this file's text: keep the literal on
// one line.
export const EVM_VERSION = 'cancun';
