// The console's writes go first (issue 20). SQLite has one writer: while the write
// worker's transaction is open (start-up recovery, write-worker.ts), a write of the
// console's waits on the busy timeout, on the main thread — and SQLite's busy handler
// sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries, so a waiter can
// miss one pause after another while the worker commits and begins again. Measured on
// the 1M seed: a cursor upsert 100–470 ms, a claim round's BEGIN up to 600 ms, for the
// ~27 s the recovery ran.
//
// The gate is a counter in shared memory: the console raises it around each write (a
// transaction, or a write statement outside one), and the worker reads it between its
// steps: raised, it commits what it did so far and begins nothing until the counter is
// back at zero. A console write then waits for at most one step of the worker's plus
// the busy handler's first sleeps, not for a whole transaction of it, or several.
import type Database from 'better-sqlite3';

/** Slots of the shared counter. */
const CONSOLE_WRITING = 0;
const WORKER_TRANSACTIONS = 1;

export class WriteGate {
  /** Shared with the worker (workerData): [console writes under way, worker transactions begun]. */
  readonly buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  private readonly slots = new Int32Array(this.buffer);

  /** Runs fn with the gate raised: the worker yields its lock and begins nothing meanwhile. */
  hold<T>(fn: () => T): T {
    Atomics.add(this.slots, CONSOLE_WRITING, 1);
    try {
      return fn();
    } finally {
      if (Atomics.sub(this.slots, CONSOLE_WRITING, 1) === 1) Atomics.notify(this.slots, CONSOLE_WRITING);
    }
  }

  /** Console writes under way (0: the worker may write). */
  get holders(): number {
    return Atomics.load(this.slots, CONSOLE_WRITING);
  }

  /** Transactions the worker has begun so far (tests and logs). */
  get workerTransactions(): number {
    return Atomics.load(this.slots, WORKER_TRANSACTIONS);
  }
}

/**
 * Every write statement prepared on `db` from now on raises the gate while it runs
 * (`run`, and `get`/`all` of a statement with RETURNING). Transactions are held by the
 * store's `transaction` around BEGIN…COMMIT; a write inside one raises it once more,
 * which costs two atomic operations.
 */
export function gateWrites(db: Database.Database, gate: WriteGate): void {
  const prepare = db.prepare.bind(db);
  const gated = ((sql: string) => {
    const stmt = prepare(sql);
    if (stmt.readonly) return stmt;
    for (const method of ['run', 'get', 'all'] as const) {
      const original = stmt[method].bind(stmt) as (...args: unknown[]) => unknown;
      Object.defineProperty(stmt, method, { value: (...args: unknown[]) => gate.hold(() => original(...args)), writable: true, configurable: true });
    }
    return stmt;
  }) as typeof db.prepare;
  db.prepare = gated;
}
