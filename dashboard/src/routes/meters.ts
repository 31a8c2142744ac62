// GET /api/meters and GET /api/meters/:id/readings. A household sees only its own meters
// (DESIGN: "a household sees only its own data"); others' meters answer 403 without revealing
// whether they exist.
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate.js';
import { canReadMeter } from '../auth/principal.js';
import { ApiError, forbidden, notFound } from '../http/api-error.js';
import { parseLimit, parseMeterId, parseTime, readParam, readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export const READINGS_MAX_LIMIT = 10_000;
export const READINGS_DEFAULT_LIMIT = 1_000;

export function meterRoutes(ports: Pick<DashboardPorts, 'meters' | 'readings'>): Router {
  const router = Router();
  const anyRole = requireRole('regulator', 'operator', 'household');

  router.get('/api/meters', anyRole, async (req, res) => {
    readQuery(req.query, {});
    const principal = principalOf(res);
    const meters = (await ports.meters()).filter((m) => canReadMeter(principal, m.meterId));
    res.json({ meters });
  });

  router.get('/api/meters/:id/readings', anyRole, async (req, res) => {
    const meterId = readParam('id', req.params.id as string, parseMeterId);
    const q = readQuery(req.query, { from: parseTime, to: parseTime, limit: parseLimit(READINGS_MAX_LIMIT) });
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new ApiError(400, 'invalid-parameter', 'from: must not be after to', 'from');
    if (!canReadMeter(principalOf(res), meterId)) throw forbidden(`meter ${meterId}`);
    if (!(await ports.meters()).some((m) => m.meterId === meterId)) throw notFound(`meter ${meterId}`);
    const readings = await ports.readings(meterId, { fromMs: q.from, toMs: q.to, limit: q.limit ?? READINGS_DEFAULT_LIMIT });
    res.json({ meterId, readings });
  });

  return router;
}
