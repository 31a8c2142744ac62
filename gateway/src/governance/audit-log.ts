// The regulator's append-only audit log: one JSON line per action (or refused attempt) in the
// data dir. Both `feedin up` (API) and the one-shot CLI append to it, so it is a plain file opened
// in append mode: each entry is one write(2) of one line, fsynced, and never rewritten.
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    async append(entry) {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(path, 'a', 0o600);
      try {
        // One write of one line: O_APPEND keeps concurrent writers' lines whole.
        await handle.write(`${JSON.stringify(entry)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async list() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries: (AuditEntry & { seq: number })[] = [];
      // A crash mid-write leaves at most a torn last line without its newline: skip it.
      const lines = text.split('\n');
      lines.pop();
      lines.forEach((line, i) => {
        if (line.trim() !== '') entries.push({ seq: i + 1, ...(JSON.parse(line) as AuditEntry) });
      });
      return entries;
    },
  };
}
