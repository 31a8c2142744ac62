// Compiled contracts as written by scripts/build.mjs. The path is relative to this module, and
// both src/ (vitest) and dist/ (built) sit one level below the package, so one URL serves both.
import { readFileSync } from 'node:fs';
import type { Hex } from '@feedin/protocol/hex';

export type ContractName = 'SettlementToken' | 'MeterRegistry' | 'Settlement';

export interface Artifact {
  contractName: ContractName;
  abi: readonly Record<string, unknown>[];
  bytecode: Hex;
  deployedBytecode: Hex;
  evmVersion: string;
  solcVersion: string;
}

const cache = new Map<ContractName, Artifact>();

/** Throws (misuse: the build did not run) with the command that fixes it. */
export function loadArtifact(name: ContractName): Artifact {
  const cached = cache.get(name);
  if (cached) return cached;
  const url = new URL(`../artifacts/${name}.json`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch {
    throw new Error(`contracts: artifact ${name} not found at ${url.pathname}; run 'npm run build -w @feedin/contracts'`);
  }
  const artifact = JSON.parse(text) as Artifact;
  cache.set(name, artifact);
  return artifact;
}
