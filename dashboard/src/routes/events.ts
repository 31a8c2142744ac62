// GET /api/events — the gateway's events as server-sent events (HTML Living Standard §9.2):
// `event: <name>` + `data: <json>` per event, a comment line as heartbeat so proxies keep the
// stream open, and the listener removed when the client goes. A household receives only the
// events of its own meters and batch-level events; security and settlement errors are for the
// operator and regulator.
import { Router } from 'express';
import type { GatewayEventMap, GatewayEventName } from '@feedin/gateway/events';
import { principalOf, requireRole } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export interface EventStreamOptions {
  heartbeatMs: number;
  /** a client this far behind is cut off; EventSource reconnects and the page refetches */
  maxBufferedBytes: number;
  onClientsChanged?: (delta: 1 | -1) => void;
}

const BATCH_EVENTS: ReadonlySet<GatewayEventName> = new Set(['batch.built', 'batch.submitted', 'batch.status', 'batch.rejected']);

export function mayReceive(principal: Principal, name: GatewayEventName, payload: GatewayEventMap[GatewayEventName]): boolean {
  if (principal.role !== 'household') return true;
  if (BATCH_EVENTS.has(name)) return true;
  if (name === 'security' || name === 'settlement.error') return false;
  const meterId = (payload as { meterId?: string | null }).meterId;
  return typeof meterId === 'string' && principal.meterIds.has(meterId);
}

export function eventRoutes(ports: Pick<DashboardPorts, 'events'>, options: EventStreamOptions): Router {
  const router = Router();
  router.get('/api/events', requireRole('regulator', 'operator', 'household'), (req, res) => {
    readQuery(req.query, {});
    const principal = principalOf(res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx and similar buffer responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();

    let closed = false;
    const send = (chunk: string): void => {
      if (closed) return;
      res.write(chunk);
      if (res.writableLength > options.maxBufferedBytes) close();
    };
    const unsubscribe = ports.events.onAny((name, payload) => {
      if (!mayReceive(principal, name, payload)) return;
      // JSON.stringify never emits a raw newline, so one `data:` line carries the whole event.
      send(`event: ${name}\ndata: ${JSON.stringify(payload, bigintAsString)}\n\n`);
    });
    const heartbeat = setInterval(() => send(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs);
    heartbeat.unref();
    options.onClientsChanged?.(1);

    function close(): void {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      options.onClientsChanged?.(-1);
      res.end();
    }
    res.on('close', close);
    send(`retry: 3000\n: connected as ${principal.role}\n\n`);
  });
  return router;
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
