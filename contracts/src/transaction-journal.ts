// A write-ahead journal of the signed transactions one sandbox sends (#17): the embedded chain
// (anvil) writes its state file only every second, so a crash can take the last transactions with
// it. Every signed raw transaction is on disk (fsynced) before it is broadcast; its broadcast and
// its receipt are recorded after. After a crash the journal says what the chain had, and holds the
// exact bytes to send again. `feedin up` and the one-shot CLI append to the same file, so it is
// plain JSON lines in append mode: one write(2) per line, fsynced, never rewritten (like the
// regulator's audit log).
import { rename } from 'node:fs/promises';
import { appendJsonLines, readJsonLines } from './json-lines.js';
import type { Hex } from '@feedin/protocol/hex';

export interface JournaledTransaction {
  txHash: Hex;
  from: Hex;
  nonce: number;
  /** undefined for a contract creation */
  to?: Hex;
  /** what it does, e.g. `freezeBatch`, `withdraw 0x…`, `submitBatch 4` */
  label: string;
  /** the signed raw transaction, exactly as broadcast */
  raw: Hex;
  /** wall-clock ISO 8601 time it was signed */
  signedAt: string;
}

export type JournalLine =
  | ({ kind: 'signed' } & JournaledTransaction)
  /** the node accepted it into its pool */
  | { kind: 'broadcast'; txHash: Hex }
  | { kind: 'mined'; txHash: Hex; blockNumber: number; status: 'success' | 'reverted' };

/** The port the transaction sender writes to. A failing `signed` stops the send (write-ahead). */
export interface TransactionJournal {
  signed(tx: JournaledTransaction): Promise<void>;
  broadcast(txHash: Hex): Promise<void>;
  mined(txHash: Hex, blockNumber: number, status: 'success' | 'reverted'): Promise<void>;
}

export function openTransactionJournal(path: string): TransactionJournal {
  const append = (line: JournalLine) => appendJsonLines(path, [line]);
  return {
    signed: (tx) => append({ kind: 'signed', ...tx }),
    broadcast: (txHash) => append({ kind: 'broadcast', txHash }),
    mined: (txHash, blockNumber, status) => append({ kind: 'mined', txHash, blockNumber, status }),
  };
}

/** One journaled transaction with what is known of its fate (the latest `mined` line wins: a
 * transaction sent again after a crash lands in a new block). */
export interface JournalRecord extends JournaledTransaction {
  broadcast: boolean;
  mined?: { blockNumber: number; status: 'success' | 'reverted' };
}

/** The journal's transactions in the order they were signed. A crash mid-write leaves at most a
 * torn last line without its newline: it is skipped. */
export async function readTransactionJournal(path: string): Promise<JournalRecord[]> {
  const byHash = new Map<string, JournalRecord>();
  for (const line of await readJsonLines<JournalLine>(path)) {
    const hash = line.txHash.toLowerCase();
    if (line.kind === 'signed') {
      const { kind: _kind, ...tx } = line;
      if (!byHash.has(hash)) byHash.set(hash, { ...tx, broadcast: false });
      continue;
    }
    const record = byHash.get(hash);
    if (!record) continue;
    if (line.kind === 'broadcast') record.broadcast = true;
    else record.mined = { blockNumber: line.blockNumber, status: line.status };
  }
  return [...byHash.values()];
}

/** Starts a new journal, keeping the old one beside it as `<path>.<suffix>` (for people). Used
 * once the chain's own state file holds everything (after anvil's dump on a clean stop). */
export async function retireTransactionJournal(path: string, suffix: string): Promise<void> {
  try {
    await rename(path, `${path}.${suffix}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
