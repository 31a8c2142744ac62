// GET /api/status — the sandbox as a whole for the regulator and operator: paused or running,
// the on-chain limits, budget used and escrow (read live from the chain), and the config caps.
import { Router } from 'express';
import { requireRole } from '../auth/authenticate.js';
import { ApiError } from '../http/api-error.js';
import { readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export function statusRoutes(ports: Pick<DashboardPorts, 'sandboxStatus'>, log: (line: string) => void): Router {
  const router = Router();
  router.get('/api/status', requireRole('regulator', 'operator'), async (req, res) => {
    readQuery(req.query, {});
    if (!ports.sandboxStatus) throw new ApiError(503, 'unavailable', 'no chain is wired to read the sandbox status from');
    try {
      res.json(await ports.sandboxStatus());
    } catch (error) {
      log(`dashboard: sandbox status failed: ${(error as Error).message}`);
      throw new ApiError(503, 'unavailable', 'the chain does not answer; see the dashboard log');
    }
  });
  return router;
}
