import type pg from 'pg';
import type { QueryDef } from '../config/schemas/queries.js';
import { PostgresQueryTimeout, runReadOnly } from '../store/postgres/read-query.js';
import { CONSOLE_OWN_TABLES } from '../store/shared-tables.js';
import { checkQueryOnPostgres, postgresVariant } from './postgres.js';
import { toPositional } from './postgres-params.js';
import { MAX_ROWS, MAX_WAITING, QueryFailedError, QueryTimeoutError, type Row } from './reader-pool.js';
import type { QueryProblem } from './sql-checks.js';

// Named queries on a console that shares a PostgreSQL queue (`serve --db postgres://…`).
// The tasks, their history, decisions and counts are in PostgreSQL; the console's
// sessions, errors, alerts and runs in its own SQLite file. A query that reads only
// the console's own tables runs on that file as ever (its `sql`); one that reads a
// shared table runs on PostgreSQL (its `postgres:` variant, or its `sql`) in a READ
// ONLY transaction with its timeout_ms as statement_timeout. The console's own tables
// such a query names go with it, read from the console's file and handed over as a
// CTE of the same name (jsonb_populate_recordset into the table's own row type), so
// stats_dashboard counts this console's agents beside the shared queue's tasks.

/** Where a query runs on a shared-queue console. */
export type SharedRoute =
  | { engine: 'sqlite' }
  | { engine: 'postgres'; text: string; names: string[]; own: string[] };

/** Rows of the console's own tables that may go with one query to PostgreSQL (sessions and errors are a few hundred). */
export const MAX_OWN_ROWS = 10_000;

/** Comments and spaces before the statement's first word. */
const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/**
 * The query with the console's own tables it reads put before it as CTEs of their
 * names: `WITH sessions AS (SELECT * FROM jsonb_populate_recordset(NULL::sessions, $n::jsonb)) …`
 * (a CTE hides the table of its name). A query that has a WITH of its own gets them
 * at the head of its list. `firstParam` is the number of the first table's rows.
 */
export function withOwnTables(text: string, own: readonly string[], firstParam: number): string {
  if (own.length === 0) return text;
  const ctes = own.map((t, i) => `${t} AS (SELECT * FROM jsonb_populate_recordset(NULL::${t}, $${firstParam + i}::jsonb))`).join(', ');
  const start = LEADING.exec(text)?.[0].length ?? 0;
  const head = /^WITH(\s+RECURSIVE)?\b/i.exec(text.slice(start));
  if (!head) return `${text.slice(0, start)}WITH ${ctes}\n${text.slice(start)}`;
  const at = start + head[0].length;
  return `${text.slice(0, at)} ${ctes},${text.slice(at)}`;
}

/**
 * The names a query's text uses (quoted ones as written, others lower-cased), without
 * its comments and literals. Not the plan's tables: PostgreSQL plans a query checked
 * with NULL params (`status = NULL`) down to no scan at all. A word that only looks
 * like a table (a column alias `errors`) costs a read of that table, nothing more.
 */
export function namesIn(sql: string): Set<string> {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ')
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, ' ')
    .replace(/'(?:[^']|'')*'/g, ' ');
  const names = new Set<string>();
  for (const m of code.matchAll(/"((?:[^"]|"")+)"|[A-Za-z_][A-Za-z0-9_$]*/g)) names.add(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[0].toLowerCase());
  return names;
}

/** Which engine each query runs on, and the problems of those that cannot run on PostgreSQL. */
export async function routeQueries(pool: pg.Pool, queries: ReadonlyMap<string, QueryDef>): Promise<{ routes: Map<string, SharedRoute>; problems: QueryProblem[] }> {
  const routes = new Map<string, SharedRoute>();
  const problems: QueryProblem[] = [];
  // Tables and views of the shared database (the console's own tables are there too, empty).
  const tables = new Set(
    (await pool.query<{ name: string }>("SELECT relname AS name FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'v', 'm', 'p', 'f')")).rows.map((r) => r.name),
  );
  for (const [name, def] of queries) {
    const found = await checkQueryOnPostgres(pool, name, def);
    if (found.length > 0) {
      problems.push(...found);
      continue;
    }
    const read = [...namesIn(postgresVariant(def).sql)].filter((t) => tables.has(t)).sort();
    const own = read.filter((t) => CONSOLE_OWN_TABLES.has(t));
    if (own.length === read.length) {
      routes.set(name, { engine: 'sqlite' });
      continue;
    }
    const { text, names } = toPositional(postgresVariant(def).sql);
    routes.set(name, { engine: 'postgres', text: withOwnTables(text, own, names.length + 1), names, own });
  }
  return { routes, problems };
}

export interface PostgresJob {
  query: string;
  text: string;
  values: unknown[];
  timeoutMs: number;
  /** Slow before: it may not take the last free connection (light queries keep one). */
  heavy: boolean;
  ran?: (ms: number) => void;
}

interface Waiting extends PostgresJob {
  resolve(rows: Row[]): void;
  reject(err: Error): void;
}

/**
 * Named queries on a few PostgreSQL connections of their own (never the assigner's):
 * the reader pool's rules on the second engine. A query known to be slow may not take
 * the last free connection, so a heavy dashboard never makes the light ones wait; one
 * past its timeout is cancelled by the server (statement_timeout) and fails alone.
 */
export class PostgresReaders {
  private running: Waiting[] = [];
  private readonly waiting: Waiting[] = [];
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly size: number,
  ) {}

  run(job: PostgresJob): Promise<Row[]> {
    if (this.closed) return Promise.reject(new QueryFailedError(job.query, 'the query service is closed'));
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new QueryFailedError(job.query, `${MAX_WAITING} queries are already waiting for a connection; try again shortly`));
    return new Promise<Row[]>((resolve, reject) => {
      this.waiting.push({ ...job, resolve, reject });
      this.schedule();
    });
  }

  /** Queries running now (tests). */
  get busy(): number {
    return this.running.length;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new QueryFailedError(w.query, 'the query service is closed'));
  }

  private schedule(): void {
    while (!this.closed && this.running.length < this.size) {
      const heavyRunning = this.running.filter((j) => j.heavy).length;
      const heavyAllowed = this.size === 1 || heavyRunning < this.size - 1;
      const index = this.waiting.findIndex((w) => heavyAllowed || !w.heavy);
      if (index < 0) return;
      const [job] = this.waiting.splice(index, 1) as [Waiting];
      this.running.push(job);
      runReadOnly(this.pool, job.text, job.values, { timeoutMs: job.timeoutMs, maxRows: MAX_ROWS, ran: job.ran })
        .then(job.resolve, (err: unknown) => {
          if (err instanceof PostgresQueryTimeout) job.reject(new QueryTimeoutError(job.query, job.timeoutMs));
          else job.reject(new QueryFailedError(job.query, (err as Error).message));
        })
        .finally(() => {
          this.running = this.running.filter((j) => j !== job);
          this.schedule();
        });
    }
  }
}
