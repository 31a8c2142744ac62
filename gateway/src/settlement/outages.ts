// Times the sandbox was down, in sandbox time. A sandbox tied to wall-clock time (speed 1) cannot
// pause its clock, so a stop leaves a stretch nobody measured: it is recorded (kept in the
// settlement store's meta, beside the batches it explains) and shown by `audit meter`, the daily
// report and the pages, instead of passing for a quiet night.
import type { SettlementStore } from './settlement-store.js';

export interface SandboxOutage {
  fromMs: number;
  toMs: number;
}

const KEY = 'sandbox-outages';

export function listOutages(store: Pick<SettlementStore, 'meta'>): SandboxOutage[] {
  const raw = store.meta(KEY);
  return raw === undefined ? [] : (JSON.parse(raw) as SandboxOutage[]);
}

export function recordOutage(store: Pick<SettlementStore, 'meta' | 'setMeta'>, outage: SandboxOutage): void {
  if (!(outage.toMs > outage.fromMs)) throw new RangeError(`outage: toMs must be after fromMs, got ${outage.fromMs}..${outage.toMs}`);
  store.setMeta(KEY, JSON.stringify([...listOutages(store), outage]));
}

/** The outages that overlap [fromMs, toMs). */
export function outagesBetween(store: Pick<SettlementStore, 'meta'>, fromMs: number, toMs: number): SandboxOutage[] {
  return listOutages(store).filter((o) => o.toMs > fromMs && o.fromMs < toMs);
}
