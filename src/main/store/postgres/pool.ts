import pg from 'pg';
import type { PostgresTarget } from './url.js';

// The driver's settings for every PostgreSQL connection Architect opens.

// int8 (counts, ids) as numbers, as SQLite gives them: Architect's ids and counts stay
// far below 2^53. numeric stays text (a query may ask for exact decimals).
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

/** A connection that cannot be made says which server and why, not just ECONNREFUSED. */
export class PostgresConnectError extends Error {
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`cannot connect to the database ${target}: ${detail}`);
    this.name = 'PostgresConnectError';
  }
}

export interface PoolOptions {
  /** Connections at most (the driver's default: 10). */
  max?: number;
  /** Named in the server's pg_stat_activity (which console or command). */
  applicationName?: string;
}

/** A pool on the target; the first connection is made (and checked) here. */
export async function openPool(target: PostgresTarget, opts: PoolOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'architect',
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server drops (a restart) is an 'error' on the pool: the next
  // query gets a new one; without a listener it would crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new PostgresConnectError(target.display, err);
  }
  return pool;
}

/** Runs fn in one transaction on one connection: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
