// Nonces of Sign-In with Ethereum (EIP-4361 §"nonce"): issued by the server for one address,
// usable once, for a few minutes of wall-clock time (like the session's own expiry). Taking a
// nonce spends it whether the signature then verifies or not, so a captured message can never be
// replayed. Kept in memory and bounded: the oldest unspent nonces are forgotten first.
import { randomBytes } from 'node:crypto';

export interface SiweNonce {
  nonce: string;
  /** lower-case address the nonce was issued for */
  address: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

export type TakeNonceReturnType = { ok: true; issued: SiweNonce } | { ok: false; reason: 'unknown' | 'expired'; detail: string };

export interface SiweNonceStore {
  issue(address: string): SiweNonce;
  /** spends the nonce (one use): the record if it was issued and has not expired */
  take(nonce: string): TakeNonceReturnType;
}

export interface SiweNonceStoreParameters {
  wallNowMs?: () => number;
  ttlMs?: number;
  maxNonces?: number;
}

export const SIWE_NONCE_TTL_MS = 5 * 60_000;

export function createSiweNonceStore({ wallNowMs = Date.now, ttlMs = SIWE_NONCE_TTL_MS, maxNonces = 10_000 }: SiweNonceStoreParameters = {}): SiweNonceStore {
  const nonces = new Map<string, SiweNonce>();
  return {
    issue(address) {
      // EIP-4361: at least 8 alphanumeric characters; 128 random bits in hex.
      const nonce = randomBytes(16).toString('hex');
      const nowMs = wallNowMs();
      const issued = { nonce, address: address.toLowerCase(), issuedAtMs: nowMs, expiresAtMs: nowMs + ttlMs };
      nonces.set(nonce, issued);
      while (nonces.size > maxNonces) nonces.delete(nonces.keys().next().value!);
      return issued;
    },
    take(nonce) {
      const issued = nonces.get(nonce);
      if (!issued) return { ok: false, reason: 'unknown', detail: 'the nonce was never issued by this dashboard or has been used already; ask for a new message' };
      nonces.delete(nonce);
      if (issued.expiresAtMs <= wallNowMs()) return { ok: false, reason: 'expired', detail: `the nonce expired at ${new Date(issued.expiresAtMs).toISOString()}; ask for a new message` };
      return { ok: true, issued };
    },
  };
}
