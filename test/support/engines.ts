import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../src/main/store/store.js';
import { migrations } from '../../src/main/store/migrations/index.js';
import { migratePostgres } from '../../src/main/store/postgres/migrate.js';
import { openPool } from '../../src/main/store/postgres/pool.js';
import { parsePostgresUrl } from '../../src/main/store/postgres/url.js';
import { tempStore } from '../integration/store/temp-store.js';
import { postgresMissing, TestPostgres, type StartOptions } from './postgres.js';

// One suite on both engines: SQLite (a real temp file, always) and a real throw-away
// PostgreSQL (a new migrated database per open, when its binaries are here; CI installs
// them). Call storeEngines() at the top of a test file: it starts the file's cluster
// before the tests and stops it, and ends every pool, after them.

/** Rows of one read, for a test's assertions (its own SQL, `$1` placeholders on both engines). */
export type Rows = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

export interface SqliteSide {
  store: Store;
  dbPath: string;
  rows: Rows;
}

export interface PostgresSide {
  pool: pg.Pool;
  url: string;
  rows: Rows;
}

/** What a suite gets from one open: its own engine, and close() for after the test. */
export type Opened<E> = E & { close: () => Promise<void> };
type Made<E> = E & { close?: () => Promise<void> | void };

export interface StoreEngines<E> {
  /** For describe.each: [name, open, skip]; PostgreSQL is skipped (and says why) without its binaries. */
  engines: Array<[string, () => Promise<Opened<E>>, boolean]>;
  /** Why PostgreSQL cannot run here, or null. */
  missing: string | null;
  /** A new migrated database on this file's cluster, its pool ended after the file. */
  postgresDatabase: (opts?: { max?: number }) => Promise<PostgresSide>;
  /** One more pool on a database of this file's cluster, ended after the file. */
  pool: (url: string, opts?: { max?: number }) => Promise<pg.Pool>;
}

export function storeEngines<E>(
  make: { sqlite: (side: SqliteSide) => Made<E> | Promise<Made<E>>; postgres: (side: PostgresSide) => Made<E> | Promise<Made<E>> },
  opts: { cluster?: StartOptions; poolMax?: number } = {},
): StoreEngines<E> {
  const missing = postgresMissing();
  let cluster: TestPostgres | null = null;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    if (!missing) cluster = await TestPostgres.start(opts.cluster ?? { fast: true });
  }, 180_000);
  afterAll(async () => {
    for (const p of pools) await p.end();
    await cluster?.stop();
  });

  const pool = async (url: string, o: { max?: number } = {}): Promise<pg.Pool> => {
    const p = await openPool(parsePostgresUrl(url, 'test'), { max: o.max ?? opts.poolMax ?? 4 });
    pools.push(p);
    return p;
  };
  const postgresDatabase = async (o: { max?: number } = {}): Promise<PostgresSide> => {
    if (!cluster) throw new Error(`no PostgreSQL cluster: ${missing ?? 'storeEngines() was not called at the top of the file'}`);
    const url = await cluster.createDatabase();
    const p = await pool(url, o);
    await migratePostgres(p, url, migrations);
    return { pool: p, url, rows: async (sql, params = []) => (await p.query<Record<string, unknown>>(sql, params)).rows };
  };
  const closing = (made: Made<E>, after: () => void = () => {}): Opened<E> => ({
    ...made,
    close: async () => {
      try {
        await made.close?.();
      } finally {
        after();
      }
    },
  });

  const sqlite = async (): Promise<Opened<E>> => {
    const db = tempStore();
    try {
      const rows: Rows = async (sql, params = []) => db.store.writer.prepare(sql.replace(/\$\d+/g, '?')).all(...params) as Array<Record<string, unknown>>;
      return closing(await make.sqlite({ store: db.store, dbPath: db.dbPath, rows }), db.remove);
    } catch (err) {
      db.remove();
      throw err;
    }
  };
  const postgres = async (): Promise<Opened<E>> => closing(await make.postgres(await postgresDatabase()));

  return {
    engines: [
      ['SQLite', sqlite, false],
      [`PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, postgres, Boolean(missing)],
    ],
    missing,
    postgresDatabase,
    pool,
  };
}

/** Opens an engine, runs `fn` on it, and closes it whatever happens. */
export async function withEngine<E>(open: () => Promise<Opened<E>>, fn: (e: Opened<E>) => Promise<void>): Promise<void> {
  const e = await open();
  try {
    await fn(e);
  } finally {
    await e.close();
  }
}
