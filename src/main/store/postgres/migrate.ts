import type pg from 'pg';
import { migrationFailed, pendingMigrations, type MigrationReport } from '../migrate.js';
import type { Migration } from '../migrations/index.js';
import { inTransaction } from './pool.js';

// The migrations on PostgreSQL: the same files and the same rule as SQLite's runner
// (../migrate.ts), each file's `postgres` statements, every pending one in one
// transaction. The version lives in a one-row table (PostgreSQL has no user_version).

/** Where the schema version is kept. Not one of the store's tables (migrate-to skips it). */
export const SCHEMA_TABLE = 'architect_schema';

/**
 * Any fixed number: the key of the advisory lock that lets one console migrate while
 * another, starting at the same moment, waits and then finds nothing to do.
 */
const MIGRATION_LOCK = 0x61726368; // "arch"

/** The schema version of the database (0: never migrated). */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [SCHEMA_TABLE]);
  if (!exists.rows[0]?.t) return 0;
  const row = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA_TABLE}`);
  return row.rows[0]?.version ?? 0;
}

/**
 * Inside the caller's transaction: waits for any other console migrating the same
 * database, then makes sure the version table exists. Released at commit or rollback.
 */
export async function lockSchema(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (
    one     BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    version INTEGER NOT NULL
  )`);
}

/** Every pending migration, inside the caller's transaction (after lockSchema). */
export async function applyMigrations(client: pg.ClientBase, where: string, all: readonly Migration[], target: number = all.length): Promise<MigrationReport> {
  const from = await schemaVersion(client);
  const pending = pendingMigrations(where, from, all, target);
  if (pending.length === 0) return { from, to: from, applied: [] };
  for (const m of pending) {
    try {
      await client.query(m.postgres);
    } catch (err) {
      throw migrationFailed(where, m, err);
    }
  }
  const to = pending[pending.length - 1]!.version;
  await client.query(`INSERT INTO ${SCHEMA_TABLE}(one, version) VALUES (true, $1) ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version`, [to]);
  return { from, to, applied: pending.map((m) => m.name) };
}

/** Applies every pending migration in one transaction (`where` names the database in errors). */
export async function migratePostgres(pool: pg.Pool, where: string, all: readonly Migration[], target: number = all.length): Promise<MigrationReport> {
  return inTransaction(pool, async (client) => {
    await lockSchema(client);
    return applyMigrations(client, where, all, target);
  });
}
