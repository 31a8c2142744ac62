// One place that turns a refused connection or a foreign topic into the traces an operator sees:
// a 'security' event (dashboard, SSE), a counter by kind (/metrics) and the log. Connection
// refusals come in floods (a meter with a wrong key retrying, a scanner, a suspended meter), so
// they are counted by reason (feedin_mqtt_connections_refused_total) and logged as one summary
// line per period, never one line each (issue #10.9, #11.14). What an authenticated meter does
// wrong (a foreign topic, a flood of readings) stays one line each: the meter is cut off for it.
import type { GatewayEvents } from '../events.js';
import type { GatewayMetrics } from '../metrics.js';

export type SecurityKind =
  | 'connect-refused'
  | 'session-takeover'
  | 'unauthenticated-limit'
  | 'connect-timeout'
  | 'protocol-error'
  | 'foreign-publish'
  | 'foreign-subscribe'
  | 'oversize-packet'
  | 'too-many-in-flight'
  | 'suspended-disconnect';

export type BrokerLog = Pick<Console, 'info' | 'warn' | 'error'>;

export interface SecurityRecorder {
  (kind: SecurityKind, who: { meterId: string | null; clientId: string | null }, detail: string): void;
  /** a meter logged in: its next refusal is news again (one line per meter on change) */
  admitted(meterId: string): void;
  /** logs the summary of what was counted since the last one (also on close) */
  flush(): void;
  stop(): void;
}

/** Kinds that are counted and summarised; `refusalReason` names the counter's label. */
const SUMMARISED: ReadonlySet<SecurityKind> = new Set(['connect-refused', 'session-takeover', 'unauthenticated-limit', 'connect-timeout', 'protocol-error']);

/** 'connect-refused' details start with their reason ("bad-signature: …"); others are their kind. */
function refusalReason(kind: SecurityKind, detail: string): string {
  if (kind !== 'connect-refused') return kind;
  const colon = detail.indexOf(':');
  return colon > 0 ? detail.slice(0, colon) : 'unknown';
}

export interface SecurityRecorderParameters {
  events: GatewayEvents;
  metrics: GatewayMetrics;
  log: BrokerLog;
  /** summary period (default 60 s) */
  summaryEveryMs?: number | undefined;
}

export function createSecurityRecorder({ events, metrics, log, summaryEveryMs = 60_000 }: SecurityRecorderParameters): SecurityRecorder {
  let counts = new Map<string, number>();
  // Per registered meter, the reason its logins are refused now: a change is logged once, the
  // repeats (a suspended meter retrying with back-off) only counted (issue #11 item 14).
  const refusedNow = new Map<string, string>();
  const flush = () => {
    if (counts.size === 0) return;
    const parts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([reason, n]) => `${reason} ${n}`);
    counts = new Map();
    log.warn(`mqtt security: refused or taken over since the last summary: ${parts.join(', ')} (feedin_mqtt_connections_refused_total)`);
  };
  const timer = setInterval(flush, summaryEveryMs);
  timer.unref();

  const record = ((kind, who, detail) => {
    metrics.securityEvents.inc({ kind });
    if (!SUMMARISED.has(kind)) {
      events.emit('security', { meterId: who.meterId, clientId: who.clientId, kind, detail });
      return void log.warn(`mqtt security: ${kind} (client ${JSON.stringify(who.clientId)}): ${detail}`);
    }
    const reason = refusalReason(kind, detail);
    if (kind !== 'session-takeover') metrics.mqttConnectionsRefused.inc({ reason });
    if (kind === 'connect-refused' && who.meterId !== null && refusedNow.get(who.meterId) !== reason) {
      refusedNow.set(who.meterId, reason);
      log.warn(`mqtt security: meter ${who.meterId}: login refused, ${detail}; further refusals are counted, not logged (feedin_mqtt_connections_refused_total{reason="${reason}"})`);
    }
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
    // Sockets that never logged in have no meter: the counter is their whole trace.
    if (kind === 'connect-refused' || kind === 'session-takeover') events.emit('security', { meterId: who.meterId, clientId: who.clientId, kind, detail });
  }) as SecurityRecorder;
  record.flush = flush;
  record.admitted = (meterId) => void refusedNow.delete(meterId);
  record.stop = () => {
    clearInterval(timer);
    flush();
  };
  return record;
}
