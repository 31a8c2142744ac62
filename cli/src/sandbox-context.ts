// How a one-shot command finds the sandbox: the config (FEEDIN_CONFIG or the default), and what
// a running or past `feedin up` left in the data dir (chain RPC, contract addresses).
import { dirname } from 'node:path';
import { loadConfig, formatConfigIssues } from '@feedin/sandbox-config/load-config';
import { resolveSecret, secretSource, type SecretSource } from '@feedin/sandbox-config/secrets';
import type { SandboxConfig, Secret } from '@feedin/sandbox-config/schema';
import type { Deployment } from '@feedin/contracts/deploy';
import { createChainClient, type ChainClient } from '@feedin/contracts/chain-client';
import { openTransactionJournal } from '@feedin/contracts/transaction-journal';
import type { Hex } from '@feedin/protocol/hex';
import { CliError } from './cli-error.js';
import { dataDir, dataPaths, readJsonFile, type RuntimeInfo } from './data-dir.js';

export interface SandboxContext {
  config: SandboxConfig;
  configPath: string;
  paths: ReturnType<typeof dataPaths>;
  runtime: RuntimeInfo | undefined;
  secret(secret: Secret, what: string): string;
  /** where `secret` would come from (to name it instead of printing it) */
  secretSource(secret: Secret): SecretSource;
}

export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): { config: SandboxConfig; configPath: string } {
  const loaded = loadConfig({ env });
  if (!loaded.ok) throw new CliError(formatConfigIssues(loaded.path, loaded.errors));
  return { config: loaded.config, configPath: loaded.path };
}

export async function sandboxContext(env: NodeJS.ProcessEnv = process.env): Promise<SandboxContext> {
  const { config, configPath } = loadSandboxConfig(env);
  const paths = dataPaths(dataDir(env));
  const runtime = await readJsonFile<RuntimeInfo>(paths.runtime);
  return {
    config,
    configPath,
    paths,
    runtime,
    secret: (secret, what) => resolveSecret(secret, { env, baseDir: dirname(configPath), what }),
    secretSource: (secret) => secretSource(secret, { env, baseDir: dirname(configPath) }),
  };
}

/** A chain client for the sandbox's deployment, signing as `role` when given. */
export async function sandboxChain(
  ctx: SandboxContext,
  opts: { rpcUrl?: string; role?: 'operator' | 'regulator' | 'gateway' | 'deployer' } = {},
): Promise<{ chain: ChainClient; deployment: Deployment; rpcUrl: string }> {
  const deployment = await readJsonFile<Deployment>(ctx.paths.deployment);
  if (!deployment) throw new CliError(`no deployment found at ${ctx.paths.deployment}: start the sandbox with 'feedin up' first (or set FEEDIN_DATA_DIR)`);
  const rpcUrl = opts.rpcUrl ?? ctx.runtime?.rpcUrl ?? ctx.config.chain.rpcUrl;
  if (!rpcUrl) throw new CliError('no chain RPC URL: is the sandbox running (feedin up)?');
  const signerKey = opts.role ? (ctx.secret(ctx.config.chain.keys[opts.role], `chain.keys.${opts.role}`) as Hex) : undefined;
  // The embedded chain can lose its last second in a crash: what this command sends is journaled
  // like what `feedin up` sends, so that the next start finds it (sandbox/chain-recovery.ts).
  const journal = signerKey && ctx.config.chain.mode !== 'rpc' ? openTransactionJournal(ctx.paths.txJournal) : undefined;
  const chain = createChainClient({ rpcUrl, chainId: deployment.chainId, deployment, signerKey, journal });
  return { chain, deployment, rpcUrl };
}
