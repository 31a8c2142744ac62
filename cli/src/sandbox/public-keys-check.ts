// `chain.mode: rpc` is a chain the sandbox did not start; signing there with anvil's public test
// keys lets anyone on the internet act as the gateway, the regulator or the operator. So the
// gateway refuses them unless the config says so explicitly (issue #10.11), e.g. for the Besu
// demo of docker-compose.yml, whose chain is as local as anvil.
import { SANDBOX_TEST_KEYS } from '@feedin/contracts/sandbox-test-keys';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { CliError } from '../cli-error.js';

export function refusePublicKeysOnRpc(config: Pick<SandboxConfig, 'chain'>, keys: Record<'deployer' | 'gateway' | 'regulator' | 'operator', string>): void {
  if (config.chain.mode !== 'rpc' || config.chain.allowPublicSandboxKeys) return;
  const known = new Set(SANDBOX_TEST_KEYS.map((k) => k.toLowerCase()));
  const publicOnes = Object.entries(keys).filter(([, key]) => known.has(key.trim().toLowerCase()));
  if (publicOnes.length === 0) return;
  const names = publicOnes.map(([role]) => `chain.keys.${role}`).join(', ');
  throw new CliError(
    `${names}: anvil's public test key${publicOnes.length > 1 ? 's' : ''}, refused with chain.mode rpc (${config.chain.rpcUrl ?? 'no rpcUrl'}): ` +
      `set your own keys (e.g. FEEDIN_GATEWAY_KEY), or set chain.allowPublicSandboxKeys: true if this chain is a local test chain`,
  );
}
