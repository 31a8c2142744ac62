// On every start of the embedded chain, before anything sends a transaction: what the chain lost
// in a crash (anvil writes its state file once a second) is found through the transaction journal,
// sent again where that is safe (contracts/src/journal-recovery.ts says which), and reported
// loudly: a log line each, the chain component of /api/health for this run, and the data dir's
// recovery log that the regulator's page and API show (GET /api/regulator/chain-recovery).
import { appendJsonLines, readJsonLines } from '@feedin/contracts/json-lines';
import { recoverFromJournal, type RecoveryEntry } from '@feedin/contracts/journal-recovery';
import { openTransactionJournal, readTransactionJournal, retireTransactionJournal } from '@feedin/contracts/transaction-journal';
import type { SettlementStore } from '@feedin/gateway/settlement/settlement-store';

export interface ChainRecoveryRecord extends RecoveryEntry {
  /** wall-clock ISO 8601 time of the start that found the loss */
  recoveredAt: string;
}

export interface ChainRecovery {
  /** what this start found lost (empty after a clean stop, or a crash that lost nothing) */
  lost: ChainRecoveryRecord[];
}

export async function recoverEmbeddedChain(opts: {
  rpcUrl: string;
  journalPath: string;
  recoveryLogPath: string;
  /** contracts deployed anew: the journal belongs to a chain that is gone */
  freshDeployment: boolean;
  log: (line: string) => void;
}): Promise<ChainRecovery> {
  const records = await readTransactionJournal(opts.journalPath);
  const stamp = new Date().toISOString();
  if (opts.freshDeployment) {
    if (records.length > 0) {
      await retireTransactionJournal(opts.journalPath, `superseded-${stamp.replace(/[:.]/g, '-')}`);
      opts.log(`chain: contracts deployed anew; the transaction journal of the previous chain (${records.length} transactions) was set aside`);
    }
    return { lost: [] };
  }
  const { onChain, lost } = await recoverFromJournal({ rpcUrl: opts.rpcUrl, records, journal: openTransactionJournal(opts.journalPath) });
  if (lost.length === 0) {
    // Everything journaled is in the state anvil loaded from its file: a new journal can start.
    if (records.length > 0) await retireTransactionJournal(opts.journalPath, 'previous');
    return { lost: [] };
  }
  const recorded = lost.map((entry) => ({ recoveredAt: stamp, ...entry }));
  await appendJsonLines(opts.recoveryLogPath, recorded);
  const reapplied = lost.filter((e) => e.outcome === 're-applied').length;
  opts.log(
    `chain: RECOVERY: the chain lost ${lost.length} of ${onChain + lost.length} journaled transactions in a crash; ` +
      `${reapplied} re-applied, ${lost.length - reapplied} not (see ${opts.recoveryLogPath})`,
  );
  for (const e of lost) opts.log(`chain: RECOVERY: ${e.label} (tx ${e.txHash}, signed ${e.signedAt}): ${e.outcome}: ${e.detail}`);
  return { lost: recorded };
}

/** Every loss any start found, oldest first (the regulator's page lists them). */
export async function readChainRecoveryLog(path: string): Promise<ChainRecoveryRecord[]> {
  return readJsonLines<ChainRecoveryRecord>(path);
}

/** The chain component of /api/health for this run, given what the start recovered: degraded
 * whenever the chain lost anything, re-applied or not, so that nobody misses it. */
export function recoveryHealth(recovery: ChainRecovery | undefined): { degraded: boolean; detail: string } | undefined {
  if (!recovery || recovery.lost.length === 0) return undefined;
  const notReapplied = recovery.lost.filter((e) => e.outcome !== 're-applied').length;
  const reapplied = recovery.lost.length - notReapplied;
  return {
    degraded: true,
    detail:
      `the chain lost ${recovery.lost.length} transaction(s) in a crash before this start: ${reapplied} re-applied` +
      (notReapplied > 0 ? `, ${notReapplied} NOT re-applied` : '') +
      ' (GET /api/regulator/chain-recovery)',
  };
}

/** A batch submission sent again sits in a new block: the gateway's record follows, so that audit
 * bundles name the right block and a re-applied rejection is told apart from the rebuilt batch
 * submitted after it (chain-sync.ts compares their blocks). */
export function recordRecoveredSubmissions(recovery: ChainRecovery | undefined, settlementStore: Pick<SettlementStore, 'batch' | 'recordSubmitted'>, log: (line: string) => void): void {
  for (const e of recovery?.lost ?? []) {
    const id = /^submitBatch (\d+)$/.exec(e.label)?.[1];
    if (!id || e.outcome !== 're-applied' || e.blockNumber === null) continue;
    const local = settlementStore.batch(BigInt(id));
    if (local?.txHash?.toLowerCase() !== e.txHash.toLowerCase()) continue;
    settlementStore.recordSubmitted(BigInt(id), { txHash: local.txHash, blockNumber: e.blockNumber, gasUsed: local.gasUsed });
    log(`settlement: batch ${id} is on chain again in block ${e.blockNumber} (was ${e.lostBlockNumber ?? 'unknown'} before the crash)`);
  }
}
