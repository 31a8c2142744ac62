// Strict parsing of path and query parameters. Each parser takes untrusted text and answers a
// Result; `readQuery` rejects unknown and repeated parameters, so a typo ("form=") is a 400
// rather than a silently ignored filter.
import { isChecksumValid } from '@feedin/protocol/address';
import { fail, ok, type Result } from '@feedin/protocol/result';
import { ApiError } from './api-error.js';
import { isMeterId, METER_ID_RULE } from '@feedin/protocol/meter-id';

export type Parser<T> = (raw: string) => Result<T>;

// ISO 8601 with an explicit offset: a time without one means different instants to different tools.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;
const EPOCH_MS = /^\d{1,15}$/;

/** A time as ISO 8601 with offset (`2026-11-22T10:15:00+07:00`) or epoch milliseconds. */
export const parseTime: Parser<number> = (raw) => {
  if (EPOCH_MS.test(raw)) return ok(Number(raw));
  const m = ISO.exec(raw);
  if (!m) return fail('invalid-time', 'expected ISO 8601 with offset (2026-11-22T10:15:00+07:00) or epoch milliseconds');
  const [year, month, day, hour, minute, second = '0'] = m.slice(1, 7).map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour! > 23 || minute! > 59 || Number(second) > 59)
    return fail('invalid-time', 'date or time fields out of range');
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? fail('invalid-time', 'not a valid date-time') : ok(ms);
};

export function parseLimit(max: number): Parser<number> {
  return (raw) => {
    if (!/^[1-9]\d{0,6}$/.test(raw) || Number(raw) > max) return fail('invalid-limit', `expected an integer from 1 to ${max}`);
    return ok(Number(raw));
  };
}

/** Batch ids count from 1 (docs/design.md §Batches: sequential batchId from 1); kept as decimal
 * strings (uint256). */
export const parseBatchId: Parser<string> = (raw) =>
  /^[1-9]\d{0,19}$/.test(raw) ? ok(raw) : fail('invalid-batch-id', 'expected a batch id: a positive decimal integer');

/** A shard is a uint32 on chain (issue #13), 0 for a single gateway. */
export const parseShard: Parser<number> = (raw) =>
  /^(0|[1-9]\d{0,9})$/.test(raw) && Number(raw) <= 0xffff_ffff ? ok(Number(raw)) : fail('invalid-shard', 'expected a shard: an integer from 0 to 4294967295');

/** docs/design.md §Meter id: 1–32 characters of [A-Za-z0-9._-]. */
export const parseMeterId: Parser<string> = (raw) =>
  isMeterId(raw) ? ok(raw) : fail('invalid-meter-id', `expected a meter id: ${METER_ID_RULE}`);

/** Mixed case is an EIP-55 checksum and must match, as in the sandbox file (one rule, in protocol/):
 * a mistyped digit is a 400 here, not a lookup of somebody else's payee. */
export const parseAddress: Parser<string> = (raw) => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(raw)) return fail('invalid-address', 'expected an address: 0x and 40 hex digits');
  if (!isChecksumValid(raw)) return fail('invalid-address', 'EIP-55 checksum mismatch: check the address for typos (or write it all lower case)');
  return ok(raw);
};

/** A page cursor of payee claims: `<batchId>.<meterId>` of the last claim seen (the answer's `next`). */
export const parseClaimCursor: Parser<{ batchId: string; meterId: string }> = (raw) => {
  const dot = raw.indexOf('.');
  const batchId = raw.slice(0, dot);
  const meterId = raw.slice(dot + 1);
  return dot > 0 && /^[1-9]\d{0,19}$/.test(batchId) && isMeterId(meterId) ? ok({ batchId, meterId }) : fail('invalid-cursor', 'expected the `next` of the previous page (<batchId>.<meterId>)');
};

/** Comma-separated meter ids, 1 to `max`, each once. */
export function parseMeterIds(max: number): Parser<string[]> {
  return (raw) => {
    const ids = raw.split(',');
    if (ids.length > max) return fail('too-many-meters', `at most ${max} meters per request`);
    const bad = ids.find((id) => !isMeterId(id));
    if (bad !== undefined) return fail('invalid-meter-id', `"${bad}" is not a meter id: ${METER_ID_RULE}`);
    if (new Set(ids).size !== ids.length) return fail('repeated-meter', 'give each meter once');
    return ok(ids);
  };
}

export const parseReason: Parser<string> = (raw) =>
  /^[A-Za-z0-9._:-]{1,64}$/.test(raw) ? ok(raw) : fail('invalid-reason', 'expected a rejection reason such as bad-signature');

/** A switch that is only ever turned on: `flagged=true`. */
export const parseTrue: Parser<true> = (raw) => (raw === 'true' ? ok(true) : fail('invalid-flag', 'expected true (leave the parameter out for false)'));

/** Parses one path or query value or throws the 400 ApiError that names the parameter. */
export function readParam<T>(param: string, raw: string, parser: Parser<T>): T {
  const result = parser(raw);
  if (!result.ok) throw new ApiError(400, 'invalid-parameter', `${param}: ${result.detail}`, param);
  return result.value;
}

export function readQuery<S extends Record<string, Parser<unknown>>>(
  query: unknown,
  spec: S,
): { [K in keyof S]?: S[K] extends Parser<infer T> ? T : never } {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    // Own keys only: `?toString=` must not find Object.prototype.toString (a 500, found by fuzzing).
    const parser = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!parser) {
      const known = Object.keys(spec);
      throw new ApiError(400, 'unknown-parameter', `unknown query parameter ${name}${known.length ? `; known: ${known.join(', ')}` : ''}`, name);
    }
    if (typeof value !== 'string') throw new ApiError(400, 'invalid-parameter', `${name}: give it once, as a plain value`, name);
    out[name] = readParam(name, value, parser);
  }
  return out as { [K in keyof S]?: S[K] extends Parser<infer T> ? T : never };
}
