import type pg from 'pg';
import type { ConfigProblem } from '../../shared/api.js';
import type { QueriesFile, QueryDef } from '../config/schemas/queries.js';
import type { ConfigValidator } from '../config/snapshot.js';
import { planReadOnly, PostgresQueryTimeout, runReadOnly } from '../store/postgres/read-query.js';
import { bindParams } from './params.js';
import { toPositional } from './postgres-params.js';
import { MAX_ROWS, QueryTimeoutError } from './reader-pool.js';
import { DEFAULT_QUERY_TIMEOUT_MS, UnknownQueryError, type QueryResult } from './service.js';
import type { QueryProblem } from './sql-checks.js';

// Named queries on a PostgreSQL database: each query's `postgres:` variant where it
// has one, else its `sql`, checked by planning it (never running it) and run in a
// read-only transaction. Problems say which variant failed.

/** The SQL a query runs on PostgreSQL, and which field of queries.yaml it came from. */
export function postgresVariant(def: QueryDef): { sql: string; field: 'sql' | 'postgres' } {
  return def.postgres !== undefined ? { sql: def.postgres, field: 'postgres' } : { sql: def.sql, field: 'sql' };
}

const WRITES = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE', 'COPY'];
/** Statements that are not queries (EXPLAIN would refuse them with a less helpful message). */
const NOT_QUERIES = ['CREATE', 'DROP', 'ALTER', 'GRANT', 'REVOKE', 'SET', 'RESET', 'LOCK', 'CALL', 'DO', 'LISTEN', 'NOTIFY', 'UNLISTEN', 'VACUUM', 'ANALYZE', 'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'EXPLAIN', 'PREPARE', 'EXECUTE', 'DECLARE', 'SHOW', 'DISCARD', 'CHECKPOINT', 'CLUSTER', 'REINDEX', 'REFRESH', 'SECURITY', 'COMMENT', 'LOAD'];

function firstKeyword(sql: string): string {
  const code = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ').replace(/^[\s(]+/, '');
  return (/^[A-Za-z]+/.exec(code)?.[0] ?? '').toUpperCase();
}

/** What is wrong with a query on PostgreSQL, if anything (the variant it would run). */
export async function checkQueryOnPostgres(pool: pg.Pool, name: string, def: QueryDef): Promise<QueryProblem[]> {
  const { sql, field } = postgresVariant(def);
  // Which one failed: the postgres: variant, or sql run as it is on PostgreSQL.
  const which = field === 'postgres' ? 'its postgres: variant' : 'its sql (it has no postgres: variant)';
  const problem = (message: string, at: QueryProblem['field'] = field): QueryProblem[] => [{ query: name, field: at, message: `on PostgreSQL, ${which} ${message}` }];
  const converted = toPositional(sql);
  if (converted.positional.length > 0) return problem(`uses ${converted.positional.join(', ')}: params are written :name and declared under params`);
  const declared = new Set(def.params.map((p) => p.name));
  const undeclared = converted.names.find((n) => !declared.has(n));
  if (undeclared) return problem(`uses :${undeclared}: declare it under params`, 'params');
  const keyword = firstKeyword(sql);
  if (WRITES.includes(keyword)) return problem('writes to the database: a named query may only read');
  if (NOT_QUERIES.includes(keyword)) return problem('returns no rows: a named query is a SELECT (or WITH … SELECT)');
  let plan;
  try {
    plan = await planReadOnly(pool, converted.text, converted.names.length);
  } catch (err) {
    const message = (err as Error).message;
    if (/cannot insert multiple commands/i.test(message)) return problem('has several statements: a named query is exactly one SELECT');
    const hint = field === 'sql' ? ' (give the query a postgres: variant in PostgreSQL\'s dialect)' : '';
    return problem(`does not prepare: ${message}${hint}`);
  }
  if (plan.writes) return problem('writes to the database: a named query may only read');
  if (plan.locks) return problem('locks rows (FOR UPDATE / FOR SHARE): a named query may only read');
  return [];
}

/** Every query of a config checked on PostgreSQL (for `config check` and loading). */
export async function checkQueriesOnPostgres(pool: pg.Pool, file: QueriesFile): Promise<QueryProblem[]> {
  const problems: QueryProblem[] = [];
  for (const [name, def] of Object.entries(file.queries)) problems.push(...(await checkQueryOnPostgres(pool, name, def)));
  return problems;
}

/** Loading's check of queries.yaml on PostgreSQL, from problems found beforehand (the check is asynchronous, loading is not). */
export function checkedQueriesValidator(found: readonly QueryProblem[]): ConfigValidator {
  return (_snapshot, locate) =>
    found.map((p): ConfigProblem => ({ ...locate('queries', ['queries', p.query, p.field]), message: `query "${p.query}": ${p.message}` }));
}

/** Named queries run on PostgreSQL (the CLI's `query`). */
export class PostgresQueries {
  private queries = new Map<string, QueryDef>();

  constructor(private readonly pool: pg.Pool) {}

  /** Replaces the query set; broken ones are left out and returned. */
  async load(file: QueriesFile): Promise<QueryProblem[]> {
    const problems: QueryProblem[] = [];
    const accepted = new Map<string, QueryDef>();
    for (const [name, def] of Object.entries(file.queries)) {
      const found = await checkQueryOnPostgres(this.pool, name, def);
      if (found.length > 0) problems.push(...found);
      else accepted.set(name, def);
    }
    this.queries = accepted;
    return problems;
  }

  async run(name: string, input: Record<string, unknown> = {}): Promise<QueryResult> {
    const def = this.queries.get(name);
    if (!def) throw new UnknownQueryError(name, [...this.queries.keys()].sort());
    const bound = bindParams(name, def, input);
    const { text, names } = toPositional(postgresVariant(def).sql);
    const timeoutMs = def.timeout_ms ?? DEFAULT_QUERY_TIMEOUT_MS;
    const started = performance.now();
    try {
      const rows = await runReadOnly(this.pool, text, names.map((n) => bound[n] ?? null), { timeoutMs, maxRows: MAX_ROWS });
      return { query: name, results: rows, count: rows.length, cached: false, ms: performance.now() - started };
    } catch (err) {
      if (err instanceof PostgresQueryTimeout) throw new QueryTimeoutError(name, timeoutMs);
      throw new Error(`query "${name}" failed: ${(err as Error).message}`);
    }
  }
}
