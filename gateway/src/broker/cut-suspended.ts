// A suspended meter is cut off, not only refused at its next login (issue #11 item 14: the
// suspend dialog says "it can no longer connect"). The registry reaches the gateway's directory
// by a poll, and a suspension may start later (`--from`), so the live sessions are checked on the
// sandbox clock once a second; a meter no longer admitted is disconnected with one log line and
// a security event. Its later logins are refused by authenticate.ts and counted (security.ts).
import type { Aedes, Client } from 'aedes';
import type { Clock } from '@feedin/protocol/sandbox-time';
import { meterAdmits, type MeterDirectory } from '../registry/meter-directory.js';
import type { SecurityRecorder } from './security.js';

export const CUT_SUSPENDED_EVERY_MS = 1_000;

export function cutSuspendedMeters(p: { broker: Aedes; directory: MeterDirectory; clock: Clock; security: SecurityRecorder; everyMs?: number }): { stop(): void; sweep(): void } {
  const sweep = () => {
    const nowMs = p.clock.nowMs();
    // aedes keeps its logged-in clients by id (its typings do not declare the map)
    const clients = Object.values((p.broker as unknown as { clients: Record<string, Client> }).clients);
    for (const client of clients) {
      const meter = p.directory.get(client.id);
      const admitted = meter ? meterAdmits(meter, nowMs) : { ok: false as const, detail: `meter ${client.id} is no longer registered` };
      if (admitted.ok) continue;
      p.security('suspended-disconnect', { meterId: client.id, clientId: client.id }, `disconnected: ${admitted.detail}`);
      client.close();
    }
  };
  const timer = setInterval(sweep, p.everyMs ?? CUT_SUSPENDED_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}
