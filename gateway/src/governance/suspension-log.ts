// Why each meter was suspended, in words: the chain keeps only the reason's keccak256, so the
// words are recorded here when the operator suspends a meter (the regulator's suspensions are in
// its audit log, ./audit-log.ts), and the household page shows them (issue #11 item 6). One JSON
// line per suspension, appended and fsynced, never rewritten (the one JSON-lines rule,
// contracts/src/json-lines.ts).
import { join } from 'node:path';
import { appendJsonLines, readJsonLines } from '@feedin/contracts/json-lines';
import type { AuditEntry } from './audit-log.js';

export interface SuspensionRecord {
  meterId: string;
  /** sandbox time from which the meter is suspended (ISO 8601) */
  from: string;
  reason: string;
  by: 'operator' | 'regulator';
  /** wall-clock time it was recorded (ISO 8601) */
  recordedAt: string;
}

export interface SuspensionLog {
  append(record: SuspensionRecord): Promise<void>;
  list(): Promise<SuspensionRecord[]>;
}

export function suspensionLogPath(dataDir: string): string {
  return join(dataDir, 'gateway', 'meter-suspensions.jsonl');
}

export function openSuspensionLog(path: string): SuspensionLog {
  return {
    append: (record) => appendJsonLines(path, [record]),
    list: () => readJsonLines<SuspensionRecord>(path),
  };
}

/** The newest recorded reason per meter, from the operator's log and the regulator's audit log. */
export function latestSuspensions(operator: readonly SuspensionRecord[], regulator: readonly AuditEntry[]): Map<string, SuspensionRecord> {
  const all: SuspensionRecord[] = [
    ...operator,
    ...regulator
      .filter((e) => e.action === 'suspend-meter' && e.outcome === 'ok' && e.target !== null)
      .map((e) => ({ meterId: e.target!, from: e.details.from ?? e.sandboxTime, reason: e.reason, by: 'regulator' as const, recordedAt: e.recordedAt })),
  ];
  all.sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt));
  return new Map(all.map((r) => [r.meterId, r]));
}
