// `${scope.a.b[c]}` references inside workflow values: found and split into
// segments; a bracket holding an expression (not a literal) is a wildcard whose inner
// references are checked on their own.

export type Segment = { key: string } | { wildcard: string };

export interface Reference {
  /** The text between `${` and `}`. */
  text: string;
  scope: string;
  segments: Segment[];
}

const REFERENCE = /\$\{([^}]*)\}/g;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

export function findReferences(text: string): Reference[] {
  const out: Reference[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    const ref = parseReference((m[1] ?? '').trim());
    if (ref) out.push(ref);
  }
  return out;
}

/** null when the text is not a path (e.g. empty). */
export function parseReference(text: string): Reference | null {
  const scope = IDENT.exec(text)?.[0];
  if (!scope) return null;
  const segments: Segment[] = [];
  let rest = text.slice(scope.length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const key = IDENT.exec(rest.slice(1))?.[0];
      if (!key) break;
      segments.push({ key });
      rest = rest.slice(1 + key.length);
    } else if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close === -1) break;
      const inner = rest.slice(1, close).trim();
      const literal = /^(?:'([^']*)'|"([^"]*)"|(\d+))$/.exec(inner);
      segments.push(literal ? { key: literal[1] ?? literal[2] ?? literal[3] ?? '' } : { wildcard: inner });
      rest = rest.slice(close + 1);
    } else break;
  }
  return { text, scope, segments };
}

/** Every string in a value tree with its path, for scanning step fields. */
export function* stringsIn(value: unknown, path: (string | number)[] = []): Generator<[string, (string | number)[]]> {
  if (typeof value === 'string') yield [value, path];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], [...path, i]);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) yield* stringsIn(v, [...path, k]);
}
