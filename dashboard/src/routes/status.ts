// GET /api/status and GET /api/summary — the sandbox as a whole for the regulator and operator: paused or running,
// the on-chain limits, budget used and escrow (read live from the chain), and the config caps.
import { Router } from 'express';
import { requireRole } from '../auth/authenticate.js';
import { ApiError } from '../http/api-error.js';
import { readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export function statusRoutes(ports: Pick<DashboardPorts, 'sandboxStatus' | 'summary'>, log: (line: string) => void): Router {
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
  // The regulator's "at a glance" (issue #11 item 10): today's daily report reduced to its
  // verdict and counts, plus who is active; the page refetches it on batch and reading events.
  router.get('/api/summary', requireRole('regulator', 'operator'), async (req, res) => {
    readQuery(req.query, {});
    if (!ports.summary) throw new ApiError(503, 'unavailable', 'the summary is not wired in this sandbox');
    try {
      res.json(await ports.summary());
    } catch (error) {
      log(`dashboard: summary failed: ${(error as Error).message}`);
      throw new ApiError(503, 'unavailable', 'the summary could not be read (the chain does not answer?); see the dashboard log');
    }
  });
  return router;
}
