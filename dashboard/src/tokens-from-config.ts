// The dashboard's role tokens from the sandbox config (docs/design.md §HTTP and roles: role tokens
// for regulator, operator and each household's payee; FEEDIN_REGULATOR_TOKEN in the environment
// overrides the regulator's). Secrets are resolved by the caller's `readSecret` (sandbox-config's
// resolver), so this file reads no files and no environment of its own except through `env`.
import type { SandboxConfig, Secret } from '@feedin/sandbox-config/schema';
import type { DashboardTokens } from './auth/role-tokens.js';

export interface TokensFromConfigParameters {
  config: Pick<SandboxConfig, 'participants' | 'meters'>;
  readSecret: (secret: Secret, where: string) => string;
  env?: Record<string, string | undefined>;
}

export function tokensFromConfig({ config, readSecret, env = process.env }: TokensFromConfigParameters): DashboardTokens {
  const { participants, meters } = config;
  const read = (secret: Secret | undefined, where: string): string | undefined => (secret ? readSecret(secret, where) : undefined);
  const regulatorOverride = env.FEEDIN_REGULATOR_TOKEN;
  return {
    regulator: regulatorOverride !== undefined && regulatorOverride !== '' ? regulatorOverride : read(participants.regulator.token, 'participants.regulator.token'),
    operator: read(participants.operator.token, 'participants.operator.token'),
    households: participants.households.flatMap((h, i) => {
      const token = read(h.token, `participants.households.${i}.token`);
      if (token === undefined) return [];
      return [{ householdId: h.id, token, payee: h.payee, meterIds: meters.filter((m) => m.household === h.id).map((m) => m.id) }];
    }),
    // A household without a page token may still sign in with its payee's key (EIP-4361).
    walletHouseholds: participants.households.map((h) => ({ householdId: h.id, payee: h.payee, meterIds: meters.filter((m) => m.household === h.id).map((m) => m.id) })),
  };
}
