// The exact-JSON parser reads every untrusted OCMF section, and it was rewritten for speed; this
// checks it against the previous, simpler implementation (reference/exact-json-before.ts) on
// random JSON, mutated JSON and random text: the same verdict and the same values every time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExactJson, type ExactJson, type JsonNumber } from '../src/exact-json.js';
import { parseExactJson as parseBefore } from './reference/exact-json-before.js';

/** Plain data for comparison: numbers as { n: text }, objects without prototype as plain. */
function plain(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && 'text' in v && !Array.isArray(v) && Object.keys(v).length === 1) return { n: (v as { text: string }).text };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function sameVerdict(text: string): void {
  const now = parseExactJson(text);
  const before = parseBefore(text);
  expect(now.ok, text).toBe(before.ok);
  if (now.ok && before.ok) expect(plain(now.value)).toEqual(plain(before.value));
}

const jsonText = fc.jsonValue().map((v) => JSON.stringify(v, null, Math.random() < 0.5 ? 0 : 2));
const mutatedJson = fc.tuple(jsonText, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...'"\\{}[],:0123456789.eE+- \t\nabcfnrtu\u0001\u00e9'.split('')), fc.boolean()), { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
  let out = text;
  for (const [at, ch, insert] of edits) {
    const i = at % (out.length + 1);
    out = insert ? out.slice(0, i) + ch + out.slice(i) : out.slice(0, i) + ch + out.slice(i + 1);
  }
  return out;
});

describe('parseExactJson', () => {
  it('keeps numbers as their source text', () => {
    const r = parseExactJson('{"RV": 268.978, "big": 18446744073709551615, "s": "a\\"b\\u00e9"}');
    expect(r.ok).toBe(true);
    const v = (r as { value: Record<string, ExactJson> }).value;
    expect((v['RV'] as JsonNumber).text).toBe('268.978');
    expect((v['big'] as JsonNumber).text).toBe('18446744073709551615');
    expect(v['s']).toBe('a"bé');
  });

  it('refuses what JSON refuses, with a reason', () => {
    for (const bad of ['', '{', '{"a":1,}', '{"a":01}', '{"a":"\u0001"}', '{"a":1}x', '{"a":1,"a":2}', '[1 2]', `{"n":${'9'.repeat(401)}}`, '"\\x"'])
      expect(parseExactJson(bad).ok, bad).toBe(false);
  });

  it('gives the verdicts and values of the previous implementation on random JSON', () => {
    fc.assert(fc.property(jsonText, (t) => sameVerdict(t)), { numRuns: 2000 });
  });

  it('… on mutated JSON and on random text', () => {
    fc.assert(fc.property(fc.oneof(mutatedJson, fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 })), (t) => sameVerdict(t)), { numRuns: 5000 });
  });

  it('… on very long numbers and strings', () => {
    for (const n of [399, 400, 401, 1000]) sameVerdict(`{"n":${'7'.repeat(n)}}`);
    sameVerdict(`{"s":"${'x'.repeat(10_000)}"}`);
  });
});
