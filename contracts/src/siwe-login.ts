// Sign-In with Ethereum (EIP-4361) for the household pages, through the `siwe` package. siwe
// verifies signatures with ethers (its peer dependency), and docs/design.md §Shape keeps ethers
// inside contracts/: so the message is prepared and checked here, and the dashboard calls these
// two functions with plain strings. Untrusted input answers a result with a reason; the
// dashboard owns the nonces (one use, expiry) and decides who the address belongs to.
import { verifyMessage } from 'ethers';
import { SiweErrorType, SiweMessage } from 'siwe';

export interface PrepareSiweMessageParameters {
  /** RFC 3986 authority of the dashboard, host:port (the wallet compares it with the page's origin) */
  domain: string;
  /** the page the household signs in to, e.g. http://127.0.0.1:8080/ */
  uri: string;
  /** EIP-55 address that signs */
  address: string;
  /** the sandbox chain's EIP-155 id */
  chainId: number;
  /** ≥ 8 alphanumeric characters, issued by the server and used once */
  nonce: string;
  /** one line naming the sandbox */
  statement: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** The EIP-4361 text the wallet shows and signs (personal_sign). */
export function prepareSiweMessage(p: PrepareSiweMessageParameters): string {
  return new SiweMessage({
    domain: p.domain,
    address: p.address,
    statement: p.statement,
    uri: p.uri,
    version: '1',
    chainId: p.chainId,
    nonce: p.nonce,
    issuedAt: new Date(p.issuedAtMs).toISOString(),
    expirationTime: new Date(p.expiresAtMs).toISOString(),
  }).prepareMessage();
}

export interface VerifySiweMessageParameters {
  message: string;
  /** 0x-hex 65-byte signature from personal_sign */
  signature: string;
  /** the authorities this dashboard answers as (one must be the message's domain) */
  domains: readonly string[];
  chainId: number;
  /** wall-clock now: expirationTime and notBefore are checked against it */
  nowMs: number;
}

export type SiweFailure = 'malformed' | 'wrong-domain' | 'wrong-chain' | 'expired' | 'not-yet-valid' | 'wrong-signer';

export type VerifySiweMessageReturnType =
  | { ok: true; address: string; nonce: string; domain: string; uri: string; expiresAtMs: number | null }
  | { ok: false; reason: SiweFailure; detail: string; /** the message's nonce, when it could be read */ nonce?: string };

export async function verifySiweMessage(p: VerifySiweMessageParameters): Promise<VerifySiweMessageReturnType> {
  let parsed: SiweMessage;
  try {
    parsed = new SiweMessage(p.message);
  } catch (error) {
    return { ok: false, reason: 'malformed', detail: `not an EIP-4361 message: ${errorText(error)}` };
  }
  const nonce = parsed.nonce;
  if (!p.domains.includes(parsed.domain))
    return { ok: false, reason: 'wrong-domain', detail: `the message is for ${parsed.domain}, this dashboard is ${p.domains.join(' or ')}`, nonce };
  if (parsed.chainId !== p.chainId) return { ok: false, reason: 'wrong-chain', detail: `the message is for chain ${parsed.chainId}, this sandbox is chain ${p.chainId}`, nonce };
  if (!/^0x[0-9a-fA-F]{130}$/.test(p.signature)) return { ok: false, reason: 'malformed', detail: 'signature: 65 bytes as 0x-hex', nonce };
  const result = await parsed.verify({ signature: p.signature, domain: parsed.domain, time: new Date(p.nowMs).toISOString() }, { suppressExceptions: true });
  if (result.success) return { ok: true, address: parsed.address, nonce, domain: parsed.domain, uri: parsed.uri, expiresAtMs: parsed.expirationTime ? Date.parse(parsed.expirationTime) : null };
  const type = result.error?.type;
  if (type === SiweErrorType.EXPIRED_MESSAGE) return { ok: false, reason: 'expired', detail: `the message expired at ${parsed.expirationTime}`, nonce };
  if (type === SiweErrorType.NOT_YET_VALID_MESSAGE) return { ok: false, reason: 'not-yet-valid', detail: `the message is valid from ${parsed.notBefore}`, nonce };
  if (type === SiweErrorType.INVALID_SIGNATURE) {
    let signer = 'another key';
    try {
      signer = verifyMessage(p.message, p.signature);
    } catch {
      /* not even a recoverable signature: "another key" */
    }
    return { ok: false, reason: 'wrong-signer', detail: `the message names ${parsed.address} but was signed by ${signer}`, nonce };
  }
  return { ok: false, reason: 'malformed', detail: `${type ?? 'unverifiable'}${result.error?.received ? ` (${result.error.received})` : ''}`, nonce };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'type' in error) return String((error as { type: unknown }).type);
  return String(error);
}
