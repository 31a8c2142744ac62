// GET /metrics — Prometheus text exposition (format 0.0.4) of the gateway's metrics plus the
// dashboard's own. Needs the operator or regulator token (Prometheus sends it with
// `authorization: {credentials: <token>}`): the figures include rejection reasons and meter
// counts, which households should not see, and loopback is not proof of who is asking.
import { Router } from 'express';
import { requireRole } from '../auth/authenticate.js';
import { readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export function metricsRoutes(ports: Pick<DashboardPorts, 'metricsText'>, dashboardMetricsText: () => string): Router {
  const router = Router();
  router.get('/metrics', requireRole('operator', 'regulator'), (req, res) => {
    readQuery(req.query, {});
    res
      .status(200)
      .set('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
      .set('Cache-Control', 'no-store')
      .send(joinExpositions(ports.metricsText(), dashboardMetricsText()));
  });
  return router;
}

function joinExpositions(...texts: string[]): string {
  return texts.map((t) => (t.endsWith('\n') || t === '' ? t : t + '\n')).join('');
}
