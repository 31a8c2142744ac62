// The chain of a sandbox on an existing node (`chain.mode: rpc`, e.g. a Besu QBFT validator of the
// docker-compose consortium): nothing is started here. The contracts are deployed once and the
// deployment file under the data dir is reused on every later start while its code is still at
// the recorded addresses — the same rule as the embedded chain, so `feedin up` goes on identically.
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { CliError } from '../cli-error.js';
import { deployOrReuse } from './deploy-or-reuse.js';
import type { ChainKeys, EmbeddedChain } from './embedded-chain.js';

/** Same shape as the embedded chain, so the composition root treats both alike. */
export type RpcChain = EmbeddedChain;

export interface StartRpcChainParameters {
  config: SandboxConfig;
  keys: ChainKeys;
  rpcUrl: string;
  deploymentFile: string;
  log: (line: string) => void;
  /** how long to wait for the node to answer with the configured chain id; default 120 000, because
   * in docker-compose the gateway may come up before the validators have produced a block */
  readyTimeoutMs?: number;
}

export async function startRpcChain(parameters: StartRpcChainParameters): Promise<RpcChain> {
  const { config, keys, rpcUrl, log } = parameters;
  await waitForChain(rpcUrl, config.chain.chainId, parameters.readyTimeoutMs ?? 120_000, log);
  // A QBFT chain makes a block every couple of seconds: polling faster only adds load.
  const { deployment, fresh, replacedStaleFile } = await deployOrReuse({ config, keys, rpcUrl, deploymentFile: parameters.deploymentFile, pollingIntervalMs: 500 });
  if (replacedStaleFile) log(`chain: the deployment in ${parameters.deploymentFile} was not on ${rpcUrl} (new chain?); deployed again`);
  log(`chain: ${rpcUrl} (chain id ${deployment.chainId}), contracts ${fresh ? 'deployed' : 'reused'} (settlement ${deployment.settlement})`);
  // The node is not ours: stopping the sandbox leaves it running.
  return { rpcUrl, deployment, fresh, stop: async () => {} };
}

/** Fail fast with what to fix: a wrong chain id is a configuration error, not a reason to wait. */
async function waitForChain(rpcUrl: string, chainId: number, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  let told = false;
  for (;;) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as { result?: string; error?: { message?: string } };
      if (typeof body.result === 'string') {
        const actual = Number(body.result);
        if (actual !== chainId) throw new CliError(`chain.rpcUrl ${rpcUrl} serves chain id ${actual}, but chain.chainId is ${chainId}: fix one of them`);
        return;
      }
      last = body.error?.message ?? `HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof CliError) throw error;
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) throw new CliError(`chain.rpcUrl ${rpcUrl} did not answer eth_chainId within ${timeoutMs} ms (${last}): is the node running?`);
    if (!told) log(`chain: waiting for ${rpcUrl} (${last})`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
