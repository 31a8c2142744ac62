// How settlement reads the chain client's errors (ChainError { code, revert?, refusal? }). Duck-typed
// so that settlement depends on the shape, not on the contracts package's class identity.
import type { ChainRefusal } from '@feedin/contracts/chain-refusal';

export type { ChainRefusal, RefusalKind } from '@feedin/contracts/chain-refusal';

export type ChainErrorCode = 'reverted' | 'unreachable' | 'timeout' | 'nonce' | 'unknown';

export function chainErrorCode(error: unknown): ChainErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'reverted' || code === 'unreachable' || code === 'timeout' || code === 'nonce' ? code : 'unknown';
}

export function revertName(error: unknown): string | undefined {
  const revert = (error as { revert?: { name?: unknown } } | null)?.revert;
  return typeof revert?.name === 'string' ? revert.name : undefined;
}

/** The contract's sequential batchId refused the submission: the batch (or a later one) may
 * already be there. Never a reason to skip: the caller re-reads the chain. */
export function isOutOfOrder(error: unknown): boolean {
  return chainErrorCode(error) === 'reverted' && revertName(error) === 'SettlementBatchOutOfOrder';
}

/** The regulator paused settlement between our check and the send: wait, do not back off. */
export function isPausedRefusal(error: unknown): boolean {
  return chainErrorCode(error) === 'reverted' && revertName(error) === 'SettlementPaused';
}

/** A timeout or an unknown failure during a send: the transaction may or may not have landed. */
export function outcomeUnknown(error: unknown): boolean {
  const code = chainErrorCode(error);
  return code === 'timeout' || code === 'unknown' || code === 'nonce';
}

/** A contract refusal in words with its machine code (contracts/src/chain-refusal.ts), if it is one. */
export function chainRefusal(error: unknown): ChainRefusal | undefined {
  const refusal = (error as { refusal?: Partial<ChainRefusal> } | null)?.refusal;
  return typeof refusal?.message === 'string' && typeof refusal.code === 'string' ? (refusal as ChainRefusal) : undefined;
}

/** One line for people: a refusal in words ("batch 5 is already final"), else the failure. */
export function describeChainError(error: unknown): string {
  const refusal = chainRefusal(error);
  if (refusal) return refusal.message;
  const name = revertName(error);
  const message = error instanceof Error ? error.message : String(error);
  return `${chainErrorCode(error)}${name ? ` (${name})` : ''}: ${message}`;
}
