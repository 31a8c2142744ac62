// feedin tokens [regulator|operator|households|<householdId>] [--json] — where each role logs in
// to the dashboard: the login link when its token is a public sandbox test value, otherwise the
// page and where the token is (environment variable or file), never the token itself.
import { parseArgs } from 'node:util';
import { CliError } from '../cli-error.js';
import type { CommandHelp } from '../command-line.js';
import { sandboxContext } from '../sandbox-context.js';
import { describeLogin, roleLogins, type RoleLogin } from '../sandbox/role-logins.js';

export const help: CommandHelp = {
  usage: `usage: feedin tokens [regulator|operator|households|<householdId>] [--json]

Where each role logs in to the dashboard (default: every role), one line each. A token that is a
public sandbox test value is given as a login link; a token from the environment or a file is
never printed, only where it is. --json prints {"logins":[…]}.`,
};

export async function tokens(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length > 1) throw new CliError('usage: feedin tokens [regulator|operator|households|<householdId>] [--json]');
  const ctx = await sandboxContext();
  const httpUrl = ctx.runtime?.httpUrl ?? `http://${ctx.config.dashboard.host}:${process.env.FEEDIN_HTTP_PORT || ctx.config.dashboard.port}`;
  const all = roleLogins({ config: ctx.config, env: process.env, httpUrl, secret: ctx.secret, secretSource: ctx.secretSource });
  const which = positionals[0];
  const chosen = which === undefined ? all : all.filter((l) => l.role === which || (which === 'households' && l.role === 'household') || l.householdId === which);
  if (chosen.length === 0) throw new CliError(`${JSON.stringify(which)}: not a role (regulator, operator, households) or a household id of the sandbox`);
  if (values.json) console.log(JSON.stringify({ logins: chosen }, null, 2));
  else for (const login of chosen) console.log(`${label(login)}: ${describeLogin(login)}`);
  return 0;
}

function label(login: RoleLogin): string {
  return login.role === 'household' ? `household ${login.householdId} (${login.name})` : login.role;
}
