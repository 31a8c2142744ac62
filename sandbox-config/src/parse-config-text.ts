// Text of a sandbox file → a validated SandboxConfig or every issue in it, each with its path and,
// where it can be found, line:column. Never throws on any input: a config file is untrusted text.
import { LineCounter, parseDocument } from 'yaml';
import { sandboxConfigSchema, type SandboxConfig } from './schema.js';
import type { ConfigIssue } from './config-error.js';
import { toConfigIssues } from './config-issues.js';
import { formatIssuePath } from './issue-path.js';
import { locatePath, positionAt, repeatedKeyAt } from './source-position.js';

export type LoadConfigResult = { ok: true; config: SandboxConfig; path: string } | { ok: false; path: string; errors: ConfigIssue[] };

export interface ParseConfigTextParameters {
  /** the file's path, used for messages and (by extension) the format */
  path: string;
  /** default: json for *.json, yaml otherwise (YAML 1.2 also reads JSON) */
  format?: 'yaml' | 'json';
}

export function parseConfigText(text: string, { path, format }: ParseConfigTextParameters): LoadConfigResult {
  const fail = (errors: ConfigIssue[]): LoadConfigResult => ({ ok: false, path, errors });
  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key is a syntax error, never a silent "last one wins".
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });

  // A repeated key is an issue of its own, not a reason to stop: the file is still a whole
  // document (the later value is what the schema sees), so every other issue is reported with it.
  const repeated = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e): ConfigIssue => {
    const at = repeatedKeyAt(doc, lineCounter, e.pos[0]);
    const key = at?.keys.at(-1);
    const where = at?.first ? ` (first given at line ${at.first.line})` : '';
    return at && key !== undefined
      ? { path: formatIssuePath(at.keys), message: `repeated key "${String(key)}"${where}: give each key once`, ...positionAt(lineCounter, e.pos[0]) }
      : { path: '', message: `YAML syntax: ${e.message}`, ...positionAt(lineCounter, e.pos[0]) };
  });
  const syntax = doc.errors.filter((e) => e.code !== 'DUPLICATE_KEY');

  let data: unknown;
  if ((format ?? (/\.json$/i.test(path) ? 'json' : 'yaml')) === 'json') {
    try {
      data = JSON.parse(text);
    } catch (error) {
      // V8 says "… in JSON at position 34 (line 4 column 3)"; the position goes to line/column.
      const where = / in JSON at position (\d+)(?: \(line \d+ column \d+\))?/.exec((error as Error).message);
      const message = where ? (error as Error).message.replace(where[0], '') : (error as Error).message;
      return fail([{ path: '', message: `JSON syntax: ${message}`, ...(where ? positionAt(lineCounter, Number(where[1])) : {}) }]);
    }
  } else {
    if (syntax.length > 0)
      return fail(
        sortByPosition([...syntax.map((e) => ({ path: '', message: `YAML syntax: ${e.message}`, ...positionAt(lineCounter, e.pos[0]) })), ...repeated]),
      );
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      return fail([{ path: '', message: `YAML: ${(error as Error).message}` }]);
    }
  }
  if (data === null || data === undefined) return fail([{ path: '', message: 'the file is empty: expected a mapping of sandbox settings' }]);

  const parsed = sandboxConfigSchema.safeParse(data);
  if (parsed.success && repeated.length === 0) return { ok: true, config: parsed.data, path };
  // JSON that JSON.parse took may still trip the YAML reader (it is only there for positions).
  const located = syntax.length === 0;
  const issues = parsed.success
    ? []
    : toConfigIssues(parsed.error, sandboxConfigSchema).map(({ keys, ...issue }) => ({
        ...issue,
        ...(located ? locatePath(doc, lineCounter, keys) : undefined),
      }));
  return fail(sortByPosition([...repeated, ...issues]));
}

// File order reads best; issues without a position (none in practice) stay first.
function sortByPosition(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
