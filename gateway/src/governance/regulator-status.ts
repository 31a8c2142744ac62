// GET /api/regulator/status: the regulator's switches and limits, read from the chain (the
// contract enforces them) next to the limits the gateway prices with (the sandbox config).
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import type { RevokedKeyBatch } from '../settlement/revoked-key-claims.js';

export interface RegulatorStatusChain {
  paused(): Promise<boolean>;
  sandboxEnd(): Promise<number | null>;
  totalCommitted(): Promise<bigint>;
  limits(): Promise<{ batchCap: bigint; budget: bigint }>;
}

const UNCAPPED = (1n << 256n) - 1n;

export interface RegulatorStatus {
  paused: boolean;
  ended: boolean;
  /** when the regulator ended the sandbox (ISO 8601, sandbox time); null while it runs */
  endedAt: string | null;
  period: { start: string; end: string };
  /** amounts are decimal strings in token base units; null = no such cap */
  limits: {
    exportCapPercentOfCapacity: number | null;
    householdDailyCap: string | null;
    batchCap: string | null;
    budget: string | null;
    meterAllowlist: string[] | null;
    householdAllowlist: string[] | null;
    onChain: { batchCap: string | null; budget: string | null };
  };
  /** committed on chain by batches not rejected (the budget's use) */
  budgetUsed: string;
  /** batches on chain, still rejectable, that pay readings signed with a key revoked at their TM */
  revokedKeyBatches: RevokedKeyBatch[];
}

export async function readRegulatorStatus(chain: RegulatorStatusChain, config: SandboxConfig, revokedKeyBatches: RevokedKeyBatch[] = []): Promise<RegulatorStatus> {
  const [paused, endSec, committed, onChain] = await Promise.all([chain.paused(), chain.sandboxEnd(), chain.totalCommitted(), chain.limits()]);
  const l = config.limits;
  const amount = (v: bigint | undefined) => (v === undefined || v === UNCAPPED ? null : v.toString());
  return {
    paused,
    ended: endSec !== null,
    endedAt: endSec === null ? null : new Date(endSec * 1000).toISOString(),
    period: { start: config.sandbox.start, end: config.sandbox.end },
    limits: {
      exportCapPercentOfCapacity: l.exportCapPercentOfCapacity ?? null,
      householdDailyCap: amount(l.householdDailyCap),
      batchCap: amount(l.batchCap),
      budget: amount(l.budget),
      meterAllowlist: l.meterAllowlist ?? null,
      householdAllowlist: l.householdAllowlist ?? null,
      onChain: { batchCap: amount(onChain.batchCap), budget: amount(onChain.budget) },
    },
    budgetUsed: committed.toString(),
    revokedKeyBatches,
  };
}
