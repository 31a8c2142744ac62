// Who is asking, once a token or session has been checked. Households carry their own scope
// (docs/design.md §HTTP and roles: a household sees only its own data): the meters and payee they
// may read.
export type Principal =
  | { role: 'regulator' }
  | { role: 'operator' }
  | { role: 'household'; householdId: string; payee: string; meterIds: ReadonlySet<string> };

export type Role = Principal['role'];

export function canReadMeter(principal: Principal, meterId: string): boolean {
  return principal.role !== 'household' || principal.meterIds.has(meterId);
}

export function canReadPayee(principal: Principal, payee: string): boolean {
  // EVM addresses: checksum case is presentation, not identity.
  return principal.role !== 'household' || principal.payee.toLowerCase() === payee.toLowerCase();
}
