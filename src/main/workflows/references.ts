import type { ConfigSnapshot } from '../config/snapshot.js';
import { parseReference, type Reference } from '../config/checks/references.js';
import type { Row, RunScope } from './types.js';

// `${steps.ID.field}`, `${config.FILE.path}`, `${input.x}`, `${query.col}` resolved
// against a run. A value that is one whole reference keeps its type (a number stays a
// number, an object an object); a reference inside longer text is written into it.
// Missing values resolve to null: a skipped conditional has no output, and a step
// that reads it sees null rather than failing the run.

/** Reads a row a `database` step wrote, as it is now (null if it is gone). */
export type ReadRow = (table: string, id: number) => Row | null;

export interface Resolver {
  scope: RunScope;
  config: ConfigSnapshot;
  readRow: ReadRow;
}

const WHOLE = /^\$\{([^}]*)\}$/;
const ANY = /\$\{([^}]*)\}/g;

/**
 * The seed writes `${config.routing_rules.bug_fix}` for the route of a task type:
 * a key not at the top of these files is looked up in their per-type map (the config
 * checks accept the same shorthand).
 */
const PER_TYPE_SECTION: Readonly<Record<string, string>> = { routing_rules: 'environment_routing', sla_rules: 'sla_targets' };

export class WorkflowReferenceError extends Error {
  constructor(text: string, why: string) {
    super(`\${${text}}: ${why}`);
    this.name = 'WorkflowReferenceError';
  }
}

/** Resolves every reference in a value tree (step input, data, params). */
export function resolveValue(value: unknown, r: Resolver): unknown {
  if (typeof value === 'string') return resolveText(value, r);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, r));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, r)]));
  }
  return value;
}

export function resolveText(text: string, r: Resolver): unknown {
  const whole = WHOLE.exec(text);
  if (whole) return resolveReference((whole[1] ?? '').trim(), r);
  return text.replace(ANY, (_, inner: string) => asText(resolveReference(inner.trim(), r)));
}

export function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function resolveReference(text: string, r: Resolver): unknown {
  const ref = parseReference(text);
  if (!ref) throw new WorkflowReferenceError(text, 'not a reference; write scope.path, e.g. steps.create_task.id');
  return walk(root(ref, r), ref, r);
}

function root(ref: Reference, r: Resolver): unknown {
  switch (ref.scope) {
    case 'input':
      return r.scope.input;
    case 'query':
      return r.scope.query;
    case 'steps':
      return stepsView(r);
    case 'config':
      return configView(r.config);
    case 'trigger':
      return r.scope.trigger;
    default:
      throw new WorkflowReferenceError(ref.text, `unknown scope "${ref.scope}"; references start with steps, config, input, query or trigger`);
  }
}

function walk(start: unknown, ref: Reference, r: Resolver): unknown {
  let value = start;
  for (const seg of ref.segments) {
    const key = 'key' in seg ? seg.key : keyOf(resolveReference(seg.wildcard, r), seg.wildcard, ref);
    value = child(value, key);
    if (value === null || value === undefined) return null;
  }
  return value ?? null;
}

function child(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return null;
  return (value as Record<string, unknown>)[key];
}

function keyOf(value: unknown, expr: string, ref: Reference): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw new WorkflowReferenceError(ref.text, `[${expr}] gives ${value === null ? 'null' : typeof value}, not a key`);
}

/** `${config.FILE…}` by the file keys the config files use. */
function configView(config: ConfigSnapshot): Row {
  const withShorthand = (file: object | null, perType: string): object | null => {
    if (!file) return file;
    const map = (file as Record<string, unknown>)[perType] as Record<string, unknown> | undefined;
    // Own keys first; a task type that is not a top-level key falls through to the map.
    return new Proxy(file, { get: (target, key) => (key in target ? Reflect.get(target, key) : typeof key === 'string' ? map?.[key] : undefined), has: (target, key) => key in target || (typeof key === 'string' && !!map && key in map) });
  };
  return {
    sla_rules: withShorthand(config.sla, PER_TYPE_SECTION.sla_rules as string),
    routing_rules: withShorthand(config.routing, PER_TYPE_SECTION.routing_rules as string),
    ui_config: config.ui,
    queries: config.queries,
    workflows: config.workflows,
    agents: config.agents,
    version: config.version,
  };
}

/** Step outputs; a step that wrote a row shows that row as it is now, merged over its output. */
function stepsView(r: Resolver): Row {
  return new Proxy(r.scope.steps, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      const output = target[key];
      const written = r.scope.rows[key];
      if (!written) return output;
      const row = r.readRow(written.table, written.id);
      return row ? { ...(output as Row), ...row } : output;
    },
  });
}
