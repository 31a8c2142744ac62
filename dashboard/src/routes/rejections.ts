// GET /api/rejections?limit&meterId&reason — durably rejected frames, newest first. A household
// sees the rejections of its own meters only; frames without a meter id (undecodable) are for
// the operator and regulator.
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate.js';
import { canReadMeter } from '../auth/principal.js';
import { forbidden } from '../http/api-error.js';
import { parseLimit, parseMeterId, parseReason, readQuery } from '../http/query.js';
import type { DashboardPorts, RejectionView } from '../ports.js';

export const REJECTIONS_MAX_LIMIT = 1_000;
export const REJECTIONS_DEFAULT_LIMIT = 100;

export function rejectionRoutes(ports: Pick<DashboardPorts, 'rejections'>): Router {
  const router = Router();
  router.get('/api/rejections', requireRole('regulator', 'operator', 'household'), async (req, res) => {
    const q = readQuery(req.query, { limit: parseLimit(REJECTIONS_MAX_LIMIT), meterId: parseMeterId, reason: parseReason });
    const limit = q.limit ?? REJECTIONS_DEFAULT_LIMIT;
    const principal = principalOf(res);
    let rejections: RejectionView[];
    if (principal.role !== 'household' || q.meterId !== undefined) {
      if (q.meterId !== undefined && !canReadMeter(principal, q.meterId)) throw forbidden(`meter ${q.meterId}`);
      rejections = await ports.rejections({ limit, meterId: q.meterId, reason: q.reason });
    } else {
      // One query per own meter, merged newest first: the port filters by one meter at a time.
      const perMeter = await Promise.all([...principal.meterIds].map((meterId) => ports.rejections({ limit, meterId, reason: q.reason })));
      rejections = perMeter.flat().sort((a, b) => b.seq - a.seq).slice(0, limit);
    }
    res.json({ rejections });
  });
  return router;
}
