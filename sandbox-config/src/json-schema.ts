// The sandbox file's JSON Schema, generated from the zod schema so editors (yaml-language-server,
// VS Code) can complete and check sandbox files. It describes the input side (what a file may
// contain); cross-field checks exist only in zod, so loadConfig stays the authority. Draft-07,
// the draft editors support best.
import { z } from 'zod';
import { sandboxConfigSchema } from './schema.js';

export function sandboxJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(sandboxConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-07' });
  const described = {
    ...schema,
    title: 'feedin sandbox configuration',
    description: 'See docs/config.md. Generated from sandbox-config/src/schema.ts by the build; do not edit.',
  };
  // Defaults of amounts are bigints; JSON has only numbers.
  return JSON.parse(JSON.stringify(described, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Record<string, unknown>;
}
