// Completion for the YAML editor from the JSON Schema of the file being edited:
// where the cursor is in the YAML (its key path, found by indentation), what the
// schema allows there, and the suggestions that follow. Pure: text and schema in,
// suggestions out; the CodeMirror glue lives in YamlEditor.tsx.

/** The subset of JSON Schema that completion reads. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema | JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  required?: string[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
}

/** A step of a YAML path: a mapping key, or ITEM for "an element of this sequence". */
export const ITEM = Symbol('item');
export type PathStep = string | typeof ITEM;

export interface Suggestion {
  label: string;
  /** What the editor inserts (a key gets its `: `). */
  apply: string;
  kind: 'property' | 'value';
  /** Short type, e.g. `string`, `object`, `enum`; `required` when the schema says so. */
  detail: string;
  description: string | null;
}

export interface CompletionResult {
  /** Offset in the text where the replaced word starts. */
  from: number;
  options: Suggestion[];
}

/** `base/sla_rules.yaml` → `sla_rules`; environments and local overrides share one schema. */
export function schemaKeyFor(path: string): string | null {
  const p = path.replace(/\\/g, '/');
  if (/(?:^|\/)environments\/[^/]+\.ya?ml$/.test(p) || /(?:^|\/)local\/[^/]+\.ya?ml$/.test(p)) return 'overrides';
  return /(?:^|\/)base\/([^/]+)\.ya?ml$/.exec(p)?.[1] ?? null;
}

// ------------------------------------------------------------ where is the cursor

interface Line {
  indent: number;
  dash: boolean;
  /** Column where the content starts (after `- ` for an item). */
  contentCol: number;
  /** The key when the content is `key:` or `key: value`. */
  key: string | null;
  /** The scalar after `key: `, unquoted ('' when none). */
  value: string;
}

const KEY = /^("[^"]*"|'[^']*'|[^\s:#'"][^:#]*?)\s*:(?:\s|$)/;

function readLine(raw: string): Line | null {
  const text = raw.replace(/\s+#.*$/, '');
  if (/^\s*(#|$)/.test(text) || /^(---|\.\.\.)/.test(text)) return null;
  const indent = text.length - text.trimStart().length;
  const dashMatch = /^-(\s+|$)/.exec(text.slice(indent));
  const dash = dashMatch !== null;
  const contentCol = dash ? indent + dashMatch[0].length : indent;
  const m = KEY.exec(text.slice(contentCol));
  const key = m ? m[1]!.replace(/^["']|["']$/g, '') : null;
  const value = m ? text.slice(contentCol + m[0].length).trim().replace(/^["']|["']$/g, '') : '';
  return { indent, dash, contentCol, key, value };
}

/**
 * The key path of the mapping (or sequence) that holds column `col` just below
 * line `lineIndex`, found by walking up through less indented lines.
 */
export function parentPath(lines: string[], lineIndex: number, col: number, inSequence = false): PathStep[] {
  const path: PathStep[] = [];
  let indent = col;
  let seq = inSequence;
  for (let i = lineIndex - 1; i >= 0; i--) {
    const l = readLine(lines[i]!);
    if (!l) continue;
    if (seq && !l.dash && l.indent === indent && l.key !== null) {
      // `key:` followed by a sequence at the same indent (`steps:\n- id: …`).
      path.unshift(l.key);
      seq = false;
      continue;
    }
    if (l.indent >= indent) continue;
    if (l.dash) {
      // Inside this item's mapping, or below one of its keys.
      if (l.key !== null && l.contentCol < indent) path.unshift(l.key);
      path.unshift(ITEM);
      indent = l.indent;
      seq = true;
    } else if (l.key !== null) {
      path.unshift(l.key);
      indent = l.indent;
      seq = false;
    }
    if (indent === 0 && !seq) break;
  }
  return path;
}

/** Keys (with their scalar values) already written in the mapping at `col` around `lineIndex`. */
export function siblingKeys(lines: string[], lineIndex: number, col: number): Map<string, string> {
  const keys = new Map<string, string>();
  const scan = (from: number, step: 1 | -1): void => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const l = readLine(lines[i]!);
      if (!l) continue;
      if (l.dash && l.contentCol === col && l.indent < col) {
        // An item starts here: its first key is ours going up, the next item going down.
        if (step === -1 && l.key) keys.set(l.key, l.value);
        return;
      }
      if (l.indent === col && !l.dash) {
        if (l.key) keys.set(l.key, l.value);
        continue;
      }
      // Deeper lines, and a compact sequence (`steps:` then `- …` at the same indent), belong to a sibling.
      if (l.indent > col || (l.dash && l.indent === col)) continue;
      return;
    }
  };
  scan(lineIndex - 1, -1);
  scan(lineIndex + 1, 1);
  return keys;
}

// ------------------------------------------------------------ the schema there

function resolveRef(root: JsonSchema, ref: string): JsonSchema | null {
  if (!ref.startsWith('#')) return null;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return null;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'object' && node !== null ? (node as JsonSchema) : null;
}

/** The alternatives a schema stands for: `$ref` followed, `anyOf` / `oneOf` / `allOf` flattened. */
export function alternatives(root: JsonSchema, schema: JsonSchema | boolean | undefined, depth = 0): JsonSchema[] {
  // A schema that refers to itself through $ref would otherwise loop.
  if (depth > 20 || typeof schema !== 'object' || schema === null) return [];
  if (schema.$ref) {
    const target = resolveRef(root, schema.$ref);
    const { $ref: _ref, ...rest } = schema;
    return [...(Object.keys(rest).length ? [rest] : []), ...alternatives(root, target ?? undefined, depth + 1)];
  }
  const parts = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (parts.length === 0) return [schema];
  const { anyOf: _a, oneOf: _o, allOf: _l, ...rest } = schema;
  return [...(Object.keys(rest).length ? [rest] : []), ...parts.flatMap((p) => alternatives(root, p, depth + 1))];
}

/** The schemas that may apply at a YAML path. */
export function schemasAt(root: JsonSchema, path: PathStep[]): JsonSchema[] {
  let current = alternatives(root, root);
  for (const step of path) {
    const next: JsonSchema[] = [];
    for (const s of current) {
      if (step === ITEM) {
        const items = Array.isArray(s.items) ? s.items : s.items ? [s.items] : [];
        items.forEach((i) => next.push(...alternatives(root, i)));
      } else if (s.properties?.[step]) {
        next.push(...alternatives(root, s.properties[step]));
      } else if (typeof s.additionalProperties === 'object') {
        next.push(...alternatives(root, s.additionalProperties));
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

function typeOf(root: JsonSchema, schema: JsonSchema): string {
  const alts = alternatives(root, schema);
  if (alts.some((a) => a.enum || a.const !== undefined)) return 'enum';
  const types = new Set(alts.flatMap((a) => (Array.isArray(a.type) ? a.type : a.type ? [a.type] : a.properties ? ['object'] : [])));
  return [...types].join(' | ') || 'any';
}

function describe(root: JsonSchema, schema: JsonSchema): string | null {
  for (const a of [schema, ...alternatives(root, schema)]) if (a.description) return a.description;
  return null;
}

/**
 * Of the alternatives (a `oneOf` of step kinds), those the keys already written do
 * not rule out: `type: query` leaves only the query step. All of them when none fits.
 */
export function narrowBySiblings(root: JsonSchema, schemas: JsonSchema[], siblings: Map<string, string>): JsonSchema[] {
  const fits = (s: JsonSchema): boolean =>
    [...siblings].every(([key, value]) => {
      const prop = s.properties?.[key];
      if (!prop) return s.additionalProperties !== false || !s.properties;
      const allowed = alternatives(root, prop).flatMap((a) => [...(a.enum ?? []), ...(a.const !== undefined ? [a.const] : [])]);
      return allowed.length === 0 || value === '' || allowed.some((v) => String(v) === value);
    });
  const kept = schemas.filter(fits);
  return kept.length ? kept : schemas;
}

export function propertySuggestions(root: JsonSchema, schemas: JsonSchema[], taken: ReadonlyMap<string, string> = new Map()): Suggestion[] {
  const out = new Map<string, Suggestion>();
  for (const s of schemas) {
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      if (taken.has(name) || out.has(name)) continue;
      const type = typeOf(root, prop);
      const required = s.required?.includes(name) ? ' · required' : '';
      out.set(name, { label: name, apply: `${name}: `, kind: 'property', detail: `${type}${required}`, description: describe(root, prop) });
    }
  }
  return [...out.values()];
}

export function valueSuggestions(root: JsonSchema, schemas: JsonSchema[]): Suggestion[] {
  const values: unknown[] = [];
  const descriptions = new Map<unknown, string | null>();
  for (const s of schemas) {
    for (const v of s.enum ?? []) values.push(v);
    if (s.const !== undefined) values.push(s.const);
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.includes('boolean')) values.push(true, false);
    for (const v of s.enum ?? []) descriptions.set(v, describe(root, s));
  }
  const seen = new Set<string>();
  const out: Suggestion[] = [];
  for (const v of values) {
    const label = typeof v === 'string' ? v : JSON.stringify(v);
    if (seen.has(label)) continue;
    seen.add(label);
    out.push({ label, apply: label, kind: 'value', detail: typeof v, description: descriptions.get(v) ?? null });
  }
  return out;
}

/**
 * What to suggest at offset `pos` of `text`: property names valid in the
 * mapping the cursor is in, or the enum values after `key: ` (or `- `).
 */
export function completeYaml(root: JsonSchema, text: string, pos: number): CompletionResult | null {
  const before = text.slice(0, pos);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineIndex = before.split('\n').length - 1;
  const lines = text.split('\n');
  const head = before.slice(lineStart);
  if (/#/.test(head.replace(/"[^"]*"|'[^']*'/g, ''))) return null; // in a comment

  // `  - key: val|` or `  key: val|`: values of that key.
  const value = /^(\s*)(-\s+)?("[^"]*"|'[^']*'|[^\s:#'"-][^:#]*?)\s*:\s+(["']?)([^"'#]*)$/.exec(head);
  if (value) {
    const [, lead = '', dash, rawKey = '', , word = ''] = value;
    const col = lead.length + (dash?.length ?? 0);
    const path = parentPath(lines, lineIndex, dash ? lead.length : col, Boolean(dash));
    if (dash) path.push(ITEM);
    path.push(rawKey.replace(/^["']|["']$/g, ''));
    const options = valueSuggestions(root, schemasAt(root, path));
    return options.length ? { from: pos - word.length, options } : null;
  }

  // `  - wor|`, `  wor|` or an empty line: keys of the mapping (or values of the sequence).
  const key = /^(\s*)(-\s+)?([\w.-]*)$/.exec(head);
  if (!key) return null;
  const [, lead = '', dash, word = ''] = key;
  const col = lead.length + (dash?.length ?? 0);
  let options: Suggestion[];
  if (dash) {
    const schemas = schemasAt(root, [...parentPath(lines, lineIndex, lead.length, true), ITEM]);
    options = [...propertySuggestions(root, schemas), ...valueSuggestions(root, schemas)];
  } else {
    const siblings = siblingKeys(lines, lineIndex, col);
    const schemas = narrowBySiblings(root, schemasAt(root, parentPath(lines, lineIndex, col)), siblings);
    options = propertySuggestions(root, schemas, siblings);
  }
  return options.length ? { from: pos - word.length, options } : null;
}
