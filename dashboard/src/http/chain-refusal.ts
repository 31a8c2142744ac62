// Contract refusals as API answers (issue 11 item 13): the refusal's words are the message, its
// kind picks the status — a wrong state is 409, bad input 400, a missing batch or meter 404, a key
// without the role 403 — and its machine code, arguments, message key and params go along for
// tools and for pages that translate. The words come from the chain client (contracts/src/chain-refusal.ts).
import { chainRefusal, type ChainRefusal, type RefusalKind } from '@feedin/gateway/settlement/chain-errors';
import { ApiError, type ApiErrorCode } from './api-error.js';

const STATUS: Record<RefusalKind, [number, ApiErrorCode]> = {
  state: [409, 'conflict'],
  input: [400, 'invalid-parameter'],
  'not-found': [404, 'not-found'],
  permission: [403, 'forbidden'],
};

export function refusalApiError(refusal: ChainRefusal): ApiError {
  const [status, code] = STATUS[refusal.kind] ?? STATUS.state;
  return new ApiError(status, code, refusal.message, undefined, { code: refusal.code, args: refusal.args, key: refusal.key, params: refusal.params });
}

/** The API error for anything thrown that carries a contract refusal; undefined otherwise. */
export function apiErrorFromChain(error: unknown): ApiError | undefined {
  const refusal = chainRefusal(error);
  return refusal ? refusalApiError(refusal) : undefined;
}
