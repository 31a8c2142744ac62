// GET /api/payouts/:payee — cumulative amount, withdrawn, and the payouts proof a withdrawal
// needs; GET /api/payouts/:payee/claims — the claims paid to it, a page at a time;
// POST /api/payouts/:payee/withdraw — perform it. A household reaches only its own payee.
import { Router } from 'express';
import { principalOf, requireRole } from '../auth/authenticate.js';
import { canReadPayee } from '../auth/principal.js';
import { ApiError, forbidden, notFound } from '../http/api-error.js';
import { refusalApiError } from '../http/chain-refusal.js';
import { parseAddress, parseBatchId, parseClaimCursor, parseLimit, parseShard, readParam, readQuery } from '../http/query.js';
import type { DashboardPorts } from '../ports.js';

export const CLAIMS_MAX_LIMIT = 1_000;
export const CLAIMS_DEFAULT_LIMIT = 100;

export function payoutRoutes(ports: Pick<DashboardPorts, 'payout' | 'withdraw' | 'claimsOfPayee' | 'earnings'>): Router {
  const router = Router();
  router.get('/api/payouts/:payee', requireRole('regulator', 'operator', 'household'), async (req, res) => {
    const payee = readParam('payee', req.params.payee as string, parseAddress);
    readQuery(req.query, {});
    if (!canReadPayee(principalOf(res), payee)) throw forbidden(`payee ${payee}`);
    const payout = await ports.payout(payee);
    if (!payout) throw notFound(`payee ${payee}`);
    const earnings = ports.earnings ? await ports.earnings(payee) : undefined;
    res.json(earnings ? { ...payout, earnings } : payout);
  });

  // Newest batch first, then by meter. `cursor=<next>` continues after the last claim of the
  // previous page (a payee with several meters has several claims per batch, so a batch id alone
  // could cut a batch in two); `before=<batchId>` starts below a batch.
  router.get('/api/payouts/:payee/claims', requireRole('regulator', 'operator', 'household'), async (req, res) => {
    const payee = readParam('payee', req.params.payee as string, parseAddress);
    const q = readQuery(req.query, { limit: parseLimit(CLAIMS_MAX_LIMIT), before: parseBatchId, cursor: parseClaimCursor });
    if (q.before !== undefined && q.cursor !== undefined) throw new ApiError(400, 'invalid-parameter', 'cursor: give cursor or before, not both', 'cursor');
    if (!canReadPayee(principalOf(res), payee)) throw forbidden(`payee ${payee}`);
    if (!(await ports.payout(payee))) throw notFound(`payee ${payee}`);
    const limit = q.limit ?? CLAIMS_DEFAULT_LIMIT;
    const claims = await ports.claimsOfPayee(payee, { limit, beforeBatchId: q.before, after: q.cursor });
    const last = claims.at(-1);
    res.json({ payee, claims, next: claims.length === limit && last ? `${last.batchId}.${last.meterId}` : null });
  });

  // POST /api/payouts/:payee/withdraw — anyone may trigger a withdrawal for a payee (docs/design.md
  // §Withdrawals); the sandbox's key pays the gas and the contract sends the tokens to the payee
  // only. A household may trigger only its own. Nothing due (or not final yet, or paused) is 409
  // with the reason.
  router.post('/api/payouts/:payee/withdraw', requireRole('regulator', 'operator', 'household'), async (req, res) => {
    const payee = readParam('payee', req.params.payee as string, parseAddress);
    // ?shard=N withdraws from that shard only; without it, from every shard with a balance (issue #13).
    const { shard } = readQuery(req.query, { shard: parseShard });
    if (!canReadPayee(principalOf(res), payee)) throw forbidden(`payee ${payee}`);
    if (!ports.withdraw) throw new ApiError(503, 'unavailable', 'withdrawals are not wired in this sandbox (no signing key)');
    const result = await ports.withdraw(payee, shard);
    if (!result) throw notFound(`payee ${payee}`);
    if (result.ok) {
      res.json(result);
      return;
    }
    if (result.refusal) throw refusalApiError(result.refusal);
    throw new ApiError(result.reason === 'chain-error' ? 503 : 409, result.reason === 'chain-error' ? 'unavailable' : 'conflict', `${result.reason}: ${result.detail}`);
  });
  return router;
}
