// The operator's writes: POST /api/operator/meters (register) and
// POST /api/operator/meters/:id/suspend. They go to the chain registry through the operator's
// key (OperatorActions); the gateway's directory follows the registry's events. Contract refusals
// (e.g. an id already registered) come back in words with their code (http/chain-refusal.ts).
import express, { Router } from 'express';
import { decodePublicKey } from '@feedin/protocol/public-key';
import { requireRole } from '../auth/authenticate.js';
import { ApiError } from '../http/api-error.js';
import { apiErrorFromChain } from '../http/chain-refusal.js';
import { parseAddress, parseMeterId, readParam, readQuery } from '../http/query.js';
import type { DashboardPorts, OperatorActions } from '../ports.js';

const REASON_MAX_CHARS = 500;
const REGISTER_FIELDS = ['meterId', 'publicKey', 'payee', 'householdId', 'capacityW'];

/** A meter is paid to its household's payee (issue #11 item 15): `householdId` names the
 * household (its payee from the sandbox file), `payee` an address; given both, they must agree. */
function payeeOf(body: Record<string, unknown>, households: ReadonlyArray<{ householdId: string; payee: string }>): string {
  const payee = body.payee === undefined ? undefined : readParam('payee', stringField(body, 'payee'), parseAddress);
  if (body.householdId === undefined) {
    if (payee === undefined) throw new ApiError(400, 'invalid-parameter', 'householdId: required (or payee, an address)', 'householdId');
    return payee;
  }
  const householdId = stringField(body, 'householdId');
  const household = households.find((h) => h.householdId === householdId);
  if (!household) throw new ApiError(400, 'invalid-parameter', `householdId: no household ${JSON.stringify(householdId)} in the sandbox file`, 'householdId');
  if (payee !== undefined && payee.toLowerCase() !== household.payee.toLowerCase())
    throw new ApiError(400, 'invalid-parameter', `payee: ${payee} is not the payee of household ${householdId} (${household.payee})`, 'payee');
  return household.payee;
}

export function operatorRoutes(ports: Pick<DashboardPorts, 'operatorActions' | 'clock' | 'households'>, log: (line: string) => void): Router {
  const router = Router();
  const operator = requireRole('operator');
  const json = express.json({ limit: '8kb' });

  const actions = (): OperatorActions => {
    if (!ports.operatorActions) throw new ApiError(503, 'unavailable', 'meter registration is not wired in this sandbox (no operator chain key)');
    return ports.operatorActions;
  };

  router.post('/api/operator/meters', operator, json, async (req, res) => {
    readQuery(req.query, {});
    const body = objectBody(req.body);
    for (const key of Object.keys(body))
      if (!REGISTER_FIELDS.includes(key)) throw new ApiError(400, 'unknown-parameter', `unknown field ${key}; allowed: ${REGISTER_FIELDS.join(', ')}`, key);
    const meterId = readParam('meterId', stringField(body, 'meterId'), parseMeterId);
    const payee = payeeOf(body, ports.households ?? []);
    const publicKey = stringField(body, 'publicKey');
    // secp256k1 SEC1: 33 bytes compressed or 65 uncompressed.
    if (!/^(0x)?(0[23][0-9a-fA-F]{64}|04[0-9a-fA-F]{128})$/.test(publicKey))
      throw new ApiError(400, 'invalid-parameter', 'publicKey: a secp256k1 public key in hex (33 bytes compressed or 65 uncompressed)', 'publicKey');
    // Right length is not yet a key: a point off the curve is bad input, refused before the chain
    // is asked (the registry would store bytes no signature can ever verify against).
    if (!decodePublicKey(publicKey, 'secp256k1').ok)
      throw new ApiError(400, 'invalid-parameter', 'publicKey: not a point on secp256k1 (check that the key was copied whole)', 'publicKey');
    const capacityW = Number(body.capacityW);
    if (!Number.isInteger(capacityW) || capacityW <= 0 || capacityW > 4_294_967_295)
      throw new ApiError(400, 'invalid-parameter', 'capacityW: installed capacity in watts, a positive integer', 'capacityW');
    const sent = await chainCall(() => actions().registerMeter({ meterId, publicKey, payee, capacityW }), log, `register meter ${meterId}`);
    res.status(201).json({ meterId, registered: true, payee, capacityW, ...sent });
  });

  router.post('/api/operator/meters/:id/suspend', operator, json, async (req, res) => {
    const meterId = readParam('id', req.params.id as string, parseMeterId);
    readQuery(req.query, {});
    const reason = reasonField(objectBody(req.body));
    const sent = await chainCall(() => actions().suspendMeter({ meterId, fromMs: ports.clock.nowMs(), reason }), log, `suspend meter ${meterId}`);
    res.json({ meterId, suspended: true, ...sent });
  });

  return router;
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'bad-request', 'send a JSON object with content-type application/json');
  return body as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v.length === 0) throw new ApiError(400, 'invalid-parameter', `${name}: required, a string`, name);
  return v;
}

function reasonField(body: Record<string, unknown>): string {
  const reason = stringField(body, 'reason').trim();
  if (reason.length === 0 || reason.length > REASON_MAX_CHARS) throw new ApiError(400, 'invalid-parameter', `reason: 1-${REASON_MAX_CHARS} characters`, 'reason');
  return reason;
}

async function chainCall<T>(call: () => Promise<T>, log: (line: string) => void, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const message = (error as Error).message;
    log(`dashboard: ${what} failed on chain: ${message}`);
    throw apiErrorFromChain(error) ?? new ApiError(409, 'conflict', `the chain refused to ${what}: ${message}`);
  }
}
