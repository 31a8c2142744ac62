// Where a config path sits in the file, so every issue can say file:line:column. The YAML parser
// keeps source ranges; JSON is parsed by it too for positions only (JSON is YAML 1.2 flow).
import { isMap, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

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
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
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
