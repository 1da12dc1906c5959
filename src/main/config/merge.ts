import type { SourceNode } from './source.js';

// The layering rule: objects merge deeply, arrays and scalars replace, `null` deletes
// the key. The source tree is merged alongside so every value keeps the position of
// the file that supplied it.

export interface Located {
  value: unknown;
  source: SourceNode;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergeLayer(base: Located, over: Located): Located {
  if (!isPlainObject(base.value) || !isPlainObject(over.value)) return over;
  const value: Record<string, unknown> = { ...base.value };
  const children = new Map(base.source.children ?? []);
  for (const [key, v] of Object.entries(over.value)) {
    const overChild = over.source.children?.get(key) ?? { at: over.source.at };
    if (v === null) {
      delete value[key];
      children.delete(key);
      continue;
    }
    const baseChild = children.get(key);
    const merged =
      key in value && baseChild
        ? mergeLayer({ value: value[key], source: baseChild }, { value: v, source: overChild })
        : { value: v, source: overChild };
    value[key] = merged.value;
    children.set(key, merged.source);
  }
  return { value, source: { ...base.source, children } };
}

/** The position of the node at `path`, or of its nearest ancestor that exists. */
export function findSource(root: SourceNode, path: readonly PropertyKey[]): { node: SourceNode; exact: boolean } {
  let node = root;
  for (const key of path) {
    const k = typeof key === 'number' ? key : String(key);
    const child = node.children?.get(k);
    if (!child) return { node, exact: false };
    node = child;
  }
  return { node, exact: true };
}
