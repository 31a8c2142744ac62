// Fuzzing the HTTP query and path parameters: whatever a client sends, the API answers 200 or a
// specific 4xx with a machine-readable code naming the parameter — never a crash or a 500.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/http/api-error.js';
import { parseAddress, parseBatchId, parseLimit, parseMeterId, parseReason, parseTime, readQuery } from '../src/http/query.js';
import { TOKENS } from './fake-ports.js';
import { serve, type Served } from './serve.js';

const parsers = { from: parseTime, to: parseTime, limit: parseLimit(1000), batchId: parseBatchId, meterId: parseMeterId, payee: parseAddress, reason: parseReason };
const REASONS = ['invalid-time', 'invalid-limit', 'invalid-batch-id', 'invalid-meter-id', 'invalid-address', 'invalid-reason'];

describe('query parsers (property)', () => {
  it('every parser answers any string with a value or a specific reason, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9T:+.Z-]{0,30}$/)), (raw) => {
        for (const parse of Object.values(parsers)) {
          const r = parse(raw);
          if (!r.ok) expect(REASONS).toContain(r.reason);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('readQuery returns parsed values or throws a 400 ApiError naming the parameter', () => {
    const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string()), fc.constant(undefined));
    const key = fc.oneof(fc.constantFrom(...Object.keys(parsers), '__proto__', 'constructor', 'toString'), fc.string());
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (query) => {
        try {
          readQuery(query, parsers);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          const e = error as ApiError & { status?: number; code?: string };
          expect(e.status).toBe(400);
          expect(['unknown-parameter', 'invalid-parameter']).toContain(e.code);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('HTTP API under random query strings and path segments', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(() => s?.close());

  const paths = ['/api/meters', '/api/meters/m-a1/readings', '/api/batches', '/api/rejections', '/api/payouts/0x00000000000000000000000000000000000000aa'];
  const segment = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('..', '%', '%00', '0', '-1', '99999999999999999999999', 'm-a1'));

  it('answers 200 or a 4xx with an error code, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.array(fc.tuple(fc.oneof(fc.constantFrom('from', 'to', 'limit', 'reason', 'meterId', 'toString', 'constructor', '__proto__', 'hasOwnProperty'), fc.string({ maxLength: 10 })), fc.string({ maxLength: 40 })), { maxLength: 3 }),
        segment,
        async (path, params, seg) => {
          const query = new URLSearchParams(params).toString();
          for (const url of [`${path}?${query}`, `/api/batches/${encodeURIComponent(seg)}`, `/api/batches/1/claims/${encodeURIComponent(seg)}/audit`, `/api/meters/${encodeURIComponent(seg)}/readings?${query}`]) {
            const r = await s.get(url, TOKENS.regulator);
            expect(r.status, `${url} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
            if (r.status >= 400) expect(typeof r.body?.error?.code, url).toBe('string');
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
