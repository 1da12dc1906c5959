import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigProblem } from '../../shared/api.js';

// One YAML file parsed into a plain value plus, for every node, where it was written,
// so a problem found after merging can still point at the file, line and column.

export interface Position {
  file: string;
  line: number;
  col: number;
}

/** Where a value and (for a map entry) its key were written; children by key or index. */
export interface SourceNode {
  at: Position;
  keyAt?: Position;
  children?: Map<string | number, SourceNode>;
}

export interface ParsedFile {
  value: unknown;
  source: SourceNode;
  problems: ConfigProblem[];
}

/** Aliases can multiply a document; a config never needs more than a handful. */
const MAX_ALIAS_COUNT = 100;
/** Deeper than any config file's shape: more is a mistake or an attack on the stack. */
export const MAX_NESTING = 64;

class TooDeep extends Error {}

export function parseYamlFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const problems: ConfigProblem[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
    // The error's range is one character; the key runs to the colon.
    const excerpt = (/^("[^"]*"|'[^']*'|[^:\n]+)/.exec(text.slice(err.pos[0]))?.[1] ?? '').trim().replace(/^["']|["']$/g, '');
    problems.push({ file, line: pos.line, col: pos.col, message: yamlMessage(err.code, err.message, excerpt) });
  }
  const top: Position = { file, line: 1, col: 1 };
  if (doc.errors.length > 0) return { value: undefined, source: { at: top }, problems };
  try {
    // The shape first (depth checked on the way), then the value: both walk the tree.
    const source = doc.contents ? walk(doc.contents, file, lineCounter, 0) : { at: top };
    const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return { value: value ?? null, source, problems };
  } catch (err) {
    const message =
      err instanceof TooDeep || err instanceof RangeError
        ? `nested deeper than ${MAX_NESTING} levels: no config file needs that`
        : /alias/i.test((err as Error).message)
          ? `aliases multiply this document past ${MAX_ALIAS_COUNT} copies (an alias bomb?)`
          : `cannot be read as YAML: ${(err as Error).message}`;
    return { value: undefined, source: { at: top }, problems: [...problems, { ...top, message }] };
  }
}

function walk(node: Node, file: string, lc: LineCounter, depth: number): SourceNode {
  if (depth > MAX_NESTING) throw new TooDeep();
  const at = position(node, file, lc);
  if (isAlias(node)) return { at };
  if (isMap(node)) {
    const children = new Map<string | number, SourceNode>();
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      const keyAt = item.key && typeof item.key === 'object' ? position(item.key as Node, file, lc) : at;
      const child = item.value && typeof item.value === 'object' ? walk(item.value as Node, file, lc, depth + 1) : { at: keyAt };
      children.set(key, { ...child, keyAt });
    }
    return { at, children };
  }
  if (isSeq(node)) {
    const children = new Map<string | number, SourceNode>();
    node.items.forEach((item, i) => {
      children.set(i, item && typeof item === 'object' ? walk(item as Node, file, lc, depth + 1) : { at });
    });
    return { at, children };
  }
  return { at };
}

function position(node: Node, file: string, lc: LineCounter): Position {
  const offset = node.range?.[0] ?? 0;
  const { line, col } = lc.linePos(offset);
  return { file, line, col };
}

function yamlMessage(code: string, message: string, excerpt: string): string {
  if (code === 'DUPLICATE_KEY') return `duplicate key "${excerpt}" (each key may appear once in a map)`;
  if (/Maximum call stack/i.test(message)) return `nested deeper than ${MAX_NESTING} levels: no config file needs that`;
  // yaml's messages end with a code excerpt on following lines; the position says where.
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}
