// A meter's login token is accepted once (issue #10.9, RFC 7519 §4.1.7 jti): whoever saw a token
// on the wire (plain TCP, a proxy log, a shoulder) cannot log in with it again. Each accepted jti
// is remembered until its token could no longer pass the expiry check (exp + leeway), then
// forgotten. Memory is bounded twice: per meter (a meter's own key is needed to fill its share)
// and in all. When full, logins are refused rather than forgetting a live jti (fail closed).
// The memory starts empty at start-up, so a token issued before the gateway started may have
// been used before a restart: such tokens are refused too (devices sign a fresh one per connect).

export type ReplayRefusal = 'token-replayed' | 'issued-before-start' | 'too-many-logins' | 'replay-memory-full';

export type ReplayVerdict = { ok: true } | { ok: false; reason: ReplayRefusal; detail: string };

export interface LoginReplayGuard {
  /** Admits a verified token once; remembers it when admitted. */
  admit(meterId: string, token: { jti: string; iat: number; exp: number }, nowSec: number): ReplayVerdict;
  /** jtis remembered now (for tests and metrics) */
  size(): number;
}

export interface LoginReplayGuardParameters {
  /** wall-clock second the gateway started: tokens issued before it are refused */
  startedAtSec: number;
  /** the expiry leeway of the JWT check (protocol verifyMeterJwt, default 30 s) */
  leewaySec?: number;
  /** live tokens one meter may have used (default 30: a reconnect every 10 s for 5 minutes) */
  maxPerMeter?: number;
  /** live tokens in all (default 200,000: ~30 MB) */
  maxEntries?: number;
}

export function createLoginReplayGuard({ startedAtSec, leewaySec = 30, maxPerMeter = 30, maxEntries = 200_000 }: LoginReplayGuardParameters): LoginReplayGuard {
  // meter id → (jti → second from which it may be forgotten)
  const byMeter = new Map<string, Map<string, number>>();
  let size = 0;
  let prunedAtSec = -Infinity;

  const pruneMeter = (meterId: string, jtis: Map<string, number>, nowSec: number) => {
    for (const [jti, forgetAtSec] of jtis)
      if (forgetAtSec <= nowSec) {
        jtis.delete(jti);
        size--;
      }
    if (jtis.size === 0) byMeter.delete(meterId);
  };
  // A full scan at most once a second: O(live jtis), bounded by maxEntries.
  const pruneAll = (nowSec: number) => {
    if (nowSec === prunedAtSec) return;
    prunedAtSec = nowSec;
    for (const [meterId, jtis] of byMeter) pruneMeter(meterId, jtis, nowSec);
  };

  return {
    admit(meterId, { jti, iat, exp }, nowSec) {
      pruneAll(nowSec);
      if (iat < startedAtSec) return { ok: false, reason: 'issued-before-start', detail: `token issued at ${iat}, before the gateway started (${startedAtSec}): it may have been used before; sign a new one` };
      const jtis = byMeter.get(meterId);
      if (jtis?.has(jti)) return { ok: false, reason: 'token-replayed', detail: `token ${JSON.stringify(jti)} was already used to log in; every connection needs a new token` };
      if (jtis && jtis.size >= maxPerMeter) return { ok: false, reason: 'too-many-logins', detail: `more than ${maxPerMeter} logins within a token lifetime` };
      if (size >= maxEntries) return { ok: false, reason: 'replay-memory-full', detail: `${maxEntries} live login tokens remembered; refusing logins until some expire` };
      const mine = jtis ?? new Map<string, number>();
      if (!jtis) byMeter.set(meterId, mine);
      mine.set(jti, exp + leewaySec);
      size++;
      return { ok: true };
    },
    size: () => size,
  };
}
