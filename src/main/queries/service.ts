import type { QueriesFile, QueryDef, QueryParam } from '../config/schemas/queries.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import { BUSY_TIMEOUT_MS } from '../store/store.js';
import { bindParams } from './params.js';
import { checkQuery, type QueryProblem } from './sql-checks.js';
import { ReaderPool, QueryTimeoutError, type Row } from './reader-pool.js';
import { UserError } from '../user-error.js';

/** A query that has not said otherwise is stopped after this long: a dashboard must not hang. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5000;
/** SQLite's quick_check reads every page: ~1.5 s on a million tasks; far more is a disk in trouble. */
const INTEGRITY_CHECK_TIMEOUT_MS = 10 * 60_000;
/** Problems quick_check lists at most (one is enough to know; a few help to tell how bad). */
const INTEGRITY_PROBLEMS_SHOWN = 5;
/** A query that took longer than this (or timed out) is heavy: it may not take the last free reader. */
const HEAVY_QUERY_MS = 50;
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
  dataVersion: number;
  result: QueryResult;
}

export interface QueryServiceOptions {
  logger: Logger;
  /** Milliseconds clock for cache expiry (tests pass their own). */
  now?: () => number;
  /** Reader processes (DEFAULT_READERS). */
  readers?: number;
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
  /** How long each query last took in its reader: what makes it heavy (its wall time also counts the wait for a reader). */
  private readonly executed = new Map<string, number>();
  private readonly readers: ReaderPool;
  private readonly now: () => number;

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
    return problems;
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
    const dataVersion = def.cache_ttl > 0 ? this.store.dataVersion() : 0;
    if (def.cache_ttl > 0) {
      const hit = this.cache.get(key);
      if (hit && hit.dataVersion === dataVersion && started - hit.at < def.cache_ttl * MS_PER_SECOND) {
        stats.cacheHits++;
        return { ...hit.result, cached: true, ms: 0 };
      }
    }
    try {
      // Heavy by its own run time: a light query that once waited behind heavy ones (or
      // for a busy main thread) must not be sent to wait behind them from then on.
      const heavy = stats.timeouts > 0 || (this.executed.get(name) ?? 0) > HEAVY_QUERY_MS;
      const rows = await this.readers.run({
        query: name,
        sql: def.sql,
        params,
        timeoutMs: def.timeout_ms ?? DEFAULT_QUERY_TIMEOUT_MS,
        heavy,
        ran: (ms) => this.executed.set(name, ms),
      });
      const ms = this.now() - started;
      stats.lastMs = ms;
      stats.totalMs += ms;
      stats.maxMs = Math.max(stats.maxMs, ms);
      const result: QueryResult = { query: name, results: rows, count: rows.length, cached: false, ms };
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

  async close(): Promise<void> {
    this.cache.clear();
    await this.readers.close();
  }
}
