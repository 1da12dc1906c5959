import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../log/logger.js';
import { tightenToOwner } from '../paths.js';
import { checkCurrent, migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { TaskRepository } from './tasks.js';
import { SessionRepository } from './sessions.js';
import { ErrorRepository } from './errors.js';
import { ProjectRepository } from './projects.js';
import { DecisionRepository } from './decisions.js';
import { Checkpointer } from './checkpointer.js';
import { WriteGate, gateWrites } from './write-gate.js';

/**
 * How long a statement waits for another process's write lock (the CLI adding a
 * task while the console routes) before SQLITE_BUSY. Writes here are sub-ms;
 * 5 s only matters when something is badly stuck, and then the error says so.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Writer page cache. SQLite's default (2 MB) makes index maintenance on a
 * million-task table hit the OS for most inserts; 32 MB keeps the hot index pages
 * in memory and stays well inside the 250 MB process budget.
 */
const WRITER_CACHE_KIB = 32 * 1024;

/** The handle that may write. Typed apart from the reader so they are never mixed up. */
export type WriterDb = Database.Database & { readonly __role?: 'writer' };
/** Opened with `readonly: true`: SQLite itself refuses any write on it. */
export type ReaderDb = Database.Database & { readonly __role?: 'reader' };

export interface Store {
  readonly path: string;
  /** The addon the connections were opened with (undefined: Node's build). */
  readonly nativeBinding?: string;
  readonly writer: WriterDb;
  readonly reader: ReaderDb;
  readonly tasks: TaskRepository;
  readonly sessions: SessionRepository;
  readonly errors: ErrorRepository;
  readonly projects: ProjectRepository;
  readonly decisions: DecisionRepository;
  /** The background WAL checkpointer, when opened with `backgroundCheckpoints` (checkpointer.ts). */
  readonly checkpointer: Checkpointer | null;
  /** Raised around each of the writer's writes: a write worker yields to them (write-gate.ts). Absent when read-only. */
  readonly writeGate?: WriteGate;
  /** Changes whenever any other connection (this process's writer included) commits. */
  dataVersion(): number;
  /**
   * Changes only when a connection other than this process's writer commits: another
   * process (the CLI, a second tool), or this process's worker threads (the write worker).
   * The writer's own commits are told by whoever made them (the task core).
   */
  outsideVersion(): number;
  /** Runs fn in one writer transaction, holding the write lock from its start (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export interface OpenStoreOptions {
  path: string;
  logger: Logger;
  /** better-sqlite3's addon built for the running ABI (the desktop app's Electron build); Node's by default. */
  nativeBinding?: string;
  /**
   * WAL checkpoints in a worker thread instead of inside the commit that crosses
   * 1,000 pages. For the long-running console; a one-shot CLI command does not need it.
   */
  backgroundCheckpoints?: boolean;
  /** How often the background checkpoint runs (CHECKPOINT_INTERVAL_MS by default). */
  checkpointIntervalMs?: number;
  /**
   * Open without writing anything (a database this user may not write; see
   * read-only.ts): no migration, no pragma that writes; its schema must be current.
   */
  readOnly?: boolean;
}

/** The database cannot be opened (not a database, no access, too new): says which file. */
export class DatabaseOpenError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const code = (cause as { code?: unknown } | null)?.code;
    const hint =
      code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'EACCES'
        ? ' (the database and its folder must be writable by this user: SQLite keeps its -wal and -shm files beside it)'
        : code === 'SQLITE_NOTADB' ? ' (is --db the right file?)' : '';
    super(`cannot open the database ${file}: ${detail}${hint}`);
    this.name = 'DatabaseOpenError';
  }
}

export function openStore({ path: dbPath, logger, nativeBinding, backgroundCheckpoints = false, checkpointIntervalMs, readOnly = false }: OpenStoreOptions): Store {
  if (!readOnly) {
    fs.mkdirSync(path.dirname(dbPath), { recursive: true, mode: 0o700 });
    // The queue holds prompts: 0600. SQLite gives its -wal and -shm the database's own mode.
    if (!fs.existsSync(dbPath)) fs.closeSync(fs.openSync(dbPath, 'a', 0o600));
    for (const suffix of ['', '-wal', '-shm']) tightenToOwner(dbPath + suffix, 0o600);
  }
  let writer: WriterDb;
  try {
    writer = new Database(dbPath, { ...(readOnly ? { readonly: true, fileMustExist: true } : {}), ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (err) {
    throw new DatabaseOpenError(dbPath, err);
  }
  let reader: ReaderDb | null = null;
  try {
    if (readOnly) {
      checkCurrent(writer, dbPath, migrations);
      writer.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    } else {
      prepareWriter(writer, dbPath, logger);
    }
    reader = new Database(dbPath, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
    reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (err) {
    reader?.close();
    writer.close();
    // Errors of our own (a migration, a database too new) already say which file.
    throw err instanceof Error && err.message.includes(dbPath) ? err : new DatabaseOpenError(dbPath, err);
  }
  const readerDb = reader;
  const dataVersionStmt = readerDb.prepare('PRAGMA data_version').pluck();
  // On the writer's own connection: SQLite leaves it unchanged by that connection's commits.
  const outsideVersionStmt = writer.prepare('PRAGMA data_version').pluck();
  const setAutocheckpoint = (pages: number): void => {
    if (writer.open) writer.pragma(`wal_autocheckpoint = ${pages}`);
  };
  // The console's writes go before the write worker's (write-gate.ts).
  const gate = readOnly ? undefined : new WriteGate();
  if (gate) gateWrites(writer, gate);
  const checkpointer = backgroundCheckpoints ? new Checkpointer({ dbPath, nativeBinding, logger, intervalMs: checkpointIntervalMs, setAutocheckpoint }) : null;

  return {
    path: dbPath,
    nativeBinding,
    writer,
    reader: readerDb,
    tasks: new TaskRepository(writer),
    sessions: new SessionRepository(writer),
    errors: new ErrorRepository(writer),
    projects: new ProjectRepository(writer),
    decisions: new DecisionRepository(writer),
    checkpointer,
    writeGate: gate,
    dataVersion: () => dataVersionStmt.get() as number,
    outsideVersion: () => outsideVersionStmt.get() as number,
    // IMMEDIATE: the write lock is taken at BEGIN, where SQLite's busy timeout applies.
    // A deferred transaction that read first and then wrote failed at once with "database
    // is locked" (SQLITE_BUSY_SNAPSHOT: no busy wait can help a stale snapshot) whenever
    // another connection had committed in between: the write worker's recovery commits
    // every few ms (write-worker.ts), the index builder, the CLI. Nested calls are savepoints.
    // The gate is raised before BEGIN: a worker holding the lock commits at its next step.
    transaction: !gate ? <T>(fn: () => T): T => writer.transaction(fn)() : <T>(fn: () => T): T => gate.hold(() => writer.transaction(fn).immediate()),
    close: () => {
      checkpointer?.stop();
      if (readerDb.open) readerDb.close();
      if (writer.open) writer.close();
    },
  };
}

/** The writer's settings, then every pending migration. */
function prepareWriter(writer: WriterDb, dbPath: string, logger: Logger): void {
  writer.pragma('journal_mode = WAL');
  // NORMAL, knowingly: in WAL mode a commit is in the OS's hands when the call
  // returns, so a kill -9 of Architect loses nothing and never corrupts; only a
  // power cut or kernel crash may lose the last commits. FULL would fsync on every
  // commit (claim 0.16 ms instead of 0.03 ms measured here).
  writer.pragma('synchronous = NORMAL');
  writer.pragma('foreign_keys = ON');
  writer.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // The task_counts triggers make every task write a multi-table statement, so
  // SQLite keeps a statement journal for it; in a temp file that doubled the cost
  // of an insert (measured 30 → 15 µs). It only holds one statement's pages.
  writer.pragma('temp_store = MEMORY');
  writer.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
  const report = migrate(writer, dbPath, migrations);
  if (report.applied.length > 0) {
    logger.info('database migrated', { path: dbPath, from: report.from, to: report.to, applied: report.applied.join(',') });
  }
}
