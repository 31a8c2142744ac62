// GET /api/health — public, for pollers and load balancers. DESIGN fixes the body
// {status, now, components}; it answers 200 whenever the dashboard can answer at all, and
// "degraded" in the body says a component is unwell (pollers read the body, and a 503 would make
// proxies hide it). Only when the health probe itself fails is the answer 503.
import { Router } from 'express';
import type { DashboardPorts } from '../ports.js';

export function healthRoutes(ports: Pick<DashboardPorts, 'clock' | 'health'>, log: (line: string) => void): Router {
  const router = Router();
  router.get('/api/health', async (_req, res) => {
    const now = new Date(ports.clock.nowMs()).toISOString();
    try {
      const health = await ports.health();
      res.json({ status: health.status, now, clockSpeed: ports.clock.speed, components: health.components });
    } catch (error) {
      log(`dashboard: health probe failed: ${(error as Error).message}`);
      const unknown = { status: 'down', detail: 'health probe failed; see the gateway log' };
      res.status(503).json({ status: 'degraded', now, clockSpeed: ports.clock.speed, components: { broker: unknown, store: unknown, chain: unknown } });
    }
  });
  return router;
}
