// GET /api/batches, /api/batches/:batchId and /api/batches/:batchId/claims/:meterId/audit.
// Batch totals are public on chain, so every role lists batches; claims and audit bundles name a
// household's meter and payee, so a household sees only its own (docs/design.md §HTTP and roles).
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate.js';
import { canReadMeter } from '../auth/principal.js';
import { forbidden, notFound } from '../http/api-error.js';
import { parseBatchId, parseLimit, parseMeterId, parseTrue, readParam, readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export const BATCHES_MAX_LIMIT = 1_000;
export const BATCHES_DEFAULT_LIMIT = 100;

export function batchRoutes(ports: Pick<DashboardPorts, 'batches' | 'batch' | 'auditBundle'>): Router {
  const router = Router();
  const anyRole = requireRole('regulator', 'operator', 'household');

  router.get('/api/batches', anyRole, async (req, res) => {
    const q = readQuery(req.query, { limit: parseLimit(BATCHES_MAX_LIMIT), before: parseBatchId });
    const batches = await ports.batches({ limit: q.limit ?? BATCHES_DEFAULT_LIMIT, beforeId: q.before });
    res.json({ batches });
  });

  router.get('/api/batches/:batchId', anyRole, async (req, res) => {
    const batchId = readParam('batchId', req.params.batchId as string, parseBatchId);
    // flagged=true: only the claims that caps cut (the regulator's "caps hit"), so a page need
    // not download a claim per meter to find the few flagged ones.
    const q = readQuery(req.query, { flagged: parseTrue });
    const batch = await ports.batch(batchId);
    if (!batch) throw notFound(`batch ${batchId}`);
    const principal = principalOf(res);
    res.json({ ...batch, claims: batch.claims.filter((c) => canReadMeter(principal, c.meterId) && (!q.flagged || c.flags.length > 0)) });
  });

  router.get('/api/batches/:batchId/claims/:meterId/audit', anyRole, async (req, res) => {
    const batchId = readParam('batchId', req.params.batchId as string, parseBatchId);
    const meterId = readParam('meterId', req.params.meterId as string, parseMeterId);
    readQuery(req.query, {});
    if (!canReadMeter(principalOf(res), meterId)) throw forbidden(`meter ${meterId}`);
    const bundle = await ports.auditBundle(batchId, meterId);
    if (bundle === undefined) throw notFound(`claim of meter ${meterId} in batch ${batchId}`);
    res.json(bundle);
  });

  return router;
}
