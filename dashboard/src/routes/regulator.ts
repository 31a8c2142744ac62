// The regulator's controls (issue 4): POST /api/regulator/… with JSON {reason, from?}, each a
// transaction with keccak256(reason) on chain and an entry in the append-only audit log;
// GET /api/regulator/status and /api/regulator/audit-log. Regulator role only: another role's
// token is 403. The chain decides: a refusal comes back in words with its machine code
// (http/chain-refusal.ts): a wrong batch state or already paused is 409, a batch not on chain 404.
import express, { Router, type Request } from 'express';
import type { AuditEntry } from '@feedin/gateway/governance/audit-log';
import { GovernanceError, type RegulatorActions } from '@feedin/gateway/governance/regulator-actions';
import type { RegulatorStatus } from '@feedin/gateway/governance/regulator-status';
import type { ChainRecoveryView } from '../ports.js';
import { requireRole } from '../auth/authenticate.js';
import { ApiError } from '../http/api-error.js';
import { refusalApiError } from '../http/chain-refusal.js';
import { parseBatchId, parseMeterId, parseTime, readParam, readQuery } from '../http/query.js';

export interface RegulatorPort {
  actions: RegulatorActions;
  status(): Promise<RegulatorStatus>;
  auditLog(): Promise<(AuditEntry & { seq: number })[]>;
  /** transactions the embedded chain lost in a crash, found at start-up, with what was done (#17) */
  chainRecovery?(): Promise<ChainRecoveryView[]>;
}

export function regulatorRoutes(port: RegulatorPort): Router {
  const router = Router();
  const regulator = requireRole('regulator');
  const body = express.json({ limit: '8kb' });

  router.get('/api/regulator/status', regulator, async (req, res) => {
    readQuery(req.query, {});
    res.set('Cache-Control', 'no-store').json(await port.status());
  });

  router.get('/api/regulator/audit-log', regulator, async (req, res) => {
    readQuery(req.query, {});
    res.set('Cache-Control', 'no-store').json({ entries: await port.auditLog() });
  });

  router.get('/api/regulator/chain-recovery', regulator, async (req, res) => {
    readQuery(req.query, {});
    res.set('Cache-Control', 'no-store').json({ entries: (await port.chainRecovery?.()) ?? [] });
  });

  const post = (path: string, run: (req: Request, reason: string) => Promise<AuditEntry>) =>
    router.post(path, regulator, body, async (req, res) => {
      const { reason } = readBody(req, path.endsWith('/suspend') ? ['reason', 'from'] : ['reason']);
      try {
        res.status(201).json(await run(req, reason));
      } catch (error) {
        throw toApiError(error);
      }
    });

  post('/api/regulator/pause', (_req, reason) => port.actions.pause(reason));
  post('/api/regulator/resume', (_req, reason) => port.actions.resume(reason));
  post('/api/regulator/batches/:batchId/freeze', (req, reason) => port.actions.freeze(batchIdOf(req), reason));
  post('/api/regulator/batches/:batchId/approve', (req, reason) => port.actions.approve(batchIdOf(req), reason));
  post('/api/regulator/batches/:batchId/reject', (req, reason) => port.actions.reject(batchIdOf(req), reason));
  post('/api/regulator/meters/:meterId/suspend', (req, reason) => {
    const meterId = readParam('meterId', req.params.meterId as string, parseMeterId);
    const from = (req.body as { from?: unknown }).from;
    if (from !== undefined && typeof from !== 'string') throw new ApiError(400, 'invalid-parameter', 'from: an ISO 8601 time with offset', 'from');
    const fromMs = from === undefined ? undefined : readParam('from', from, parseTime);
    return port.actions.suspendMeter(meterId, reason, fromMs);
  });
  post('/api/regulator/end-sandbox', (_req, reason) => port.actions.endSandbox(reason));

  return router;
}

function batchIdOf(req: Request): string {
  return readParam('batchId', req.params.batchId as string, parseBatchId);
}

function readBody(req: Request, allowed: string[]): { reason: string } {
  const b = req.body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new ApiError(400, 'bad-request', 'send JSON {"reason":"<text>"} with Content-Type: application/json');
  for (const key of Object.keys(b)) if (!allowed.includes(key)) throw new ApiError(400, 'unknown-parameter', `unknown field ${key}; allowed: ${allowed.join(', ')}`, key);
  if (typeof b.reason !== 'string' || b.reason.trim() === '')
    throw new ApiError(400, 'invalid-parameter', 'reason: a non-empty text (its keccak256 is recorded on chain)', 'reason');
  return { reason: b.reason };
}

function toApiError(error: unknown): unknown {
  if (!(error instanceof GovernanceError)) return error;
  if (error.code === 'invalid-parameter') return new ApiError(400, 'invalid-parameter', error.message, error.param);
  if (error.code === 'refused') return error.refusal ? refusalApiError(error.refusal) : new ApiError(409, 'conflict', error.message);
  return new ApiError(503, 'unavailable', error.message);
}
