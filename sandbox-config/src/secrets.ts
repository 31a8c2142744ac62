// Secrets (chain keys, dashboard tokens) never sit in a committed sandbox file except as clearly
// marked `sandboxTestValue`s. Order: environment variable, else file, else sandbox test value.
// A secret that cannot be found is a start-up failure that says what to set (ConfigError).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SandboxConfig, Secret } from './schema.js';
import { ConfigError } from './config-error.js';

export interface ResolveSecretParameters {
  env: NodeJS.ProcessEnv;
  /** directory of the sandbox file; relative `file` paths start here */
  baseDir: string;
  /** what the secret is for, named in errors, e.g. "chain.keys.gateway" */
  what: string;
}

export function resolveSecret(secret: Secret, { env, baseDir, what }: ResolveSecretParameters): string {
  // An empty variable counts as unset (`FOO= feedin up`), as shells and dotenv files produce them.
  const fromEnv = secret.env ? env[secret.env]?.trim() : undefined;
  if (fromEnv) return fromEnv;
  const file = secret.file ? resolve(baseDir, secret.file) : undefined;
  if (file) {
    const fromFile = readSecretFile(file, what);
    if (fromFile !== undefined) return fromFile;
  }
  if (secret.sandboxTestValue) return secret.sandboxTestValue;
  const tried = [secret.env && `set the environment variable ${secret.env}`, file && `create the file ${file}`].filter(Boolean);
  throw new ConfigError(`${what}: secret not found: ${tried.length ? tried.join(' or ') : 'configure env, file or sandboxTestValue'}`);
}

/** Where `resolveSecret` would take the secret from (same order), so that output can say where
 * a secret comes from instead of printing it (issue #10.11). Reads no file content. */
export type SecretSource = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'sandboxTestValue' } | { kind: 'missing' };

export function secretSource(secret: Secret, { env, baseDir }: Omit<ResolveSecretParameters, 'what'>): SecretSource {
  if (secret.env && env[secret.env]?.trim()) return { kind: 'env', name: secret.env };
  const file = secret.file ? resolve(baseDir, secret.file) : undefined;
  if (file && existsSync(file)) return { kind: 'file', path: file };
  return secret.sandboxTestValue ? { kind: 'sandboxTestValue' } : { kind: 'missing' };
}

/** The file's content, trimmed (editors add a final newline); undefined when it does not exist. */
function readSecretFile(file: string, what: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
  // An empty key file is a mistake, never a reason to fall back to a public sandbox test value.
  if (!text.trim()) throw new ConfigError(`${what}: ${file} is empty`);
  return text.trim();
}

export interface DashboardTokens {
  regulator: string;
  operator: string;
  /** household id → token; households without a configured token cannot sign in */
  households: Map<string, string>;
}

/** Every dashboard role's token. FEEDIN_REGULATOR_TOKEN overrides the regulator's (docs/design.md
 * §HTTP and roles); a token must name exactly one role, so two roles sharing one is an error. */
export function dashboardTokens(config: SandboxConfig, opts: Omit<ResolveSecretParameters, 'what'>): DashboardTokens {
  const { regulator, operator, households } = config.participants;
  const owners = new Map<string, string>();
  const claim = (token: string, what: string): string => {
    const other = owners.get(token);
    if (other) throw new ConfigError(`${what}: same dashboard token as ${other}; every role needs its own`);
    owners.set(token, what);
    return token;
  };
  const required = (secret: Secret | undefined, what: string, hint: string): string => {
    if (!secret) throw new ConfigError(`${what}: no dashboard token configured${hint}`);
    return resolveSecret(secret, { ...opts, what });
  };

  const override = opts.env.FEEDIN_REGULATOR_TOKEN?.trim();
  const tokens: DashboardTokens = {
    regulator: claim(
      override || required(regulator.token, 'participants.regulator.token', ' (or set FEEDIN_REGULATOR_TOKEN)'),
      override ? 'FEEDIN_REGULATOR_TOKEN' : 'participants.regulator.token',
    ),
    operator: claim(required(operator.token, 'participants.operator.token', ''), 'participants.operator.token'),
    households: new Map(),
  };
  households.forEach((h, i) => {
    if (!h.token) return;
    const what = `participants.households[${i}].token (${h.id})`;
    tokens.households.set(h.id, claim(resolveSecret(h.token, { ...opts, what }), what));
  });
  return tokens;
}
