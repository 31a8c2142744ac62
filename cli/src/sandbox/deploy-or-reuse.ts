// The sandbox's contracts, deployed once per chain: a deployment file whose code is still at its
// addresses on this chain is reused (a restart); otherwise — first start, or a chain that was
// reset — the contracts are deployed with the sandbox file's roles, token and limits.
import { deployContracts, verifyDeployment, type Deployment } from '@feedin/contracts/deploy';
import { addressFromPrivateKey } from '@feedin/protocol/address';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { readJsonFile, writeJsonFileAtomic } from '../data-dir.js';
import type { ChainKeys } from './embedded-chain.js';

export interface DeployOrReuseResult {
  deployment: Deployment;
  /** true when the contracts were deployed by this call */
  fresh: boolean;
  /** a deployment file existed but does not match this chain (it was reset, or is another one) */
  replacedStaleFile: boolean;
}

export async function deployOrReuse(opts: {
  config: SandboxConfig;
  keys: ChainKeys;
  rpcUrl: string;
  deploymentFile: string;
  /** receipt polling while deploying; default the contracts package's */
  pollingIntervalMs?: number;
}): Promise<DeployOrReuseResult> {
  const { config, keys, rpcUrl } = opts;
  const saved = await readJsonFile<Deployment>(opts.deploymentFile);
  if (saved && saved.chainId === config.chain.chainId && (await verifyDeployment(rpcUrl, saved))) return { deployment: saved, fresh: false, replacedStaleFile: false };
  const deployment = await deployContracts({
    rpcUrl,
    chainId: config.chain.chainId,
    deployerKey: keys.deployer,
    roles: {
      gateway: addressFromPrivateKey(keys.gateway),
      regulator: addressFromPrivateKey(keys.regulator),
      operator: addressFromPrivateKey(keys.operator),
    },
    token: {
      name: config.chain.token.name,
      symbol: config.chain.token.symbol,
      decimals: config.chain.token.decimals,
      initialEscrow: config.chain.token.initialEscrow,
    },
    challengeWindowSeconds: config.limits.challengeWindowSeconds,
    limits: { batchCap: config.limits.batchCap, budget: config.limits.budget },
    ...(opts.pollingIntervalMs !== undefined ? { pollingIntervalMs: opts.pollingIntervalMs } : {}),
  });
  await writeJsonFileAtomic(opts.deploymentFile, deployment);
  return { deployment, fresh: true, replacedStaleFile: saved !== undefined };
}
