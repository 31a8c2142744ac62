// aedes `authenticate` hook (docs/design.md §Transports): MQTT 3.1.1, client id = username = meter
// id, password = a JWT (ES256K, RFC 8812) signed by the meter's registered key with sub = meter id
// and a short lifetime, used once (its jti: login-replay.ts). A login that takes over a connected
// meter's session is a security event and rate-limited (session-takeover.ts). Anything else →
// CONNACK return code 5 "not authorized" (MQTT-3.2.2-3), as is a meter assigned to another shard
// than this gateway's at login time (docs/design.md "Shards").
import type { AuthenticateError, Client } from 'aedes';
import type { Clock } from '@feedin/protocol/sandbox-time';
import { loginKeys } from '@feedin/protocol/key-history';
import { meterAdmits, meterKeyHistory, shardAdmits, type MeterDirectory } from '../registry/meter-directory.js';
import type { VerifiedMeterJwt } from '@feedin/protocol/jwt';
import type { LoginReplayGuard } from './login-replay.js';
import type { SecurityRecorder } from './security.js';
import type { TakeoverLimiter } from './session-takeover.js';
import type { VerifyMeterJwt } from '../ingest/verify-jwt-fast.js';

export interface AuthenticateDeps {
  directory: MeterDirectory;
  clock: Clock;
  /** the shard this gateway settles: only meters assigned to it at login time may connect */
  shard?: number;
  jwtMaxLifetimeSeconds: number;
  /** the composition root's (gateway-crypto.ts): native libsecp256k1 when it loads, so that a
   * fleet reconnecting at once does not hold the event loop */
  verifyMeterJwt: VerifyMeterJwt;
  security: SecurityRecorder;
  /** each token once; absent = no replay check (unit tests of the key rules) */
  replay?: LoginReplayGuard;
  /** whether the meter holds a live session now, and how often it may be taken over */
  sessions?: { isConnected(meterId: string): boolean; takeovers: TakeoverLimiter };
}

type Verdict = { ok: true } | { ok: false; reason: string; detail: string };

export function checkCredentials(deps: Omit<AuthenticateDeps, 'security'>, clientId: string, username: string | undefined, password: Buffer | undefined): Verdict {
  if (username !== clientId) return { ok: false, reason: 'username-mismatch', detail: `username ${JSON.stringify(username ?? null)} is not the client id` };
  const meter = deps.directory.get(clientId);
  if (!meter) return { ok: false, reason: 'unknown-meter', detail: `meter ${clientId} is not registered` };
  // Suspension is judged on the sandbox clock, like the readings it stops.
  const admitted = meterAdmits(meter, deps.clock.nowMs());
  if (!admitted.ok) return { ok: false, reason: 'meter-suspended', detail: admitted.detail };
  // A meter on another shard belongs to another gateway; the refusal names the right shard.
  const onShard = shardAdmits(meter, deps.shard, deps.clock.nowMs());
  if (!onShard.ok) return { ok: false, reason: 'wrong-shard', detail: onShard.detail };
  if (!password || password.length === 0) return { ok: false, reason: 'no-password', detail: 'no JWT given as password' };
  // Key rotation: the key valid now or a later one (a device that already switched); never a revoked one.
  const keys = loginKeys(meterKeyHistory(meter), deps.clock.nowMs());
  if (keys.length === 0) return { ok: false, reason: 'key-revoked', detail: `every key of meter ${clientId} is revoked` };
  let refusal: Verdict = { ok: false, reason: 'bad-signature', detail: 'no key verified the JWT' };
  for (const key of keys) {
    const token = deps.verifyMeterJwt(password.toString('utf8'), key, {
      // docs/design.md §Clocks: JWT iat/exp are always wall-clock time, whatever the sandbox clock
      // speed.
      nowSec: Math.floor(deps.clock.wallNowMs() / 1000),
      expectedSub: clientId,
      maxLifetimeSec: deps.jwtMaxLifetimeSeconds,
    });
    if (token.ok) return admitOnce(deps, clientId, token.value);
    // the first key's refusal is the one to report (the valid-now key; later keys are fallbacks)
    if (key === keys[0]) refusal = { ok: false, reason: token.reason, detail: token.detail };
  }
  return refusal;
}

function admitOnce(deps: Pick<AuthenticateDeps, 'replay' | 'clock'>, meterId: string, token: VerifiedMeterJwt): Verdict {
  if (!deps.replay) return { ok: true };
  const verdict = deps.replay.admit(meterId, token, Math.floor(deps.clock.wallNowMs() / 1000));
  return verdict.ok ? { ok: true } : verdict;
}

export function createAuthenticate(deps: AuthenticateDeps) {
  return function authenticate(
    client: Client,
    username: Readonly<string | undefined>,
    password: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    let verdict: Verdict;
    try {
      verdict = checkCredentials(deps, client.id, username, password);
    } catch (error) {
      verdict = { ok: false, reason: 'internal-error', detail: error instanceof Error ? error.message : String(error) };
    }
    if (verdict.ok && deps.sessions?.isConnected(client.id)) {
      // MQTT-3.1.4-2: accepting this login disconnects the meter's live session.
      const who = { meterId: client.id, clientId: client.id };
      if (!deps.sessions.takeovers.allow(client.id, deps.clock.wallNowMs())) {
        verdict = { ok: false, reason: 'takeover-limited', detail: `meter ${client.id} is connected and its session was taken over too often; the live session stays` };
      } else deps.security('session-takeover', who, `a new login took over the live session of meter ${client.id}`);
    }
    if (verdict.ok) {
      deps.security.admitted(client.id);
      return done(null, true);
    }
    deps.security('connect-refused', { meterId: deps.directory.get(client.id) ? client.id : null, clientId: client.id }, `${verdict.reason}: ${verdict.detail}`);
    const error = new Error('not authorized') as AuthenticateError;
    error.returnCode = 5; // NOT_AUTHORIZED (a const enum in aedes' typings)
    done(error, null);
  };
}
