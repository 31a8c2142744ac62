// Role tokens → principals. Tokens are compared in constant time: each candidate and the
// presented token are hashed to 32 bytes first, so neither length nor content leaks through
// timing, and every token is compared (no early exit reveals which role matched).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';

export interface HouseholdToken {
  householdId: string;
  token: string;
  payee: string;
  meterIds: string[];
}

/** A household as its payee key signs in (EIP-4361), token or not. */
export type WalletHousehold = Omit<HouseholdToken, 'token'>;

/** Role tokens from the sandbox config (see tokensFromConfig); a role without a token cannot log in. */
export interface DashboardTokens {
  regulator?: string;
  operator?: string;
  households: HouseholdToken[];
  /** every household that may sign in with its payee's key (default: those in `households`) */
  walletHouseholds?: WalletHousehold[];
}

export type ResolveToken = (token: string) => Principal | undefined;

const MIN_TOKEN_LENGTH = 16;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** `meterIdsOf` makes a household's meters live (a meter registered for it later joins them). */
export function createTokenResolver(tokens: DashboardTokens, meterIdsOf?: (householdId: string) => ReadonlySet<string>): ResolveToken {
  const entries: { digest: Buffer; principal: Principal }[] = [];
  const add = (token: string | undefined, principal: Principal, where: string): void => {
    if (token === undefined) return;
    // Misuse: a guessable or shared token is a configuration bug, caught at start-up.
    if (token.length < MIN_TOKEN_LENGTH) throw new TypeError(`dashboard tokens: ${where} must be at least ${MIN_TOKEN_LENGTH} characters`);
    const d = digest(token);
    if (entries.some((e) => e.digest.equals(d))) throw new TypeError(`dashboard tokens: ${where} is the same as another role's token`);
    entries.push({ digest: d, principal });
  };
  add(tokens.regulator, { role: 'regulator' }, 'regulator token');
  add(tokens.operator, { role: 'operator' }, 'operator token');
  for (const h of tokens.households) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(h.payee)) throw new TypeError(`dashboard tokens: household ${h.householdId} payee is not an address`);
    add(h.token, householdPrincipal(h, meterIdsOf), `household ${h.householdId} token`);
  }

  return (token) => {
    const presented = digest(token);
    let found: Principal | undefined;
    for (const e of entries) if (timingSafeEqual(e.digest, presented)) found = e.principal;
    return found;
  };
}

/** A household's principal; with `meterIdsOf` its meters are live (a meter registered for it
 * later, paid to its payee, joins them: issue #11 item 15), else the sandbox file's. */
function householdPrincipal(h: { householdId: string; payee: string; meterIds: string[] }, meterIdsOf?: (householdId: string) => ReadonlySet<string>): Principal {
  if (!meterIdsOf) return { role: 'household', householdId: h.householdId, payee: h.payee, meterIds: new Set(h.meterIds) };
  return {
    role: 'household',
    householdId: h.householdId,
    payee: h.payee,
    get meterIds(): ReadonlySet<string> {
      return meterIdsOf(h.householdId);
    },
  };
}

/** payee address → the household principal that signs with it (Sign-In with Ethereum). */
export type ResolvePayee = (address: string) => Principal | undefined;

export function createPayeeResolver(tokens: DashboardTokens, meterIdsOf?: (householdId: string) => ReadonlySet<string>): ResolvePayee {
  const byPayee = new Map<string, Principal>();
  for (const h of tokens.walletHouseholds ?? tokens.households)
    // EVM addresses: the checksum case is presentation, not identity.
    byPayee.set(h.payee.toLowerCase(), householdPrincipal(h, meterIdsOf));
  return (address) => byPayee.get(address.toLowerCase());
}
