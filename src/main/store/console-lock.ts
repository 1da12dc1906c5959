import fs from 'node:fs';
import Database from 'better-sqlite3';

/** Another console already runs on this SQLite file. */
export class ConsoleLockedError extends Error {}

export interface ConsoleLock {
  /** The lock file (`<database>.console-lock`, with its -wal and -shm). */
  readonly file: string;
  release(): void;
}

/**
 * One console per SQLite file: two would both route (duplicate decisions) and fight
 * over the write lock. The lock is SQLite's own: a write transaction held open on a
 * small WAL-mode file beside the database. The OS drops it with the process, so a
 * console killed with -9 leaves nothing to clean up; and since WAL readers never
 * wait for a writer, the next console can still read who holds it.
 *
 * Only consoles take it: CLI commands share the database with a running console.
 */
export function lockForConsole(dbPath: string, opts: { nativeBinding?: string; command?: string } = {}): ConsoleLock {
  const file = `${dbPath}.console-lock`;
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
  const refuse = (): never => {
    let holder: { pid: number; started_at: string; command: string } | undefined;
    try {
      holder = db.prepare('SELECT pid, started_at, command FROM console').get() as typeof holder;
    } catch {
      // the holder has not written itself down yet
    }
    db.close();
    const who = holder ? `pid ${holder.pid}, started ${holder.started_at}${holder.command ? `: ${holder.command}` : ''}` : 'starting now';
    throw new ConsoleLockedError(
      `${dbPath} is in use by another console (${who}). One console runs per SQLite file: stop that one, or give this one its own --db.`,
    );
  };
  const write = (sql: string): void => {
    try {
      db.exec(sql);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_BUSY') refuse();
      db.close();
      throw err;
    }
  };
  db.pragma('busy_timeout = 0');
  write('PRAGMA journal_mode = WAL');
  write('CREATE TABLE IF NOT EXISTS console (pid INTEGER NOT NULL, started_at TEXT NOT NULL, command TEXT NOT NULL)');
  write('BEGIN IMMEDIATE');
  db.prepare('DELETE FROM console').run();
  db.prepare('INSERT INTO console (pid, started_at, command) VALUES (?, ?, ?)').run(process.pid, new Date().toISOString(), (opts.command ?? '').slice(0, 200));
  write('COMMIT');
  // Held until release() or the process ends; another console's BEGIN IMMEDIATE is refused meanwhile.
  write('BEGIN IMMEDIATE');
  let released = false;
  return {
    file,
    release: () => {
      if (released) return;
      released = true;
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}
