// The one boundary where ethers and RPC failures become the project's ChainError (STYLE: library
// errors are translated at exactly one boundary). Custom errors are decoded with the contracts' ABIs.
import { Interface, isError } from 'ethers';
import { loadArtifact } from './artifacts.js';
import { translateRevert, type ChainRefusal } from './chain-refusal.js';

export type ChainErrorCode = 'reverted' | 'unreachable' | 'timeout' | 'nonce' | 'unknown';

export interface DecodedRevert {
  /** custom error name (e.g. 'SettlementBatchOutOfOrder'), 'Error' for require strings, 'Panic' */
  name: string;
  args: unknown[];
}

export class ChainError extends Error {
  override readonly name = 'ChainError';
  readonly code: ChainErrorCode;
  readonly revert?: DecodedRevert;
  /** the revert in words, with its machine code: what the CLI, the API and the pages show */
  readonly refusal?: ChainRefusal;
  /** transaction hash when the failure happened after sending */
  readonly txHash?: string;

  constructor(code: ChainErrorCode, message: string, options: { revert?: DecodedRevert; txHash?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    if (options.revert) {
      this.revert = options.revert;
      this.refusal = refusalOf(options.revert);
    }
    if (options.txHash) this.txHash = options.txHash;
  }
}

interface AbiErrorFragment {
  type: 'error';
  name: string;
  inputs: Array<{ name: string; type: string; internalType?: string }>;
}

let errorFragments: AbiErrorFragment[] | undefined;
/** Every error the three contracts can raise, from their compiled ABIs (which include OpenZeppelin's). */
export function contractErrorFragments(): AbiErrorFragment[] {
  if (!errorFragments) {
    const seen = new Set<string>();
    errorFragments = (['SettlementToken', 'MeterRegistry', 'Settlement'] as const)
      .flatMap((name) => loadArtifact(name).abi)
      .filter((f) => f.type === 'error' && !seen.has(JSON.stringify(f)) && seen.add(JSON.stringify(f))) as unknown as AbiErrorFragment[];
  }
  return errorFragments;
}

let errorsInterface: Interface | undefined;
function contractErrors(): Interface {
  errorsInterface ??= new Interface(contractErrorFragments() as never);
  return errorsInterface;
}

/** The revert translated (chain-refusal.ts), with the argument names of its ABI fragment. */
export function refusalOf(revert: DecodedRevert): ChainRefusal {
  let inputs: AbiErrorFragment['inputs'] | undefined;
  try {
    inputs = contractErrorFragments().find((f) => f.name === revert.name && f.inputs.length === revert.args.length)?.inputs;
  } catch {
    inputs = undefined; // no artifacts (misuse): the refusal still names the error
  }
  return translateRevert(revert, inputs);
}

export function decodeRevert(data: string | null | undefined): DecodedRevert | undefined {
  if (!data || data === '0x') return undefined;
  try {
    const parsed = contractErrors().parseError(data);
    if (parsed) return { name: parsed.name, args: [...parsed.args].map(plain) };
  } catch {
    // fall through to the builtin Error(string) / Panic(uint256)
  }
  try {
    const builtin = Interface.from(['error Error(string)', 'error Panic(uint256)']).parseError(data);
    if (builtin) return { name: builtin.name, args: [...builtin.args].map(plain) };
  } catch {
    // unknown selector
  }
  return { name: 'unknown', args: [data] };
}

function plain(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'toArray' in value ? [...(value as unknown as Iterable<unknown>)].map(plain) : value;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET']);

/** Translates anything thrown while talking to the chain. Already-translated errors pass through. */
export function toChainError(error: unknown, context: string): ChainError {
  if (error instanceof ChainError) return error;
  const message = `${context}: ${describe(error)}`;
  const txHash = findTxHash(error);
  const options = { cause: error, ...(txHash ? { txHash } : {}) };
  if (isError(error, 'CALL_EXCEPTION')) {
    const revert = decodeRevert(error.data) ?? (error.revert ? { name: error.revert.name, args: [...error.revert.args].map(plain) } : undefined);
    return new ChainError('reverted', revert ? refusedMessage(context, revert) : message, { ...options, ...(revert ? { revert } : {}) });
  }
  if (isError(error, 'TIMEOUT')) return new ChainError('timeout', message, options);
  if (isError(error, 'NONCE_EXPIRED') || isError(error, 'REPLACEMENT_UNDERPRICED') || /nonce/i.test(message)) {
    return new ChainError('nonce', message, options);
  }
  const code = findCode(error);
  if (code && UNREACHABLE.has(code)) return new ChainError('unreachable', message, options);
  if (/fetch failed|ECONNREFUSED|socket hang up/i.test(message)) return new ChainError('unreachable', message, options);
  // A revert reported by the node inside a JSON-RPC error (e.g. eth_estimateGas on some nodes).
  const data = findRevertData(error);
  if (data) {
    const revert = decodeRevert(data);
    if (revert) return new ChainError('reverted', refusedMessage(context, revert), { ...options, revert });
  }
  return new ChainError('unknown', message, options);
}

/** For logs: the words first, then the raw error for whoever debugs the contract. */
function refusedMessage(context: string, revert: DecodedRevert): string {
  return `${context}: refused: ${refusalOf(revert).message} [${formatRevert(revert)}]`;
}

export function formatRevert(revert: DecodedRevert): string {
  return `${revert.name}(${revert.args.map((a) => (typeof a === 'bigint' ? a.toString() : JSON.stringify(a))).join(', ')})`;
}

function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'shortMessage' in error && typeof error.shortMessage === 'string') return error.shortMessage;
  return error instanceof Error ? error.message : String(error);
}

function findCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  return findCode((error as { cause?: unknown }).cause, depth + 1) ?? findCode((error as { error?: unknown }).error, depth + 1);
}

function findRevertData(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const data = (error as { data?: unknown }).data;
  if (typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
  return findRevertData((error as { error?: unknown }).error, depth + 1) ?? findRevertData((error as { info?: { error?: unknown } }).info?.error, depth + 1);
}

function findTxHash(error: unknown): string | undefined {
  const receipt = (error as { receipt?: { hash?: unknown } } | null)?.receipt;
  return typeof receipt?.hash === 'string' ? receipt.hash : undefined;
}
