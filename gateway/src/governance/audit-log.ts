// The regulator's append-only audit log: one JSON line per action (or refused attempt) in the
// data dir. Both `feedin up` (API) and the one-shot CLI append to it, so it is a plain file opened
// in append mode: each entry is one write(2) of one line, fsynced, and never rewritten.
import { join } from 'node:path';
import { appendJsonLines, readJsonLines } from '@feedin/contracts/json-lines';
import type { Hex } from '@feedin/protocol/hex';

export type RegulatorAction = 'pause' | 'resume' | 'freeze' | 'approve' | 'reject' | 'suspend-meter' | 'end-sandbox';

export interface AuditEntry {
  /** wall-clock time the action was recorded (ISO 8601) */
  recordedAt: string;
  /** sandbox time of the action (ISO 8601) */
  sandboxTime: string;
  /** where the regulator acted from */
  via: 'api' | 'cli';
  action: RegulatorAction;
  /** batch id, meter id, or null for sandbox-wide actions */
  target: string | null;
  reason: string;
  /** keccak256 of the UTF-8 reason, as recorded on chain */
  reasonHash: Hex;
  /** extra parameters, e.g. suspend-meter's `from` (ISO 8601) or end-sandbox's end */
  details: Record<string, string>;
  outcome: 'ok' | 'refused' | 'failed';
  txHash: Hex | null;
  blockNumber: number | null;
  gasUsed: string | null;
  /** why the chain refused or the send failed; null when ok */
  error: string | null;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** entries oldest first, each with its line number as `seq` (from 1) */
  list(): Promise<(AuditEntry & { seq: number })[]>;
}

/** Where the embedded sandbox keeps the log, under its data dir. */
export function auditLogPath(dataDir: string): string {
  return join(dataDir, 'gateway', 'regulator-audit.jsonl');
}

export function openAuditLog(path: string): AuditLog {
  return {
    append: (entry) => appendJsonLines(path, [entry]),
    async list() {
      return (await readJsonLines<AuditEntry>(path)).map((entry, i) => ({ seq: i + 1, ...entry }));
    },
  };
}
