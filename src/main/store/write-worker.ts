// Writes off the main thread (issue 20): a worker thread with its own connection runs
// guarded statements the task core planned (task-queue.ts requeueStep / failStep: the
// same SQL as its own, as data) and reads they need. Used by the start-up recovery:
// ~45k timed-out tasks on the 1M seed were requeued on the console's thread, 50 per
// round, 100–400 ms a round under load, for minutes.
//
// SQLite has one writer: while this worker's transaction is open, a write of the
// console's (a claim) waits on the busy timeout, on the main thread. So a batch is
// committed in short transactions (MAX_TRANSACTION_MS of work each) with a pause
// between them, and the console's writes go first: given the store's write gate
// (write-gate.ts), the worker looks at it between steps, commits early when the
// console is writing or about to, and begins nothing until it is done. Without the
// gate a waiting write could sleep through pause after pause in SQLite's busy handler
// (a cursor upsert 100–470 ms on the 1M seed while the recovery ran). Each step is guarded
// (status, holder, and when the holder took it), so a step whose task changed since it
// was read changes nothing; the reply says which steps changed a row.
//
// Plain JavaScript text (eval'd), like the index builder and the checkpointer: it runs
// the same under tsx, vitest, plain Node and a bundled Electron main.
import { createRequire } from 'node:module';
import type { GuardedStep } from './task-queue.js';
import { BUSY_TIMEOUT_MS } from './store.js';
import { WorkerClient } from './worker-client.js';
import type { WriteGate } from './write-gate.js';

/**
 * Work per transaction. Not what a console's write waits: the gate makes the worker
 * commit at its next step (tens of µs) once the console writes. Another process's write
 * (the CLI) does wait up to this. 10 → 50 ms: a fifth of the commits, and the seed's
 * recovery of ~45k tasks took 4.5-4.7 s instead of 7.1 s (the console's CPU over the
 * bench's window 9.2-10.1 % instead of 10.4-10.8 %).
 */
export const MAX_TRANSACTION_MS = 50;
/** The pause between two transactions of a batch: the console's writes get the lock here. */
export const PAUSE_BETWEEN_MS = 5;
/** The worker's own automatic checkpoint (SQLite's default size): the WAL it writes is copied back by it. */
export const WORKER_AUTOCHECKPOINT_PAGES = 1_000;
/**
 * A thread with nothing asked of it for this long goes (its isolate and connection are
 * 10–20 MB of the console's RSS); the next request starts another. The recovery of a
 * backlog keeps it busy; afterwards it is asked only when a task times out.
 */
export const IDLE_STOP_MS = 10_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.dbPath, Object.assign({ fileMustExist: true }, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}));
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('temp_store = MEMORY');
// This worker checkpoints what it writes, after its own commits (SQLite's automatic
// checkpoint, off the console's thread). With 0 here the console's writer did it: a
// recovery writes the WAL faster than the checkpointer's one pass a second copies it
// back, the WAL passed the writer's safety threshold (checkpointer.ts) and every
// commit of the console's — a cursor upsert, a claim — copied and synced the worker's
// pages, 100–250 ms each on the 1M seed.
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpointPages);
const prepared = new Map();
const statement = (sql) => {
  let s = prepared.get(sql);
  if (!s) {
    s = db.prepare(sql);
    prepared.set(sql, s);
  }
  return s;
};
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const rollback = db.prepare('ROLLBACK');
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// The store's write gate: [console writes under way, transactions this worker began].
const gate = workerData.gate ? new Int32Array(workerData.gate) : null;
const consoleWriting = () => gate !== null && Atomics.load(gate, 0) > 0;
// Blocks this thread (never the console's) while the console writes.
const yieldToConsole = () => {
  if (gate === null) return;
  for (let v = Atomics.load(gate, 0); v > 0; v = Atomics.load(gate, 0)) Atomics.wait(gate, 0, v, 50);
};

async function steps(msg) {
  // Only committed steps count: a transaction that failed changed nothing.
  const committed = [];
  let transactions = 0;
  let i = 0;
  try {
    while (i < msg.steps.length) {
      if (transactions > 0) await pause(msg.pauseMs);
      yieldToConsole();
      const started = performance.now();
      const changed = [];
      begin.run();
      transactions++;
      if (gate !== null) Atomics.add(gate, 1, 1);
      try {
        do {
          const step = msg.steps[i];
          if (statement(msg.sqls[step.sql]).run(step.params).changes > 0) {
            for (const t of step.then) statement(msg.sqls[t.sql]).run(t.params);
            changed.push(i);
          }
          i++;
        } while (i < msg.steps.length && performance.now() - started < msg.maxTransactionMs && !consoleWriting());
        commit.run();
      } catch (err) {
        if (db.inTransaction) rollback.run();
        throw err;
      }
      for (const c of changed) committed.push(c);
    }
    return { ok: true, changed: committed, transactions };
  } catch (err) {
    return { ok: false, message: String((err && err.message) || err), changed: committed, transactions };
  }
}

let queue = Promise.resolve();
parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    queue.then(() => {
      db.close();
      parentPort.close();
    });
    return;
  }
  queue = queue.then(async () => {
    const started = performance.now();
    let reply;
    if (msg.kind === 'read') {
      try {
        reply = { ok: true, rows: statement(msg.sql).all(msg.params) };
      } catch (err) {
        reply = { ok: false, message: String((err && err.message) || err) };
      }
    } else {
      reply = await steps(msg);
    }
    parentPort.postMessage(Object.assign(reply, { id: msg.id, ms: performance.now() - started }));
  });
});
`;

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/** What a batch of steps did: the indexes of the steps that changed a row (committed). */
export interface StepsResult {
  changed: number[];
  /** Transactions the batch was committed in. */
  transactions: number;
  ms: number;
}

/** A batch failed part way: the steps committed before the failure are in `changed`. */
export class WriteWorkerError extends Error {
  constructor(
    message: string,
    readonly changed: number[],
  ) {
    super(message);
    this.name = 'WriteWorkerError';
  }
}

type Request =
  | { kind: 'read'; sql: string; params: unknown[] | Record<string, unknown> }
  | { kind: 'steps'; sqls: string[]; steps: IndexedStep[]; maxTransactionMs: number; pauseMs: number };

/** A GuardedStep with its statements' text given once per message (sqls), by index. */
interface IndexedStep {
  sql: number;
  params: GuardedStep['params'];
  then: Array<{ sql: number; params: GuardedStep['then'][number]['params'] }>;
}

/**
 * The steps with each statement's text once: a recovery batch is 500 steps of the same
 * three statements, whose text copied into the message per step made it 474 KB (215 KB
 * so); its postMessage took up to 22 ms of the console's thread on the 1M bench.
 */
function indexSteps(steps: readonly GuardedStep[]): { sqls: string[]; steps: IndexedStep[] } {
  const sqls: string[] = [];
  const index = new Map<string, number>();
  const of = (sql: string): number => {
    let i = index.get(sql);
    if (i === undefined) index.set(sql, (i = sqls.push(sql) - 1));
    return i;
  };
  return { sqls, steps: steps.map((st) => ({ sql: of(st.sql), params: st.params, then: st.then.map((t) => ({ sql: of(t.sql), params: t.params })) })) };
}

type Reply =
  | { id: number; ok: true; rows?: unknown[]; changed?: number[]; transactions?: number; ms: number }
  | { id: number; ok: false; message: string; changed?: number[]; ms: number };

export class WriteWorker {
  private readonly client: WorkerClient<Request, Reply>;

  constructor(
    private readonly config: {
      dbPath: string;
      nativeBinding?: string;
      maxTransactionMs?: number;
      pauseMs?: number;
      /** The console store's write gate: its writes go first (store.writeGate). */
      gate?: WriteGate;
      /** IDLE_STOP_MS unless given (tests). */
      idleStopMs?: number;
    },
  ) {
    this.client = new WorkerClient({
      source: WORKER_SOURCE,
      workerData: { dbPath: config.dbPath, driverPath, nativeBinding: config.nativeBinding, busyTimeoutMs: BUSY_TIMEOUT_MS, gate: config.gate?.buffer, autocheckpointPages: WORKER_AUTOCHECKPOINT_PAGES },
      name: 'write worker',
      idleStopMs: config.idleStopMs ?? IDLE_STOP_MS,
    });
  }

  /** Whether a thread is running now (it goes after IDLE_STOP_MS with nothing asked). */
  get running(): boolean {
    return this.client.running;
  }

  /** Rows of one read statement, on the worker's connection. */
  async read<T>(sql: string, params: unknown[] | Record<string, unknown>): Promise<T[]> {
    const reply = await this.client.request({ kind: 'read', sql, params });
    if (!reply.ok) throw new Error(reply.message);
    return (reply.rows ?? []) as T[];
  }

  /** Runs the steps in order, in short transactions; resolves with those that changed a row. */
  async steps(steps: readonly GuardedStep[]): Promise<StepsResult> {
    if (steps.length === 0) return { changed: [], transactions: 0, ms: 0 };
    const reply = await this.client
      .request({
        kind: 'steps',
        ...indexSteps(steps),
        maxTransactionMs: this.config.maxTransactionMs ?? MAX_TRANSACTION_MS,
        pauseMs: this.config.pauseMs ?? PAUSE_BETWEEN_MS,
      })
      .catch((err: Error) => {
        // No reply: nothing is known to have committed.
        throw new WriteWorkerError(err.message, []);
      });
    if (!reply.ok) throw new WriteWorkerError(reply.message, reply.changed ?? []);
    return { changed: reply.changed ?? [], transactions: reply.transactions ?? 0, ms: reply.ms };
  }

  /** Stops the worker once its current message is done (it closes its connection); waiting calls fail. */
  stop(): void {
    this.client.stop('the console stopped');
  }
}
