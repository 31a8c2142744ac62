import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sandboxJsonSchema } from './json-schema.js';

describe('sandbox.schema.json', () => {
  it('is what the build generates from the zod schema (run npm run build -w @feedin/sandbox-config)', () => {
    const committed = JSON.parse(readFileSync(new URL('../sandbox.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(sandboxJsonSchema());
  });

  it('is strict, like the loader: unknown keys are not allowed', () => {
    const schema = sandboxJsonSchema() as { additionalProperties: boolean; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['sandbox', 'tariffs', 'participants', 'meters', 'chain', 'simulation']);
  });
});
