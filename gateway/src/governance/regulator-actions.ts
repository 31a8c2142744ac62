// The regulator's actions (issue 4): each one is a transaction signed with the regulator key that
// records keccak256(reason) on chain, and an entry in the append-only audit log with the reason
// text — also when the chain refuses, so the log shows every attempt. The API and the CLI both
// call these; the contract enforces the rules, the gateway follows the chain.
import { keccak256 } from '@feedin/protocol/keccak';
import { bytesToHex, utf8, type Hex } from '@feedin/protocol/hex';
import type { Clock } from '@feedin/protocol/sandbox-time';
import type { ChainRefusal } from '@feedin/contracts/chain-refusal';
import { chainErrorCode, chainRefusal, describeChainError } from '../settlement/chain-errors.js';
import type { AuditEntry, AuditLog, RegulatorAction } from './audit-log.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';

export interface SentRegulatorTransaction {
  txHash: Hex;
  blockNumber: number;
  gasUsed: bigint;
}

/** The chain client's regulator writes (ports & adapters: the contracts ChainClient fits). */
export interface RegulatorChain {
  pause(reason: string): Promise<SentRegulatorTransaction>;
  unpause(reason: string): Promise<SentRegulatorTransaction>;
  freezeBatch(batchId: bigint, reason: string): Promise<SentRegulatorTransaction>;
  approveBatch(batchId: bigint, reason: string): Promise<SentRegulatorTransaction>;
  rejectBatch(batchId: bigint, reason: string): Promise<SentRegulatorTransaction>;
  suspendMeter(parameters: { meterId: string; fromSec: number; reason: string }): Promise<SentRegulatorTransaction>;
  endSandbox(endSec: number, reason: string): Promise<SentRegulatorTransaction>;
}

export type GovernanceErrorCode = 'invalid-parameter' | 'refused' | 'unavailable';

/** `invalid-parameter`: bad input, nothing sent. `refused`: the contract reverted (wrong state or
 * role), with the refusal in words when the contract named its error. `unavailable`: the chain could
 * not be reached or the outcome is unknown. */
export class GovernanceError extends Error {
  constructor(
    readonly code: GovernanceErrorCode,
    message: string,
    readonly param?: string,
    readonly refusal?: ChainRefusal,
  ) {
    super(message);
    this.name = 'GovernanceError';
  }
}

export interface RegulatorActions {
  pause(reason: string): Promise<AuditEntry>;
  resume(reason: string): Promise<AuditEntry>;
  freeze(batchId: string, reason: string): Promise<AuditEntry>;
  approve(batchId: string, reason: string): Promise<AuditEntry>;
  reject(batchId: string, reason: string): Promise<AuditEntry>;
  /** `fromMs`: sandbox time the suspension starts; default the sandbox clock's now */
  suspendMeter(meterId: string, reason: string, fromMs?: number): Promise<AuditEntry>;
  /** ends the sandbox at the sandbox clock's now: later intervals are never settled */
  endSandbox(reason: string): Promise<AuditEntry>;
}

export interface RegulatorActionsDeps {
  chain: RegulatorChain;
  clock: Pick<Clock, 'nowMs' | 'wallNowMs'>;
  auditLog: AuditLog;
  via: AuditEntry['via'];
}

const MAX_REASON_CHARS = 1000;

/** What the contracts store for a reason (same as the chain client's reasonHash). */
export function reasonHashOf(reason: string): Hex {
  return bytesToHex(keccak256(utf8(reason)));
}

export function createRegulatorActions({ chain, clock, auditLog, via }: RegulatorActionsDeps): RegulatorActions {
  async function act(
    action: RegulatorAction,
    target: string | null,
    reason: string,
    details: Record<string, string>,
    send: () => Promise<SentRegulatorTransaction>,
  ): Promise<AuditEntry> {
    const text = checkReason(reason);
    const base = {
      recordedAt: new Date(clock.wallNowMs()).toISOString(),
      sandboxTime: new Date(clock.nowMs()).toISOString(),
      via,
      action,
      target,
      reason: text,
      reasonHash: reasonHashOf(text),
      details,
    };
    let tx: SentRegulatorTransaction;
    try {
      tx = await sendOnce(send);
    } catch (error) {
      const refused = chainErrorCode(error) === 'reverted';
      const detail = describeChainError(error);
      await auditLog.append({ ...base, outcome: refused ? 'refused' : 'failed', txHash: null, blockNumber: null, gasUsed: null, error: detail });
      throw new GovernanceError(refused ? 'refused' : 'unavailable', `${action}${target === null ? '' : ` ${target}`}: ${detail}`, undefined, chainRefusal(error));
    }
    const entry: AuditEntry = { ...base, outcome: 'ok', txHash: tx.txHash, blockNumber: tx.blockNumber, gasUsed: tx.gasUsed.toString(), error: null };
    await auditLog.append(entry);
    return entry;
  }

  return {
    pause: (reason) => act('pause', null, reason, {}, () => chain.pause(reason)),
    resume: (reason) => act('resume', null, reason, {}, () => chain.unpause(reason)),
    freeze: (batchId, reason) => withBatchId(batchId, (id) => act('freeze', batchId, reason, {}, () => chain.freezeBatch(id, reason))),
    approve: (batchId, reason) => withBatchId(batchId, (id) => act('approve', batchId, reason, {}, () => chain.approveBatch(id, reason))),
    reject: (batchId, reason) => withBatchId(batchId, (id) => act('reject', batchId, reason, {}, () => chain.rejectBatch(id, reason))),
    async suspendMeter(meterId, reason, fromMs) {
      if (!isMeterId(meterId)) throw new GovernanceError('invalid-parameter', `meter id ${JSON.stringify(meterId)}: ${METER_ID_RULE}`, 'meterId');
      const from = fromMs ?? clock.nowMs();
      if (!Number.isFinite(from) || from < 0) throw new GovernanceError('invalid-parameter', 'from: an ISO 8601 time', 'from');
      // Registry times are whole unix seconds (sandbox time); round up so nothing before `from` is cut.
      const fromSec = Math.ceil(from / 1000);
      return act('suspend-meter', meterId, reason, { from: new Date(fromSec * 1000).toISOString() }, () =>
        chain.suspendMeter({ meterId, fromSec, reason }),
      );
    },
    async endSandbox(reason) {
      const endSec = Math.floor(clock.nowMs() / 1000);
      return act('end-sandbox', null, reason, { end: new Date(endSec * 1000).toISOString() }, () => chain.endSandbox(endSec, reason));
    },
  };
}

/** The regulator key signs from the API and from one-shot CLI runs, so a client's nonce can be
 * stale: a broadcast refused for its nonce did not land, and the client has resynced. Retry once. */
async function sendOnce(send: () => Promise<SentRegulatorTransaction>): Promise<SentRegulatorTransaction> {
  try {
    return await send();
  } catch (error) {
    if (chainErrorCode(error) !== 'nonce') throw error;
    return send();
  }
}

function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim() === '') throw new GovernanceError('invalid-parameter', 'reason: a non-empty text (its keccak256 goes on chain)', 'reason');
  if (reason.length > MAX_REASON_CHARS) throw new GovernanceError('invalid-parameter', `reason: at most ${MAX_REASON_CHARS} characters`, 'reason');
  return reason;
}

/** Checks the id before anything is sent or logged: bad input is not a chain refusal. */
async function withBatchId<T>(batchId: string, run: (id: bigint) => Promise<T>): Promise<T> {
  if (!/^[1-9]\d{0,19}$/.test(batchId)) throw new GovernanceError('invalid-parameter', `batch id ${JSON.stringify(batchId)}: a positive integer`, 'batchId');
  return run(BigInt(batchId));
}
