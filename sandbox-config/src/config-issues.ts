// zod issues → ConfigIssues a person can act on: one issue per unknown key (with the nearest
// known key as a suggestion, since most unknown keys are typos), paths as written in the file.
import type { z } from 'zod';
import type { ConfigIssue } from './config-error.js';
import { formatIssuePath } from './issue-path.js';

export interface RawConfigIssue extends ConfigIssue {
  /** the path as keys, for locating the issue in the source */
  keys: PropertyKey[];
}

export function toConfigIssues(error: z.ZodError, schema: z.ZodType): RawConfigIssue[] {
  return error.issues.flatMap((issue): RawConfigIssue[] => {
    const keys = issue.path as PropertyKey[];
    if (issue.code !== 'unrecognized_keys') return [{ path: formatIssuePath(keys), message: issue.message, keys }];
    const known = knownKeysAt(schema, keys);
    return issue.keys.map((key) => {
      const hint = closest(key, known);
      return {
        path: formatIssuePath([...keys, key]),
        message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        keys: [...keys, key],
      };
    });
  });
}

interface Def {
  type: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  shape?: Record<string, SchemaLike>;
  element?: SchemaLike;
}
interface SchemaLike {
  _zod: { def: Def };
}

/** The keys an object schema allows at `path`, walking through defaults, optionals, pipes, arrays. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: SchemaLike | undefined = unwrap(schema as unknown as SchemaLike);
  for (const key of path) {
    const def: Def | undefined = node?._zod.def;
    if (def?.type === 'object') node = def.shape?.[String(key)];
    else if (def?.type === 'array') node = def.element;
    else return [];
    node = node && unwrap(node);
  }
  return node?._zod.def.type === 'object' ? Object.keys(node._zod.def.shape ?? {}) : [];
}

function unwrap(schema: SchemaLike): SchemaLike {
  let node = schema;
  for (;;) {
    const def = node._zod.def;
    const next = def.type === 'pipe' ? def.in : ['default', 'optional', 'nullable', 'prefault', 'readonly'].includes(def.type) ? def.innerType : undefined;
    if (!next) return node;
    node = next;
  }
}

/** A known key within edit distance ⅓ of the typed one (or equal ignoring case), if any. */
function closest(typed: string, known: string[]): string | undefined {
  if (typed.length > 64) return undefined; // no key is that long; spare the quadratic distance
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(typed.length / 3)) + 1;
  for (const key of known) {
    const d = key.toLowerCase() === typed.toLowerCase() ? 0 : editDistance(typed, key);
    if (d < bestDistance) [best, bestDistance] = [key, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
