// One place that turns a refused connection or a foreign topic into the three traces an operator
// sees: a 'security' event (dashboard, SSE), a counter by kind (/metrics) and a log line.
import type { GatewayEvents } from '../events.js';
import type { GatewayMetrics } from '../metrics.js';

export type SecurityKind = 'connect-refused' | 'foreign-publish' | 'foreign-subscribe' | 'oversize-packet' | 'too-many-in-flight';

export type BrokerLog = Pick<Console, 'info' | 'warn' | 'error'>;

export interface SecurityRecorder {
  (kind: SecurityKind, who: { meterId: string | null; clientId: string | null }, detail: string): void;
}

export function createSecurityRecorder(deps: { events: GatewayEvents; metrics: GatewayMetrics; log: BrokerLog }): SecurityRecorder {
  return (kind, who, detail) => {
    deps.metrics.securityEvents.inc({ kind });
    deps.events.emit('security', { meterId: who.meterId, clientId: who.clientId, kind, detail });
    deps.log.warn(`mqtt security: ${kind} (client ${JSON.stringify(who.clientId)}): ${detail}`);
  };
}
