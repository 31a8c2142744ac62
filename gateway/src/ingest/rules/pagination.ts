// Rule: PG is the next one (OCMF: fiscal pagination counts by exactly 1 per reading). A gap is
// accepted but recorded; a repeat of an accepted PG with the same signed payload is an
// idempotent duplicate (a resend after a lost PUBACK); with a different payload it is a replay
// or equivocation — the meter signed two different readings under one PG.
import type { Hex } from '@feedin/protocol/hex';
import { fail, ok, type Result } from '@feedin/protocol/result';
import type { LastAccepted } from '../validation-state.js';

export type PaginationVerdict = { kind: 'next' } | { kind: 'gap'; expected: number } | { kind: 'duplicate' };
export type PaginationReason = 'replay' | 'pagination-regressed';

/**
 * @param acceptedDigestOf the payload digest of the meter's accepted reading with that PG, if any
 *   (looked up only for PGs at or below the last one)
 */
export async function checkPagination(
  pagination: number,
  payloadDigest: Hex,
  last: LastAccepted | undefined,
  acceptedDigestOf: (pagination: number) => Promise<Hex | undefined>,
): Promise<Result<PaginationVerdict, PaginationReason>> {
  const lastPagination = last?.pagination ?? 0;
  if (pagination === lastPagination + 1) return ok({ kind: 'next' });
  if (pagination > lastPagination + 1) return ok({ kind: 'gap', expected: lastPagination + 1 });

  const earlier = pagination === last?.pagination ? last.payloadDigest : await acceptedDigestOf(pagination);
  if (earlier === undefined)
    return fail('pagination-regressed', `PG F${pagination} is below the last accepted F${lastPagination} and was never accepted`);
  // Compared on the signed payload, not the whole string: a device may re-sign the same payload
  // on resend (ECDSA with fresh k); only different signed content is equivocation.
  if (earlier === payloadDigest) return ok({ kind: 'duplicate' });
  return fail('replay', `PG F${pagination} was already accepted with a different payload (accepted ${earlier}, received ${payloadDigest})`);
}
