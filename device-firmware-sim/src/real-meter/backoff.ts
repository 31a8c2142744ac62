// Exponential back-off for a device talking to a real meter (port reopen, poll retry): the delay
// doubles per failed attempt up to a cap, so a dead bus is asked less and less often but never
// given up on. The same formula the MQTT link, the serial links and the P1 port use.
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** delay before retry number `attempt` (0 for the first retry) */
export function backoffDelayMs(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(0, attempt), 20));
}
