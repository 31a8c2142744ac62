// Where a config path sits in the file, so every issue can say file:line:column. The YAML parser
// keeps source ranges; JSON is parsed by it too for positions only (JSON is YAML 1.2 flow).
import { isCollection, isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

export interface SourcePosition {
  line: number;
  column: number;
}

type Ranged = { range?: [number, number, number] | null } | null | undefined;

export function positionAt(lineCounter: LineCounter, offset: number): SourcePosition {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** The key (or item) the path ends at; for a missing key, the nearest ancestor that exists. */
export function locatePath(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): SourcePosition | undefined {
  let node: unknown = doc.contents;
  let range = (node as Ranged)?.range;
  for (const key of path) {
    if (isMap(node)) {
      // The last one: with a repeated key, that is the value the schema saw.
      const pair = node.items.findLast((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      range = (pair.key as Ranged)?.range ?? range;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      range = (node as Ranged)?.range ?? range;
    } else break;
  }
  return range ? positionAt(lineCounter, range[0]) : undefined;
}

export interface RepeatedKey {
  /** the path of the repeated key, as keys */
  keys: PropertyKey[];
  /** where the key was first given */
  first?: SourcePosition;
}

/** The map key that starts at `offset` (where the parser reports a repeated key), with the path
 * to it and the position of its first occurrence in the same map. */
export function repeatedKeyAt(doc: Document, lineCounter: LineCounter, offset: number): RepeatedKey | undefined {
  const walk = (node: unknown, keys: PropertyKey[]): RepeatedKey | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key : undefined;
        if (key?.range?.[0] === offset) {
          const first = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key.value))?.key as Ranged;
          const firstAt = first?.range && first.range[0] !== offset ? positionAt(lineCounter, first.range[0]) : undefined;
          return { keys: [...keys, String(key.value)], ...(firstAt ? { first: firstAt } : {}) };
        }
        const found = key ? walk(pair.value, [...keys, String(key.value)]) : undefined;
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = isCollection(item) ? walk(item, [...keys, index]) : undefined;
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}
