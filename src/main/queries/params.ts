import type { QueryDef, QueryParam } from '../config/schemas/queries.js';
import { UserError } from '../user-error.js';

/** A param value as SQLite binds it (booleans become 0/1, datetimes the store's text format). */
export type BoundValue = string | number | null;

/** Bad, missing or undeclared param: the caller's mistake (HTTP 400, CLI exit 2). */
export class QueryParamError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'QueryParamError';
  }
}

const INTEGER_TEXT = /^[+-]?\d+$/;
const TRUE_TEXT = new Set(['true', '1', 'yes', 'on']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off']);
// 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS[.fff]]' or ISO with 'T' and an optional zone.
const DATETIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function fail(param: QueryParam, value: unknown, detail = ''): never {
  throw new QueryParamError(`param "${param.name}": expected ${param.type}, got ${describe(value)}${detail}`);
}

/** One value, from JSON or from text (HTTP, CLI), to what SQLite binds. */
export function coerceParam(param: QueryParam, value: unknown): BoundValue {
  switch (param.type) {
    case 'string':
      if (typeof value === 'string') return value;
      return fail(param, value);
    case 'integer': {
      const n = typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value.trim()) : value;
      if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
      return fail(param, value);
    }
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      return fail(param, value);
    }
    case 'boolean':
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (value === 0 || value === 1) return value;
      if (typeof value === 'string' && TRUE_TEXT.has(value.trim().toLowerCase())) return 1;
      if (typeof value === 'string' && FALSE_TEXT.has(value.trim().toLowerCase())) return 0;
      return fail(param, value, ' (true/false, 1/0, yes/no)');
    case 'datetime':
      return coerceDatetime(param, value);
  }
}

/** To UTC 'YYYY-MM-DD HH:MM:SS.SSS', the format the store writes and compares. */
function coerceDatetime(param: QueryParam, value: unknown): string {
  const hint = " (ISO 8601 or 'YYYY-MM-DD HH:MM:SS')";
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().replace('T', ' ').slice(0, 23);
  if (typeof value !== 'string') return fail(param, value, hint);
  const m = DATETIME_TEXT.exec(value.trim());
  if (!m) return fail(param, value, hint);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const ms = (frac + '000').slice(0, 3);
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
  const date = new Date(iso);
  // Date rolls 2026-02-30 over to March; a date that does not round-trip is invalid.
  const local = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(date.getTime()) || local.toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`) {
    return fail(param, value, hint);
  }
  return date.toISOString().replace('T', ' ').slice(0, 23);
}

function isMissing(param: QueryParam, value: unknown): boolean {
  // From a URL, `?limit=` means "not given"; an empty string is a real value only for strings.
  return value === undefined || value === null || (value === '' && param.type !== 'string');
}

/**
 * Checks input against the query's declared params: undeclared rejected, required
 * present, defaults applied, every value coerced. Returns what to bind, by name.
 */
export function bindParams(queryName: string, def: QueryDef, input: Record<string, unknown>): Record<string, BoundValue> {
  const declared = new Map(def.params.map((p) => [p.name, p]));
  for (const key of Object.keys(input)) {
    if (!declared.has(key)) {
      const known = def.params.map((p) => p.name).join(', ') || 'none';
      throw new QueryParamError(`param "${key}" is not declared by query "${queryName}" (declared: ${known})`);
    }
  }
  const bound: Record<string, BoundValue> = {};
  for (const param of def.params) {
    const given = input[param.name];
    if (!isMissing(param, given)) {
      bound[param.name] = coerceParam(param, given);
    } else if (param.required) {
      throw new QueryParamError(`param "${param.name}" is required by query "${queryName}" (${param.type})`);
    } else if (param.default !== undefined && param.default !== null) {
      bound[param.name] = coerceParam(param, param.default);
    } else {
      bound[param.name] = null;
    }
  }
  return bound;
}
