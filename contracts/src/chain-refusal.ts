// Contract refusals in words (issue 11 item 13): "batch 5 is already final", not
// `SettlementBatchStatusInvalid(5, 4)`. Every custom error the contracts can raise (their own, from
// the I* interfaces, and OpenZeppelin's they inherit) maps to a ChainRefusal: a stable machine code
// (the error's name) with its arguments by their ABI names, a message key and params for a
// translation layer, and an English default. chain-refusal.test.ts reads the errors from the
// compiled ABIs and fails for any error without an entry here.
import { id } from 'ethers';
import type { DecodedRevert } from './chain-error.js';

/** What kind of refusal it is, so that callers answer with the right status (HTTP 409/400/404/403). */
export type RefusalKind = 'state' | 'input' | 'not-found' | 'permission';

export interface ChainRefusal {
  /** the custom error's name, e.g. 'SettlementBatchStatusInvalid' ('Error', 'Panic', 'unknown' for the rest) */
  code: string;
  /** its arguments by ABI name: integers as decimal strings, enums by member name, addresses checksummed */
  args: Record<string, string>;
  kind: RefusalKind;
  /** translation key, e.g. 'chain.SettlementBatchStatusInvalid.final'; stable across releases */
  key: string;
  /** the values `message` interpolates (ICU `{name}` placeholders in the key's template) */
  params: Record<string, string>;
  /** English default */
  message: string;
}

/** One catalogue entry: English templates with `{name}` placeholders, chosen by an optional variant. */
interface Entry {
  kind: RefusalKind | ((args: Record<string, string>) => RefusalKind);
  /** variant name → template; 'default' when there is one template */
  templates: Record<string, string>;
  /** picks the template (e.g. by the batch's status); default 'default' */
  variant?: (args: Record<string, string>) => string;
  /** params beyond the arguments (e.g. a role's name for its hash) */
  extra?: (args: Record<string, string>) => Record<string, string>;
}

// ISettlement.BatchStatus, in declaration order (the ABI carries enums as uint8 without names;
// chain-refusal.test.ts checks this list against the Solidity source).
export const BATCH_STATUS_NAMES = ['none', 'pending', 'frozen', 'approved', 'final', 'rejected'] as const;

const ROLE_NAMES: Record<string, string> = Object.fromEntries(
  [['0x' + '00'.repeat(32), 'admin'], ...['GATEWAY_ROLE', 'REGULATOR_ROLE', 'OPERATOR_ROLE'].map((r) => [id(r), r.replace('_ROLE', '').toLowerCase()])],
);

const byStatus = (a: Record<string, string>) => a.status ?? 'default';

/** Times in the contracts are unix seconds (sandbox time): shown as ISO 8601 UTC. */
const TIME_ARGS = new Set([
  'suspendedFrom', 'currentValidFrom', 'validFrom', 'latestValidFrom', 'sandboxNow', 'revokedFrom', 'sandboxEnd', 'intervalEnd', 'intervalStart', 'expectedStart', 'givenStart',
]);

export const REFUSALS: Record<string, Entry> = {
  // ---- Settlement (contracts/solidity/interfaces/ISettlement.sol)
  SettlementBatchOutOfOrder: { kind: 'state', templates: { default: 'batch {given} is out of order: the next batch on chain is {expected}' } },
  SettlementIntervalInvalid: { kind: 'input', templates: { default: 'the interval from {intervalStart} to {intervalEnd} is empty or reversed' } },
  SettlementIntervalNotContiguous: { kind: 'state', templates: { default: 'the batch starts at {givenStart}, but the previous batch ended at {expectedStart}' } },
  SettlementBatchCapExceeded: { kind: 'state', templates: { default: 'the batch pays {totalAmount}, more than the per-batch cap of {batchCap} (token base units)' } },
  SettlementBudgetExceeded: { kind: 'state', templates: { default: 'all batches together would commit {committed}, more than the sandbox budget of {budget} (token base units)' } },
  SettlementEscrowInsufficient: {
    kind: 'state',
    templates: { default: 'the escrow covers {funded}, less than the {committed} committed with this batch (token base units): the operator must fund it' },
  },
  SettlementBatchStatusInvalid: {
    kind: (a) => (a.status === 'none' ? 'not-found' : 'state'),
    variant: byStatus,
    templates: {
      none: 'batch {batchId} is not on chain',
      pending: 'batch {batchId} is pending, not frozen: only a frozen batch can be approved or rejected',
      frozen: 'batch {batchId} is already frozen',
      approved: 'batch {batchId} is already approved',
      final: 'batch {batchId} is already final',
      rejected: 'batch {batchId} was rejected',
      default: 'batch {batchId} is {status}: not a state that allows this',
    },
  },
  SettlementBatchNotFinal: {
    kind: (a) => (a.status === 'none' ? 'not-found' : 'state'),
    variant: (a) => (a.status === 'none' || a.status === 'rejected' ? a.status : 'default'),
    templates: {
      none: 'batch {batchId} is not on chain: nothing can be withdrawn from it',
      rejected: 'batch {batchId} was rejected: nothing is paid from it',
      default: 'batch {batchId} is {status}, not final yet: withdrawals wait until it is',
    },
  },
  SettlementInvalidProof: { kind: 'input', templates: { default: "the proof does not show {payee} with a cumulative {cumulativeAmount} in the payouts of shard {shard}'s batch {batchId}" } },
  SettlementNothingDue: { kind: 'state', templates: { default: 'nothing is due to {payee}: {withdrawn} of a cumulative {cumulativeAmount} is already withdrawn' } },
  SettlementShardOverpaid: {
    kind: 'state',
    templates: { default: 'shard {shard} would pay out {paidOut} in total, more than the {committed} its batches committed (token base units): its payouts tree claims too much' },
  },
  SettlementPaused: { kind: 'state', templates: { default: 'settlement is paused by the regulator' } },
  SettlementNotPaused: { kind: 'state', templates: { default: 'settlement is not paused' } },
  SettlementZeroAmount: { kind: 'input', templates: { default: 'the amount must be more than zero' } },
  SettlementSandboxEnded: {
    kind: (a) => (a.sandboxEnd === TIME_ZERO ? 'input' : 'state'),
    variant: (a) => (a.sandboxEnd === TIME_ZERO ? 'zero' : 'default'),
    templates: { default: 'the sandbox ended at {sandboxEnd}: nothing after it is settled', zero: 'the end of the sandbox must be a time, not zero' },
  },

  // ---- MeterRegistry (contracts/solidity/interfaces/IMeterRegistry.sol)
  MeterRegistryInvalidMeterId: { kind: 'input', templates: { default: '"{meterId}" is not a meter id: 1 to 32 characters of A-Z, a-z, 0-9, ".", "_" and "-"' } },
  MeterRegistryAlreadyRegistered: { kind: 'state', templates: { default: 'meter {meterId} is already registered' } },
  MeterRegistryInvalidPublicKey: { kind: 'input', templates: { default: 'the public key for meter {meterId} is not a compressed secp256k1 key (33 bytes, 02 or 03 first), it has {length} bytes' } },
  MeterRegistryZeroPayee: { kind: 'input', templates: { default: 'meter {meterId} needs a payee address, not the zero address' } },
  MeterRegistryZeroCapacity: { kind: 'input', templates: { default: 'meter {meterId} needs an installed capacity above 0 W' } },
  MeterRegistryUnknownMeter: { kind: 'not-found', templates: { default: 'meter {meterId} is not registered' } },
  MeterRegistryAlreadySuspended: { kind: 'state', templates: { default: 'meter {meterId} is already suspended (since {suspendedFrom})' } },
  MeterRegistryNotSuspended: { kind: 'state', templates: { default: 'meter {meterId} is not suspended' } },
  MeterRegistryKeyNotAfterCurrent: {
    kind: 'input',
    templates: { default: 'the new key of meter {meterId} must take over after the current one (valid from {currentValidFrom}), not from {validFrom}' },
  },
  MeterRegistryKeyAlreadyRevoked: { kind: 'state', templates: { default: 'the current key of meter {meterId} is already revoked (from {revokedFrom})' } },
  MeterRegistryKeyValidFromInPast: {
    kind: 'input',
    templates: { default: "the new key of meter {meterId} cannot take over at {validFrom}, before the sandbox's now ({sandboxNow}): readings already accepted keep the key that signed them" },
  },
  MeterRegistryKeyValidFromBeyondHorizon: { kind: 'input', templates: { default: 'the new key of meter {meterId} cannot be scheduled for {validFrom}: the latest allowed now is {latestValidFrom}' } },
  MeterRegistryNoRotationScheduled: { kind: 'state', templates: { default: 'meter {meterId} has no scheduled key rotation to cancel' } },
  MeterRegistryInvalidClock: { kind: 'input', templates: { default: 'the sandbox clock must run at 1x or faster, not {speed}x' } },
  MeterRegistryHouseholdSplit: {
    kind: 'state',
    templates: { default: 'meter {meterId} cannot go on shard {shard}: the other meters of its household ({payee}) are on shard {householdShard}, and a household is never split' },
  },
  MeterRegistryShardValidFromInPast: {
    kind: 'input',
    templates: { default: "meter {meterId} cannot move shard at {validFrom}, before the sandbox's now ({sandboxNow}): readings already accepted stay with their shard" },
  },
  MeterRegistryShardValidFromBeyondHorizon: { kind: 'input', templates: { default: 'meter {meterId} cannot move shard at {validFrom}: the latest allowed now is {latestValidFrom}' } },
  MeterRegistryShardNotAfterCurrent: {
    kind: 'input',
    templates: { default: 'the new shard of meter {meterId} must take over after the current one (from {currentValidFrom}), not from {validFrom}' },
  },
  MeterRegistryIndexOutOfRange: { kind: 'not-found', templates: { default: 'there is no meter at index {index}: the registry holds {count}' } },

  // ---- OpenZeppelin, inherited (AccessControl, ERC20, SafeERC20)
  AccessControlUnauthorizedAccount: {
    kind: 'permission',
    templates: { default: '{account} may not do this: it lacks the {role} role on chain' },
    extra: (a) => ({ role: ROLE_NAMES[a.neededRole?.toLowerCase() ?? ''] ?? a.neededRole ?? '?' }),
  },
  AccessControlBadConfirmation: { kind: 'input', templates: { default: 'a role can only be renounced by the account that holds it' } },
  SafeERC20FailedOperation: { kind: 'state', templates: { default: 'the token transfer of {token} failed' } },
  ERC20InsufficientAllowance: { kind: 'state', templates: { default: '{spender} may spend {allowance} tokens, not the {needed} needed' } },
  ERC20InsufficientBalance: { kind: 'state', templates: { default: '{sender} holds {balance} tokens, not the {needed} needed' } },
  ERC20InvalidApprover: { kind: 'input', templates: { default: '{approver} cannot approve token spending' } },
  ERC20InvalidReceiver: { kind: 'input', templates: { default: 'tokens cannot be sent to {receiver}' } },
  ERC20InvalidSender: { kind: 'input', templates: { default: 'tokens cannot be sent from {sender}' } },
  ERC20InvalidSpender: { kind: 'input', templates: { default: '{spender} cannot be approved to spend tokens' } },

  // ---- Solidity builtins and what no ABI names
  Error: { kind: 'state', templates: { default: 'the contract refused: {reason}' } },
  Panic: { kind: 'state', templates: { default: 'the contract failed an internal check (panic {code})' } },
  unknown: { kind: 'state', templates: { default: 'the contract refused with an error this version does not know ({data})' } },
};

const TIME_ZERO = '1970-01-01T00:00:00Z';

/** The error's arguments by name as strings, given its ABI input names and types (see chain-error.ts). */
export function namedArgs(revert: DecodedRevert, inputs: ReadonlyArray<{ name: string; type: string; internalType?: string }> | undefined): Record<string, string> {
  if (revert.name === 'Error') return { reason: String(revert.args[0]) };
  if (revert.name === 'Panic') return { code: `0x${BigInt(revert.args[0] as bigint).toString(16)}` };
  if (revert.name === 'unknown' || !inputs) return { data: String(revert.args[0] ?? '') };
  const args: Record<string, string> = {};
  inputs.forEach((input, i) => {
    const value = revert.args[i];
    const name = input.name || `arg${i}`;
    if (input.internalType === 'enum ISettlement.BatchStatus') args[name] = BATCH_STATUS_NAMES[Number(value)] ?? String(value);
    else args[name] = typeof value === 'bigint' ? value.toString() : String(value);
  });
  return args;
}

/** The refusal for a decoded revert, with the English default filled in. Never throws. */
export function translateRevert(revert: DecodedRevert, inputs?: ReadonlyArray<{ name: string; type: string; internalType?: string }>): ChainRefusal {
  const args = namedArgs(revert, inputs);
  const entry = REFUSALS[revert.name];
  if (!entry) {
    // A contract error this build does not translate (chain-refusal.test.ts prevents it for ours).
    const params = { data: `${revert.name}(${Object.values(args).join(', ')})` };
    return { code: revert.name, args, kind: 'state', key: 'chain.unknown', params, message: fill(REFUSALS.unknown!.templates.default!, params) };
  }
  const params: Record<string, string> = { ...args, ...entry.extra?.(args) };
  for (const name of Object.keys(params)) if (TIME_ARGS.has(name) && /^\d+$/.test(params[name]!)) params[name] = isoSeconds(params[name]!);
  const requested = entry.variant?.(params) ?? 'default';
  const variant = requested in entry.templates ? requested : 'default';
  const kind = typeof entry.kind === 'function' ? entry.kind(params) : entry.kind;
  const key = variant === 'default' && Object.keys(entry.templates).length === 1 ? `chain.${revert.name}` : `chain.${revert.name}.${variant}`;
  return { code: revert.name, args, kind, key, params, message: fill(entry.templates[variant]!, params) };
}

/** Every (key, English template) pair, for a translation layer's message files. */
export function refusalTemplates(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, entry] of Object.entries(REFUSALS)) {
    const variants = Object.entries(entry.templates);
    for (const [variant, template] of variants) out[variants.length === 1 ? `chain.${name}` : `chain.${name}.${variant}`] = template;
  }
  return out;
}

function isoSeconds(seconds: string): string {
  const ms = Number(seconds) * 1000;
  return Number.isSafeInteger(ms) && ms <= 8.64e15 ? new Date(ms).toISOString().replace('.000Z', 'Z') : seconds;
}

function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);
}
