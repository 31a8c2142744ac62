// `feedin up`'s first step: everything the sandbox file and the environment decide is checked
// before anything starts (STYLE: fail fast at start-up with a message that says what to fix).
// A bad secret or token found after anvil, deployment, registration and the broker were up left
// a stack trace and a half-made data dir (#17); here it is one line and nothing has been touched.
// The rules are the ones the parts apply themselves (the dashboard's token resolver, the
// protocol's key → address, the store's choice of InfluxDB), called early, never restated.
import { addressFromPrivateKey } from '@feedin/protocol/address';
import type { Hex } from '@feedin/protocol/hex';
import { createTokenResolver, type DashboardTokens } from '@feedin/dashboard/auth/role-tokens';
import { tokensFromConfig } from '@feedin/dashboard/tokens-from-config';
import { chooseReadingStore } from '@feedin/gateway/store/open-store';
import { CliError } from '../cli-error.js';
import type { SandboxContext } from '../sandbox-context.js';
import type { ChainKeys } from './embedded-chain.js';

export interface Preflight {
  keys: ChainKeys;
  tokens: DashboardTokens;
}

export function preflight(ctx: Pick<SandboxContext, 'config' | 'secret'>, env: NodeJS.ProcessEnv): Preflight {
  const { config } = ctx;
  const key = (role: keyof ChainKeys): Hex => {
    const where = `chain.keys.${role}`;
    const value = oneLine(() => ctx.secret(config.chain.keys[role], where)) as Hex;
    oneLine(() => addressFromPrivateKey(value), `${where}: not a secp256k1 private key (0x and 64 hex digits)`);
    return value;
  };
  const keys: ChainKeys = { deployer: key('deployer'), gateway: key('gateway'), regulator: key('regulator'), operator: key('operator') };

  const tokens = oneLine(() => tokensFromConfig({ config, readSecret: (s, where) => ctx.secret(s, where), env }));
  const fromEnv = env.FEEDIN_REGULATOR_TOKEN !== undefined && env.FEEDIN_REGULATOR_TOKEN !== '';
  oneLine(
    () => createTokenResolver(tokens),
    // The resolver names the role; say where the regulator's came from when the environment set it.
    (message) => (fromEnv && message.includes('regulator token') ? `${message} (the regulator token comes from FEEDIN_REGULATOR_TOKEN)` : message),
  );
  oneLine(() => chooseReadingStore(config, env));
  return { keys, tokens };
}

/** Runs a check; its failure becomes a one-line CliError (exit 2: unusable input). */
function oneLine<T>(check: () => T, message: string | ((original: string) => string) = (m) => m): T {
  try {
    return check();
  } catch (error) {
    const original = (error as Error).message;
    throw new CliError(typeof message === 'string' ? message : message(original));
  }
}
