// GET /api/payouts/:payee — cumulative amount, withdrawn, and the payouts proof a withdrawal
// needs. A household reads only its own payee.
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate.js';
import { canReadPayee } from '../auth/principal.js';
import { forbidden, notFound } from '../http/api-error.js';
import { parseAddress, readParam, readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export function payoutRoutes(ports: Pick<DashboardPorts, 'payout'>): Router {
  const router = Router();
  router.get('/api/payouts/:payee', requireRole('regulator', 'operator', 'household'), async (req, res) => {
    const payee = readParam('payee', req.params.payee as string, parseAddress);
    readQuery(req.query, {});
    if (!canReadPayee(principalOf(res), payee)) throw forbidden(`payee ${payee}`);
    const payout = await ports.payout(payee);
    if (!payout) throw notFound(`payee ${payee}`);
    res.json(payout);
  });
  return router;
}
