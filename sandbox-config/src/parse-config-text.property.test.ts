// A sandbox file is untrusted text: whatever it holds, loading answers with issues, never throws.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { parseConfigText } from './parse-config-text.js';

const minimalText = readFileSync(fileURLToPath(new URL('../test/minimal.sandbox.yaml', import.meta.url)), 'utf8');

function expectResult(text: string, path: string): void {
  const result = parseConfigText(text, { path });
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  for (const issue of result.errors) {
    expect(typeof issue.path).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
  }
}

/** Every path to a value inside `value`. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

describe('parseConfigText never throws', () => {
  it('on arbitrary text, read as YAML or JSON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expectResult(text, 'sandbox.yaml');
        expectResult(text, 'sandbox.json');
      }),
      { numRuns: 500 },
    );
  });

  it('on arbitrary YAML-looking lines', () => {
    const token = fc.constantFrom('sandbox', 'meters', ':', ' ', '  ', '- ', '[', ']', '{', '}', ',', '&a', '*a', '!!binary', '|', '>', '"', "'", '#', '\n', '\t', '? ', '<<: ', '0x1', '1e999', '-1', '__proto__', 'constructor');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => expectResult(tokens.join(''), 'sandbox.yaml')),
      { numRuns: 500 },
    );
  });

  it('on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expectResult(JSON.stringify(value) ?? 'null', 'sandbox.json');
        expectResult(stringify(value), 'sandbox.yaml');
      }),
      { numRuns: 300 },
    );
  });

  it('on a valid sandbox with any one value replaced or removed', () => {
    const paths = pathsOf(parse(minimalText)).filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), (path, replacement) => {
        const config = parse(minimalText);
        let parent = config;
        for (const key of path.slice(0, -1)) parent = parent[key];
        const last = path[path.length - 1]!;
        if (replacement === undefined) delete parent[last];
        else parent[last] = replacement;
        expectResult(stringify(config), 'sandbox.yaml');
        expectResult(JSON.stringify(config), 'sandbox.json');
      }),
      { numRuns: 500 },
    );
  });
});
