// The dashboard's own figures for GET /metrics, beside the gateway's: how many live-update
// streams are open and how requests are answered.
import { createMetricsRegistry } from '@feedin/gateway/metrics';
import type { RequestHandler } from 'express';

export interface DashboardMetrics {
  sseClientsChanged(delta: 1 | -1): void;
  countResponses: RequestHandler;
  render(): string;
}

export function createDashboardMetrics(): DashboardMetrics {
  const registry = createMetricsRegistry();
  const sseClients = registry.gauge('feedin_dashboard_sse_clients', 'Open server-sent event streams (GET /api/events).');
  const responses = registry.counter('feedin_dashboard_http_responses_total', 'HTTP answers of the dashboard by status class.', ['class']);
  return {
    sseClientsChanged: (delta) => sseClients.inc(undefined, delta),
    countResponses: (_req, res, next) => {
      res.on('finish', () => responses.inc({ class: `${Math.floor(res.statusCode / 100)}xx` }));
      next();
    },
    render: () => registry.renderPrometheus(),
  };
}
