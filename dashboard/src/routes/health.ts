// GET /api/health — for pollers and load balancers. docs/design.md §HTTP and roles fixes the body
// {status, now, components} (and `log` in durability jetstream); it answers 200 whenever the
// dashboard can answer at all, and
// "degraded" in the body says a component is unwell (pollers read the body, and a 503 would make
// proxies hide it). Only when the health probe itself fails is the answer 503.
// Without a role token it says only how each component is (issue #10.10, #17.3): the details
// name paths, the chain id and counts, which are for the sandbox's own people. Like every route
// it refuses query parameters it does not know (#17.4).
import { Router } from 'express';
import type { Principal } from '../auth/principal.js';
import { readQuery } from '../http/query.js';
import type { ComponentHealth, DashboardPorts } from '../ports.js';

type Components = Record<'broker' | 'store' | 'chain', ComponentHealth>;

const statusOnly = (components: Components) =>
  Object.fromEntries(Object.entries(components).map(([name, c]) => [name, { status: c.status }])) as Record<keyof Components, Pick<ComponentHealth, 'status'>>;

export function healthRoutes(ports: Pick<DashboardPorts, 'clock' | 'health'>, log: (line: string) => void): Router {
  const router = Router();
  router.get('/api/health', async (req, res) => {
    readQuery(req.query, {});
    const detailed = (res.locals.principal as Principal | undefined) !== undefined;
    const now = new Date(ports.clock.nowMs()).toISOString();
    try {
      const health = await ports.health();
      // log mode (docs/durability.md): the role for everyone (a load balancer routes to the
      // active gateway), the replication figures for the sandbox's people
      const log = health.log && (detailed ? health.log : { role: health.log.role });
      res.json({ status: health.status, now, clockSpeed: ports.clock.speed, components: detailed ? health.components : statusOnly(health.components), ...(log ? { log } : {}) });
    } catch (error) {
      log(`dashboard: health probe failed: ${(error as Error).message}`);
      const unknown = { status: 'down' as const, detail: 'health probe failed; see the gateway log' };
      const components = { broker: unknown, store: unknown, chain: unknown };
      res.status(503).json({ status: 'degraded', now, clockSpeed: ports.clock.speed, components: detailed ? components : statusOnly(components) });
    }
  });
  return router;
}
