import type Database from 'better-sqlite3';
import type { Migration } from './migrations/index.js';

/** The database was written by a newer Architect; opening it could corrupt it. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly dbPath: string,
    readonly dbVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `${dbPath}: database schema version ${dbVersion} is newer than this Architect knows (${knownVersion}); ` +
        `upgrade Architect, or point --db / ARCHITECT_DB at another file`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

/**
 * For a database opened read-only (nothing may be migrated): its schema must be the
 * one this Architect writes.
 */
export function checkCurrent(db: Database.Database, dbPath: string, all: readonly Migration[]): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > all.length) throw new DatabaseTooNewError(dbPath, version, all.length);
  if (version < all.length) {
    throw new Error(`${dbPath}: database schema version ${version} is older than this Architect's (${all.length}) and the file is read-only: open it once with write access to upgrade it`);
  }
}

/**
 * The migrations to apply to a database at `from`, up to `target`: the one rule both
 * engines' runners follow (this file for SQLite, postgres/migrate.ts for PostgreSQL).
 */
export function pendingMigrations(where: string, from: number, all: readonly Migration[], target: number = all.length): Migration[] {
  if (from > all.length) throw new DatabaseTooNewError(where, from, all.length);
  return all.filter((m) => m.version > from && m.version <= target);
}

/** "migration 003_operations failed: …", saying where. */
export function migrationFailed(where: string, m: Migration, err: unknown): Error {
  return new Error(`${where}: migration ${String(m.version).padStart(3, '0')}_${m.name} failed: ${err instanceof Error ? err.message : String(err)}`);
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: string[];
}

/**
 * Applies every pending migration in one transaction: a crash half-way leaves the
 * database at its old version, never between two. `target` stops early (tests).
 */
export function migrate(
  db: Database.Database,
  dbPath: string,
  all: readonly Migration[],
  target: number = all.length,
): MigrationReport {
  const from = db.pragma('user_version', { simple: true }) as number;
  const pending = pendingMigrations(dbPath, from, all, target);
  if (pending.length === 0) return { from, to: from, applied: [] };
  db.transaction(() => {
    for (const m of pending) {
      try {
        db.exec(m.sql);
      } catch (err) {
        throw migrationFailed(dbPath, m, err);
      }
    }
    // user_version is part of the database header, so it commits with the schema.
    db.pragma(`user_version = ${pending[pending.length - 1]!.version}`);
  })();
  return { from, to: pending[pending.length - 1]!.version, applied: pending.map((m) => m.name) };
}
