import type pg from 'pg';

// Named queries on PostgreSQL: planned (never run) to check them, and run in a
// READ ONLY transaction, so the server itself refuses any write — a data-modifying
// CTE, nextval(), a function that writes — whatever the SQL says.

/** The query ran past its timeout_ms and the server cancelled it. */
export class PostgresQueryTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`ran longer than ${timeoutMs} ms`);
    this.name = 'PostgresQueryTimeout';
  }
}

/** What the plan of a query shows about it. */
export interface QueryPlan {
  /** It inserts, updates, deletes or merges (a ModifyTable node, a writing CTE included). */
  writes: boolean;
  /** It locks rows (FOR UPDATE / FOR SHARE): a read-only transaction refuses that. */
  locks: boolean;
}

/** The extended protocol even without values: it refuses several statements in one. */
function extended(text: string, values: unknown[]): pg.QueryConfig & { queryMode: 'extended' } {
  return { text, values, queryMode: 'extended' };
}

function nodeTypes(plan: unknown, into: string[] = []): string[] {
  if (Array.isArray(plan)) for (const p of plan) nodeTypes(p, into);
  else if (plan && typeof plan === 'object') {
    for (const [k, v] of Object.entries(plan)) {
      if (k === 'Node Type' && typeof v === 'string') into.push(v);
      else nodeTypes(v, into);
    }
  }
  return into;
}

/**
 * EXPLAIN of the query with every param NULL, inside a read-only transaction that is
 * rolled back: what preparing it would say (syntax, unknown tables and functions,
 * types), without running it. Throws PostgreSQL's error.
 */
export async function planReadOnly(pool: pg.Pool, text: string, paramCount: number): Promise<QueryPlan> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const res = await client.query<{ 'QUERY PLAN': unknown }>(extended(`EXPLAIN (FORMAT JSON) ${text}`, new Array<null>(paramCount).fill(null)));
    const types = nodeTypes(res.rows[0]?.['QUERY PLAN']);
    return { writes: types.includes('ModifyTable'), locks: types.includes('LockRows') };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/**
 * Runs one read in a READ ONLY transaction, stopped by the server after timeoutMs.
 * More than maxRows rows is an error (add a LIMIT), as on SQLite.
 */
export async function runReadOnly(
  pool: pg.Pool,
  text: string,
  values: unknown[],
  opts: { timeoutMs: number; maxRows: number; ran?: (ms: number) => void },
): Promise<Record<string, unknown>[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(opts.timeoutMs))}`);
    const started = performance.now();
    const res = await client.query<Record<string, unknown>>(extended(text, values));
    // How long the query itself took (not the wait for a connection): what makes it heavy.
    opts.ran?.(performance.now() - started);
    await client.query('COMMIT');
    if (res.rows.length > opts.maxRows) throw new Error(`returned more than ${opts.maxRows} rows: add a LIMIT`);
    return res.rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // 57014 query_canceled: statement_timeout.
    if ((err as { code?: string }).code === '57014') throw new PostgresQueryTimeout(opts.timeoutMs);
    throw err;
  } finally {
    client.release();
  }
}
