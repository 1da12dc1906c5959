import type { z } from 'zod';
import type { ConfigProblem } from '../../shared/api.js';
import { suggestion } from './did-you-mean.js';
import type { Position } from './source.js';

// Zod issues → operator-readable problems at the position of the offending node.

export type PathKey = string | number;
/** Finds where a value of a config file (merged) was written. */
export type Locate = (fileKey: string, path: readonly PathKey[], opts?: { key?: boolean }) => Position;

export function problemAt(at: Position, message: string): ConfigProblem {
  return { file: at.file, line: at.line, col: at.col, message };
}

export function describePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(top level)';
}

export function zodProblems(fileKey: string, schema: z.ZodType, value: unknown, issues: readonly z.core.$ZodIssue[], locate: Locate): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
    const where = describePath(path);
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, value, path);
      for (const key of issue.keys) {
        const at = locate(fileKey, [...path, key], { key: true });
        out.push(problemAt(at, `unknown key "${key}" in ${where}${suggestion(key, allowed)}`));
      }
      continue;
    }
    if (issue.code === 'invalid_union' && 'discriminator' in issue && typeof issue.discriminator === 'string') {
      const options = (issue as { options?: unknown[] }).options?.map(String) ?? [];
      const got = valueAt(value, path);
      const gotText = got === undefined ? 'missing' : `"${String(got)}"`;
      out.push(problemAt(locate(fileKey, path), `${where}: ${gotText} is not one of ${options.join(', ')}${typeof got === 'string' ? suggestion(got, options) : ''}`));
      continue;
    }
    if (issue.code === 'invalid_type' && valueAt(value, path) === undefined) {
      const key = path[path.length - 1];
      out.push(problemAt(locate(fileKey, path), `missing ${issue.expected} "${String(key)}" in ${describePath(path.slice(0, -1))}`));
      continue;
    }
    out.push(problemAt(locate(fileKey, path), `${where}: ${issue.message.replace(/^Invalid input: /, '')}`));
  }
  return out;
}

function valueAt(value: unknown, path: readonly PathKey[]): unknown {
  let v = value;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The keys the schema allows for the object at `path`, for "did you mean". */
export function keysAt(schema: z.ZodType, value: unknown, path: readonly PathKey[]): string[] {
  const candidates = resolve(schema, value, path);
  return candidates.flatMap((s) => Object.keys(defOf(s).shape ?? {}));
}

function resolve(schema: z.ZodType, value: unknown, path: readonly PathKey[]): z.ZodType[] {
  const def = defOf(schema);
  const [head, ...rest] = path;
  switch (def.type) {
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch':
      return def.innerType ? resolve(def.innerType, value, path) : [];
    case 'pipe':
      return def.in ? resolve(def.in, value, path) : [];
    case 'lazy':
      return def.getter ? resolve(def.getter(), value, path) : [];
    case 'intersection':
      return [def.left, def.right].flatMap((s) => (s ? resolve(s, value, path) : []));
    case 'union': {
      const options = def.options ?? [];
      const tag = def.discriminator && typeof value === 'object' && value ? (value as Record<string, unknown>)[def.discriminator] : undefined;
      const chosen = def.discriminator
        ? options.filter((o) => (defOf(o).shape?.[def.discriminator ?? ''] as { _zod?: { def: { values?: unknown[] } } } | undefined)?._zod?.def.values?.includes(tag))
        : options;
      return chosen.flatMap((o) => resolve(o, value, path));
    }
  }
  if (head === undefined) return [schema];
  const next = valueAt(value, [head]);
  if (def.type === 'object' && def.shape && typeof head === 'string' && def.shape[head]) return resolve(def.shape[head], next, rest);
  if (def.type === 'record' && def.valueType) return resolve(def.valueType, next, rest);
  if (def.type === 'array' && def.element) return resolve(def.element, next, rest);
  return [];
}
