// GET /api/meters, GET /api/meters/:id/readings and GET /api/meters/:id/claims. A household sees only its own meters
// (docs/design.md §HTTP and roles: a household sees only its own data); others' meters answer 403
// without revealing whether they exist.
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate.js';
import { canReadMeter } from '../auth/principal.js';
import { ApiError, forbidden, notFound } from '../http/api-error.js';
import { parseBatchId, parseLimit, parseMeterId, parseMeterIds, parseTime, readParam, readQuery } from '../http/query.js';
import { CLAIMS_DEFAULT_LIMIT, CLAIMS_MAX_LIMIT } from './payouts.js';
import type { DashboardPorts } from '../ports.js';

export const READINGS_MAX_LIMIT = 10_000;
export const READINGS_DEFAULT_LIMIT = 1_000;
export const READINGS_MAX_METERS = 100;

export function meterRoutes(ports: Pick<DashboardPorts, 'meters' | 'readings' | 'claimsOfMeter'>): Router {
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

  // Several meters' readings in one request (a household's power chart): the registers only, for
  // charts; the signed OCMF strings stay on the per-meter route. Without `meters` a household gets
  // all its own; other roles name the meters. `limit` is per meter.
  router.get('/api/readings', anyRole, async (req, res) => {
    const q = readQuery(req.query, { meters: parseMeterIds(READINGS_MAX_METERS), from: parseTime, to: parseTime, limit: parseLimit(READINGS_MAX_LIMIT) });
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw new ApiError(400, 'invalid-parameter', 'from: must not be after to', 'from');
    const principal = principalOf(res);
    const ids = q.meters ?? (principal.role === 'household' ? [...principal.meterIds].sort() : undefined);
    if (!ids) throw new ApiError(400, 'invalid-parameter', 'meters: name the meters (comma-separated ids)', 'meters');
    const denied = ids.find((id) => !canReadMeter(principal, id));
    if (denied !== undefined) throw forbidden(`meter ${denied}`);
    const known = new Set((await ports.meters()).map((m) => m.meterId));
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) throw notFound(`meter ${unknown}`);
    const limit = q.limit ?? READINGS_DEFAULT_LIMIT;
    const perMeter = await Promise.all(ids.map((id) => ports.readings(id, { fromMs: q.from, toMs: q.to, limit })));
    res.json({
      meters: ids.map((meterId, i) => ({
        meterId,
        readings: perMeter[i]!.map((r) => ({ seq: r.seq, pagination: r.pagination, timestampMs: r.timestampMs, importWh: r.importWh, exportWh: r.exportWh })),
      })),
    });
  });

  // Newest batch first; `before=<batchId>` pages back.
  router.get('/api/meters/:id/claims', anyRole, async (req, res) => {
    const meterId = readParam('id', req.params.id as string, parseMeterId);
    const q = readQuery(req.query, { limit: parseLimit(CLAIMS_MAX_LIMIT), before: parseBatchId });
    if (!canReadMeter(principalOf(res), meterId)) throw forbidden(`meter ${meterId}`);
    if (!(await ports.meters()).some((m) => m.meterId === meterId)) throw notFound(`meter ${meterId}`);
    const claims = await ports.claimsOfMeter(meterId, { limit: q.limit ?? CLAIMS_DEFAULT_LIMIT, beforeBatchId: q.before });
    res.json({ meterId, claims });
  });

  return router;
}
