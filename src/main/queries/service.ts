import type { QueriesFile, QueryDef, QueryParam } from '../config/schemas/queries.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { BUSY_TIMEOUT_MS } from '../store/store.js';
import { bindParams } from './params.js';
import { checkQuery, type QueryProblem } from './sql-checks.js';
import { ReaderPool, QueryFailedError, QueryTimeoutError, SLOW_QUERY_MS, type Row } from './reader-pool.js';
import { MAX_OWN_ROWS, routeQueries, type PostgresReaders, type SharedRoute } from './shared-queue.js';
import type pg from 'pg';
import { UserError } from '../user-error.js';

/** A query that has not said otherwise is stopped after this long: a dashboard must not hang. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000;
/** SQLite's quick_check reads every page: ~1.5 s on a million tasks; far more is a disk in trouble. */
const INTEGRITY_CHECK_TIMEOUT_MS = 10 * 60_000;
/** Problems quick_check lists at most (one is enough to know; a few help to tell how bad). */
const INTEGRITY_PROBLEMS_SHOWN = 5;
/**
 * A query whose fastest recent run (of two or more) took longer than this, or that timed
 * out, is heavy: it may not take the last free reader, which stays for the quick ones. On the 1M seed the Overview's aggregates
 * (20–30 ms each) took both readers at each refresh, and stats_dashboard (0.2 ms of SQL)
 * waited up to ~6 ms for one (its Server-Timing: query minus sql).
 */
export const HEAVY_QUERY_MS = 10;
/** Run times remembered per query: it is heavy when even the fastest of them was slow. */
const RUNS_REMEMBERED = 3;
const MS_PER_SECOND = 1000;

export class UnknownQueryError extends UserError {
  constructor(readonly query: string, known: string[]) {
    super(`no query named "${query}" (known: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownQueryError';
  }
}

export interface QueryResult {
  query: string;
  results: Row[];
  count: number;
  cached: boolean;
  ms: number;
  /** Of `ms`, how long the SQL itself ran in its reader (the rest waited for a reader, or for the reply's way back). */
  sqlMs?: number;
}

export interface QueryStats {
  calls: number;
  cacheHits: number;
  errors: number;
  totalMs: number;
  avgMs: number;
  maxMs: number;
  lastMs: number;
  timeouts: number;
  lastError: string | null;
}

export interface QueryInfo {
  name: string;
  description: string;
  params: QueryParam[];
  cacheTtl: number;
  stats: QueryStats;
}

interface CacheEntry {
  at: number;
  dataVersion: string;
  result: QueryResult;
}

/** The shared PostgreSQL queue a console is on: where the queries that read shared tables run. */
export interface SharedQueryEngine {
  /** Plans (checks) each query there. */
  pool: pg.Pool;
  /** Runs them there. */
  readers: PostgresReaders;
}

/** Which engine runs each query, and why a query does not run on PostgreSQL. */
interface SharedRoutes {
  routes: Map<string, SharedRoute>;
  problems: Map<string, string>;
}

export interface QueryServiceOptions {
  logger: Logger;
  /** Milliseconds clock for cache expiry (tests pass their own). */
  now?: () => number;
  /** Reader processes (DEFAULT_READERS). */
  readers?: number;
  /** A query whose fastest recent run took longer is heavy (HEAVY_QUERY_MS; tests pass their own). */
  heavyMs?: number;
  /**
   * On a shared queue (`serve --db postgres://…`): the engine, once the shared queue is
   * up. A query that reads a shared table then runs there (shared-queue.ts).
   */
  shared?: Promise<SharedQueryEngine>;
}

/**
 * Named queries from queries.yaml: checked and prepared at load, run by name on
 * read-only connections in reader processes (reader-pool.ts), cached until
 * cache_ttl passes or the database changes, timed per query.
 */
export class QueryService {
  private queries = new Map<string, QueryDef>();
  private readonly cache = new Map<string, CacheEntry>();
  private readonly stats = new Map<string, QueryStats>();
  /** How long each query's last runs took in its reader: what makes it heavy (its wall time also counts the wait for a reader). */
  private readonly executed = new Map<string, number[]>();
  private readonly readers: ReaderPool;
  private readonly now: () => number;
  /** The shared queue's changes seen (every console's and CLI's, by LISTEN): part of the cache key. */
  private sharedVersion = 0;
  /** Each query's engine on a shared queue, for the query set loaded last. */
  private sharedRoutes: Promise<SharedRoutes> | null = null;
  private sharedEngine: SharedQueryEngine | null = null;

  constructor(private readonly store: Store, private readonly options: QueryServiceOptions) {
    this.readers = new ReaderPool({ dbPath: store.path, busyTimeoutMs: BUSY_TIMEOUT_MS, nativeBinding: store.nativeBinding, size: options.readers });
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Replaces the query set. Broken queries are left out (and returned as problems),
   * never executed; the good ones are served. Cached results are dropped.
   */
  load(file: QueriesFile): QueryProblem[] {
    const problems: QueryProblem[] = [];
    const accepted = new Map<string, QueryDef>();
    for (const [name, def] of Object.entries(file.queries)) {
      const found = checkQuery(this.store.reader, name, def);
      if (found.length > 0) problems.push(...found);
      else accepted.set(name, def);
    }
    this.queries = accepted;
    this.cache.clear();
    for (const p of problems) this.options.logger.warn('query not loaded', { query: p.query, problem: p.message });
    if (this.options.shared) this.sharedRoutes = this.routeOnShared(accepted);
    return problems;
  }

  /**
   * On a shared queue: each query checked on PostgreSQL (its postgres: variant, or its
   * sql) and given its engine; one that does not prepare there is logged and refused
   * when run, saying which variant failed.
   */
  private async routeOnShared(queries: Map<string, QueryDef>): Promise<SharedRoutes> {
    const engine = await this.options.shared!;
    this.sharedEngine = engine;
    const { routes, problems } = await routeQueries(engine.pool, queries);
    for (const p of problems) this.options.logger.error(`query "${p.query}" not loaded: ${p.message}`);
    return { routes, problems: new Map(problems.map((p) => [p.query, p.message])) };
  }

  /** The shared queue changed (any console or CLI): cached results are stale. */
  sharedChanged(): void {
    this.sharedVersion++;
  }

  /** Where a query runs now: 'sqlite' (the console's own file) or 'postgres' (the shared queue). */
  async engineOf(name: string): Promise<'sqlite' | 'postgres'> {
    if (!this.sharedRoutes) return 'sqlite';
    return (await this.sharedRoutes).routes.get(name)?.engine ?? 'sqlite';
  }

  /** The cache's notion of "the data changed": the console's file, and on a shared queue its changes too. */
  private dataVersion(): string {
    return `${this.store.dataVersion()}:${this.sharedVersion}`;
  }

  has(name: string): boolean {
    return this.queries.has(name);
  }

  list(): QueryInfo[] {
    return [...this.queries.entries()]
      .map(([name, def]) => ({ name, description: def.description, params: def.params, cacheTtl: def.cache_ttl, stats: this.statsOf(name) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async run(name: string, input: Record<string, unknown> = {}): Promise<QueryResult> {
    const def = this.queries.get(name);
    if (!def) throw new UnknownQueryError(name, [...this.queries.keys()].sort());
    const params = bindParams(name, def, input);
    const stats = this.statsOf(name);
    stats.calls++;
    const key = `${name}\0${JSON.stringify(params)}`;
    const started = this.now();
    const dataVersion = def.cache_ttl > 0 ? this.dataVersion() : '';
    if (def.cache_ttl > 0) {
      const hit = this.cache.get(key);
      if (hit && hit.dataVersion === dataVersion && started - hit.at < def.cache_ttl * MS_PER_SECOND) {
        stats.cacheHits++;
        const { sqlMs: _ran, ...cached } = hit.result;
        return { ...cached, cached: true, ms: 0 };
      }
    }
    try {
      // Heavy by its own run time: a light query that once waited behind heavy ones (or
      // for a busy main thread) must not be sent to wait behind them from then on.
      // The fastest of its last few runs: one slow run of a light query (a load spike,
      // a cold page cache) must not send it to wait behind the heavy ones — at load
      // 10-17 stats_dashboard (10-15 ms) ran over 50 ms now and then and then waited
      // seconds for the one reader heavy queries may use.
      // One run says little (a fresh reader prepares the statement, the page cache may be
      // cold: a light query's first run took over 10 ms under CI's load): alone, only a
      // run over SLOW_QUERY_MS makes a query heavy; from two runs on, the fastest over
      // HEAVY_QUERY_MS does.
      const runs = this.executed.get(name) ?? [];
      const heavy = stats.timeouts > 0 || (runs.length >= 2 ? Math.min(...runs) > (this.options.heavyMs ?? HEAVY_QUERY_MS) : (runs[0] ?? 0) > SLOW_QUERY_MS);
      let sqlMs: number | undefined;
      const job = {
        query: name,
        params,
        timeoutMs: def.timeout_ms ?? DEFAULT_QUERY_TIMEOUT_MS,
        heavy,
        ran: (ms: number) => {
          sqlMs = ms;
          this.executed.set(name, [...(this.executed.get(name) ?? []), ms].slice(-RUNS_REMEMBERED));
        },
      };
      const shared = this.sharedRoutes ? await this.sharedRoutes : null;
      const route = shared?.routes.get(name);
      if (shared && !route) throw new QueryFailedError(name, `not loaded: ${shared.problems.get(name) ?? 'changed while it ran'}`);
      const rows =
        route?.engine === 'postgres'
          ? await this.sharedEngine!.readers.run({ ...job, text: route.text, values: [...route.names.map((n) => params[n] ?? null), ...(await this.ownRows(name, route.own))] })
          : await this.readers.run({ ...job, sql: def.sql });
      const ms = this.now() - started;
      stats.lastMs = ms;
      stats.totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
      const result: QueryResult = { query: name, results: rows, count: rows.length, cached: false, ms, ...(sqlMs === undefined ? {} : { sqlMs }) };
      // Keyed to the data version read before the query: a write during it makes the entry stale.
      if (def.cache_ttl > 0) this.cache.set(key, { at: started, dataVersion, result });
      return result;
    } catch (err) {
      stats.errors++;
      if (err instanceof QueryTimeoutError) stats.timeouts++;
      stats.lastError = (err as Error).message;
      this.options.logger.warn('query failed', { query: name, error: stats.lastError });
      throw err;
    }
  }

  /** The console's own tables a query on the shared queue names, as JSON for PostgreSQL (read from this console's file by a reader). */
  private async ownRows(name: string, tables: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const table of tables) {
      const rows = await this.readers.run({ query: name, sql: `SELECT * FROM "${table}" LIMIT ${MAX_OWN_ROWS + 1}`, params: {}, timeoutMs: DEFAULT_QUERY_TIMEOUT_MS, heavy: false });
      if (rows.length > MAX_OWN_ROWS) {
        throw new QueryFailedError(name, `it reads this console's own ${table} beside the shared queue's tables, and ${table} has more than ${MAX_OWN_ROWS} rows (only that many go with a query to PostgreSQL): split it into a query of the shared tables and one of ${table}`);
      }
      out.push(JSON.stringify(rows));
    }
    return out;
  }

  /**
   * A read of the console's own (not a named query: no cache, no stats), on a reader
   * process as a heavy query, so a scan of every open task never runs on the main thread.
   */
  async readInternal(query: string, sql: string, params: Record<string, unknown>, timeoutMs: number): Promise<Array<Record<string, unknown>>> {
    return this.readers.run({ query, sql, params, timeoutMs, heavy: true });
  }

  /**
   * SQLite's quick_check of the whole file, on a reader process: the console starts
   * at once and stays responsive while it runs. Resolves to the problems found (none: ok).
   */
  async checkIntegrity(): Promise<string[]> {
    const rows = await this.readers.run({
      query: 'quick_check',
      sql: `PRAGMA quick_check(${INTEGRITY_PROBLEMS_SHOWN})`,
      params: {},
      timeoutMs: INTEGRITY_CHECK_TIMEOUT_MS,
      heavy: true,
    });
    const found = rows.flatMap((r) => String(Object.values(r)[0] ?? '').split('\n')).filter((line) => line !== 'ok' && !line.startsWith('*** in database'));
    return found;
  }

  statsOf(name: string): QueryStats {
    let s = this.stats.get(name);
    if (!s) {
      s = { calls: 0, cacheHits: 0, errors: 0, totalMs: 0, avgMs: 0, maxMs: 0, lastMs: 0, timeouts: 0, lastError: null };
      this.stats.set(name, s);
    }
    const executed = s.calls - s.cacheHits - s.errors;
    s.avgMs = executed > 0 ? s.totalMs / executed : 0;
    return s;
  }

  /** Starts the reader processes before any query needs them (ReaderPool.warm). */
  warm(): Promise<void> {
    return this.readers.warm();
  }

  async close(): Promise<void> {
    this.cache.clear();
    this.sharedEngine?.readers.close();
    await this.readers.close();
  }
}
