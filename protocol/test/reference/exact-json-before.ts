// The exact-JSON parser as it was before the hot-path rewrite (commit 59478bc), kept only as
// the reference that exact-json.test.ts checks the fast parser against: same values, same
// accept/reject on every input.
import { fail, ok, type Result } from '../../src/result.js';

/** A JSON number exactly as written. */
class JsonNumber {
  constructor(readonly text: string) {}
}

export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | { [key: string]: ExactJson };

const MAX_DEPTH = 32;

export function parseExactJson(text: string): Result<ExactJson, 'malformed'> {
  let at = 0;
  const ws = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const error = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${at}`);
  };
  const value = (depth: number): ExactJson => {
    if (depth > MAX_DEPTH) error('nesting too deep');
    ws();
    const c = text[at];
    if (c === '{') {
      at++;
      const obj: { [key: string]: ExactJson } = Object.create(null);
      ws();
      if (text[at] === '}') return at++, obj;
      for (;;) {
        ws();
        if (text[at] !== '"') error('expected a key');
        const key = string();
        if (Object.prototype.hasOwnProperty.call(obj, key)) error(`duplicate key ${JSON.stringify(key)}`);
        ws();
        if (text[at++] !== ':') error('expected :');
        obj[key] = value(depth + 1);
        ws();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') return at++, obj;
        error('expected , or }');
      }
    }
    if (c === '[') {
      at++;
      const arr: ExactJson[] = [];
      ws();
      if (text[at] === ']') return at++, arr;
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') return at++, arr;
        error('expected , or ]');
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', at)) return (at += 4), true;
    if (text.startsWith('false', at)) return (at += 5), false;
    if (text.startsWith('null', at)) return (at += 4), null;
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (!m) error('unexpected character');
    at += m![0].length;
    return new JsonNumber(m![0]);
  };
  const string = (): string => {
    const start = at;
    at++;
    let out = '';
    for (;;) {
      const c = text[at++];
      if (c === undefined) return error('unterminated string');
      if (c === '"') return out;
      if (c === '\\') {
        const e = text[at++];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === 'u') {
          const hex = text.slice(at, at + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) error('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          at += 4;
        } else if (e !== undefined && map[e] !== undefined) out += map[e];
        else error('bad escape');
      } else if (c < ' ') error(`control character in string starting at ${start}`);
      else out += c;
    }
  };
  try {
    const v = value(0);
    ws();
    if (at !== text.length) error('trailing characters');
    return ok(v);
  } catch (e) {
    return fail('malformed', (e as Error).message);
  }
}

/** Plain JS view (numbers as their source text) for code that wants ordinary objects. */
export function isObject(v: ExactJson | undefined): v is { [key: string]: ExactJson } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}
