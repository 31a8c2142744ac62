// The chain of the embedded sandbox: anvil as a child process with its state under the data dir,
// contracts deployed once and reused on every later start (checked by code at the addresses).
import { startAnvil } from '@feedin/contracts/anvil';
import type { Deployment } from '@feedin/contracts/deploy';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import type { Hex } from '@feedin/protocol/hex';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { endStaleProcess, writePidFile } from './stale-process.js';
import { deployOrReuse } from './deploy-or-reuse.js';
import { checkAnvilStateFile } from './anvil-state-file.js';

export interface EmbeddedChain {
  rpcUrl: string;
  deployment: Deployment;
  fresh: boolean;
  stop(): Promise<void>;
}

export interface ChainKeys {
  deployer: Hex;
  gateway: Hex;
  regulator: Hex;
  operator: Hex;
}

export async function startEmbeddedChain(opts: {
  config: SandboxConfig;
  keys: ChainKeys;
  port: number;
  stateFile: string;
  deploymentFile: string;
  /** anvil's pid, so that the next start can end an anvil orphaned by a kill -9 of this process */
  pidFile: string;
  log: (line: string) => void;
}): Promise<EmbeddedChain> {
  const { config, keys } = opts;
  const orphan = await endStaleProcess(opts.pidFile, opts.stateFile);
  if (orphan !== undefined) opts.log(`chain: ended anvil ${orphan} left running by an earlier feedin up that did not stop cleanly`);
  await mkdir(dirname(opts.stateFile), { recursive: true });
  await checkAnvilStateFile(opts.stateFile, opts.log);
  const anvil = await startAnvil({
    port: opts.port,
    stateFile: opts.stateFile,
    blockTimeSeconds: config.chain.blockTimeSeconds,
    chainId: config.chain.chainId,
  });
  await writePidFile(opts.pidFile, anvil.pid);
  try {
    const { deployment, fresh } = await deployOrReuse({ config, keys, rpcUrl: anvil.rpcUrl, deploymentFile: opts.deploymentFile });
    opts.log(`chain: anvil on ${anvil.rpcUrl}, contracts ${fresh ? 'deployed' : 'reused'} (settlement ${deployment.settlement})`);
    return { rpcUrl: anvil.rpcUrl, deployment, fresh, stop: anvil.stop };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
