// Build step (after tsc -b): writes sandbox.schema.json from the compiled zod schema. The file is
// kept in the repository for editors; src/json-schema.test.ts fails when it is out of date.
import { writeFileSync } from 'node:fs';
import { sandboxJsonSchema } from '../dist/json-schema.js';

writeFileSync(new URL('../sandbox.schema.json', import.meta.url), `${JSON.stringify(sandboxJsonSchema(), null, 2)}\n`);
