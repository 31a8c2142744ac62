// The regulator's two switches as the settlement loop reads them from the chain (docs/design.md
// §Governance): settlement paused, and the sandbox's end once the regulator ended it. The
// contract enforces both; reading them first keeps the gateway from sending transactions that
// must revert, and lets its status say why batches are kept.
import type { SettlementChain } from './ports.js';

export interface GovernanceSwitches {
  paused: boolean;
  /** sandbox ms of the regulator's end-sandbox, null while it has not ended it */
  endedAtMs: number | null;
}

export const SWITCHES_BEFORE_FIRST_READ: GovernanceSwitches = { paused: false, endedAtMs: null };

export async function readGovernanceSwitches(chain: Pick<SettlementChain, 'paused' | 'sandboxEnd'>): Promise<GovernanceSwitches> {
  const [paused, endSec] = await Promise.all([chain.paused(), chain.sandboxEnd()]);
  return { paused, endedAtMs: endSec === null ? null : endSec * 1000 };
}

/** The log line for a change of the pause switch, or null when it did not change. */
export function pauseChangeLine(before: GovernanceSwitches, after: GovernanceSwitches): string | null {
  if (before.paused === after.paused) return null;
  return after.paused ? 'settlement: paused by the regulator: batches are built and kept, not submitted' : 'settlement: resumed by the regulator';
}
