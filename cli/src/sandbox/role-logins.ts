// Where each role logs in to the dashboard (issue #11.16), without ever printing a secret that
// came from the environment or a file (issue #10.11): a sandbox test value is public, so its
// login link carries it; any other token is named by where it comes from instead.
import type { SandboxConfig, Secret } from '@feedin/sandbox-config/schema';
import type { SecretSource } from '@feedin/sandbox-config/secrets';

export type TokenOrigin = SecretSource | { kind: 'none' };

export interface RoleLogin {
  role: 'regulator' | 'operator' | 'household';
  householdId?: string;
  name: string;
  origin: TokenOrigin;
  /** with `#token=` only when the token is a public sandbox test value */
  loginUrl: string;
}

export interface RoleLoginsParameters {
  config: Pick<SandboxConfig, 'participants'>;
  env: NodeJS.ProcessEnv;
  httpUrl: string;
  secret(secret: Secret, what: string): string;
  secretSource(secret: Secret): SecretSource;
}

export function roleLogins({ config, env, httpUrl, secret, secretSource }: RoleLoginsParameters): RoleLogin[] {
  const base = httpUrl.replace(/\/$/, '');
  const login = (role: RoleLogin['role'], name: string, token: Secret | undefined, where: string, householdId?: string): RoleLogin => {
    // docs/design.md §HTTP and roles: FEEDIN_REGULATOR_TOKEN overrides the regulator's token
    // (tokensFromConfig)
    const override = role === 'regulator' && env.FEEDIN_REGULATOR_TOKEN ? { kind: 'env' as const, name: 'FEEDIN_REGULATOR_TOKEN' } : undefined;
    const origin: TokenOrigin = override ?? (token ? secretSource(token) : { kind: 'none' });
    const loginUrl = origin.kind === 'sandboxTestValue' && token ? `${base}/#token=${encodeURIComponent(secret(token, where))}` : `${base}/`;
    return { role, ...(householdId === undefined ? {} : { householdId }), name, origin, loginUrl };
  };
  const { regulator, operator, households } = config.participants;
  return [
    login('regulator', regulator.name, regulator.token, 'participants.regulator.token'),
    login('operator', operator.name, operator.token, 'participants.operator.token'),
    ...households.map((h, i) => login('household', h.name, h.token, `participants.households.${i}.token`, h.id)),
  ];
}

/** One line: the link, or the page and where the token is (never the token itself). */
export function describeLogin(login: RoleLogin): string {
  switch (login.origin.kind) {
    case 'sandboxTestValue':
      return `${login.loginUrl} (sandbox test token)`;
    case 'env':
      return `${login.loginUrl} with the token in the environment variable ${login.origin.name} (not printed)`;
    case 'file':
      return `${login.loginUrl} with the token in the file ${login.origin.path} (not printed)`;
    case 'missing':
    case 'none':
      return 'no token configured: this role cannot log in';
  }
}

/** What `feedin up` prints: the regulator's link, and how the operator and households get theirs. */
export function upLoginLines(logins: RoleLogin[]): string[] {
  const regulator = logins.find((l) => l.role === 'regulator')!;
  const operator = logins.find((l) => l.role === 'operator')!;
  const households = logins.filter((l) => l.role === 'household');
  const canLogIn = households.filter((l) => l.origin.kind !== 'none' && l.origin.kind !== 'missing').length;
  return [
    `regulator login: ${describeLogin(regulator)}`,
    operator.origin.kind === 'sandboxTestValue' ? 'operator login: feedin tokens operator (prints its link)' : `operator login: ${describeLogin(operator)}`,
    `household logins: feedin tokens households (${canLogIn} of ${households.length} households have a token; one link each)`,
  ];
}
