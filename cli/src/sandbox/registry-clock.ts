// The registry judges rotation times ("no earlier than now, no later than the horizon") by the
// sandbox clock, which only this process knows: its anchor is written on chain at start-up
// whenever the chain's copy differs (a new sandbox, a changed speed, a reset chain).
import type { ChainClient } from '@feedin/contracts/chain-client';
import type { ClockAnchor } from '@feedin/protocol/sandbox-time';

export async function ensureRegistryClock(admin: ChainClient, anchor: ClockAnchor, log: (line: string) => void): Promise<void> {
  try {
    const onChain = await admin.registryClock();
    if (onChain.wallAnchorMs === anchor.wallMs && onChain.sandboxAnchorMs === anchor.sandboxMs && onChain.speed === anchor.speed) return;
    await admin.setSandboxClock({ wallAnchorMs: anchor.wallMs, sandboxAnchorMs: anchor.sandboxMs, speed: anchor.speed });
    log(`chain: registry sandbox clock set (${anchor.speed}× from ${new Date(anchor.sandboxMs).toISOString()})`);
  } catch (error) {
    // Degrade, not fail: a registry deployed by another admin keeps the clock it has.
    log(`chain: cannot set the registry's sandbox clock (${(error as Error).message}); key rotations are judged by the clock already on chain`);
  }
}
