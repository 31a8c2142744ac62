// Splits an OCMF record `OCMF|<payload JSON>|<signature JSON>` without ever re-serialising the
// payload: `payloadText` is the exact substring that was signed. Real OCMF from other vendors
// has whitespace inside the JSON, strings as RV and base64 SE; all parse here.
import { base64ToBytes, hexToBytes, isHex, utf8 } from './hex.js';
import { isObject, parseExactJson, type ExactJson } from './exact-json.js';
import { fail, ok, type Result } from './result.js';

/** An OCMF record is a few hundred bytes; anything near this is not a meter reading. */
export const MAX_OCMF_BYTES = 8192;

export interface OcmfSignature {
  /** SA, e.g. ECDSA-secp256k1-SHA256 (OCMF default: ECDSA-secp256r1-SHA256) */
  algorithm: string;
  /** SE: hex (default) or base64 */
  encoding: string;
  /** SM: application/x-der (default) */
  mime: string;
  /** SD decoded */
  data: Uint8Array;
}

export interface OcmfRecord {
  text: string;
  /** the payload JSON exactly as transmitted: the signed bytes */
  payloadText: string;
  payload: { [key: string]: ExactJson };
  signature: OcmfSignature;
}

export type OcmfParseReason = 'malformed' | 'unsupported-encoding';

/** Index just past the JSON object that starts at `from`, or -1. String-aware: `|` and braces
 * inside strings do not count. */
function endOfObject(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */) depth++;
    else if (c === 0x7d /* } */ && --depth === 0) return i + 1;
  }
  return -1;
}

export function parseOcmf(text: string): Result<OcmfRecord, OcmfParseReason> {
  if (typeof text !== 'string') return fail('malformed', 'an OCMF record is a string');
  // Checked before any parsing; length counts UTF-16 units, so the exact UTF-8 size only when it may matter.
  const bytes = text.length > MAX_OCMF_BYTES / 3 ? utf8(text).length : text.length;
  if (text.length > MAX_OCMF_BYTES || bytes > MAX_OCMF_BYTES) return fail('malformed', `record is ${bytes > text.length ? bytes : text.length} bytes or more, over the ${MAX_OCMF_BYTES}-byte limit`);
  const trimmed = text.trim();
  if (!trimmed.startsWith('OCMF|')) return fail('malformed', 'an OCMF record starts with "OCMF|"');
  const start = trimmed.indexOf('{', 5);
  if (start < 0 || trimmed.slice(5, start).trim() !== '') return fail('malformed', 'no payload JSON after "OCMF|"');
  const end = endOfObject(trimmed, start);
  if (end < 0) return fail('malformed', 'the payload JSON is not closed');
  const payloadText = trimmed.slice(start, end);
  const rest = trimmed.slice(end).trimStart();
  if (!rest.startsWith('|')) return fail('malformed', 'expected "|" between payload and signature');
  const signatureText = rest.slice(1).trim();

  const payload = parseExactJson(payloadText);
  if (!payload.ok) return fail('malformed', `payload: ${payload.detail}`);
  if (!isObject(payload.value)) return fail('malformed', 'payload is not a JSON object');
  const sig = parseExactJson(signatureText);
  if (!sig.ok) return fail('malformed', `signature section: ${sig.detail}`);
  if (!isObject(sig.value)) return fail('malformed', 'signature section is not a JSON object');

  const field = (name: string, fallback: string): Result<string, 'malformed'> => {
    const v = (sig.value as Record<string, ExactJson>)[name];
    if (v === undefined) return ok(fallback);
    return typeof v === 'string' ? ok(v) : fail('malformed', `signature ${name} is not a string`);
  };
  const sa = field('SA', 'ECDSA-secp256r1-SHA256');
  const se = field('SE', 'hex');
  const sm = field('SM', 'application/x-der');
  const sd = field('SD', '');
  for (const f of [sa, se, sm, sd]) if (!f.ok) return f;
  const [algorithm, encoding, mime, sdText] = [sa, se, sm, sd].map((f) => (f as { value: string }).value) as [string, string, string, string];
  if (sdText === '') return fail('malformed', 'signature SD is missing');

  let data: Uint8Array;
  const compact = sdText.replace(/\s+/g, '');
  if (encoding.toLowerCase() === 'hex') {
    if (!isHex(compact)) return fail('malformed', 'signature SD is not hex');
    data = hexToBytes(compact);
  } else if (encoding.toLowerCase() === 'base64') {
    const bytes = base64ToBytes(compact);
    if (!bytes) return fail('malformed', 'signature SD is not base64');
    data = bytes;
  } else return fail('unsupported-encoding', `signature encoding SE ${JSON.stringify(encoding)} is not hex or base64`);

  return ok({ text, payloadText, payload: payload.value, signature: { algorithm, encoding, mime, data } });
}
