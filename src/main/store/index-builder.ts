// Config indexes (queries.yaml `indexes:`) built off the main thread. CREATE INDEX on a
// million-task table takes seconds (2.1 s for the partial idx_tasks_failed on the 1M
// seed, load ~8); on the console's thread that was a stall at every start on a file
// that lacked it. Here a worker thread with its own connection runs each job (the
// statements config-indexes.ts planned) in one IMMEDIATE transaction, one job at a
// time. Meanwhile the console reads and serves as usual; a write of its own waits for
// the build's commit (SQLite has one writer), for at most the busy timeout.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { IndexJob } from './config-indexes.js';
import { HELPER_THREAD_LIMITS } from './helper-threads.js';
import { BUSY_TIMEOUT_MS } from './store.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.dbPath, Object.assign({ fileMustExist: true }, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}));
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
parentPort.on('message', (msg) => {
  if (msg === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  const started = Date.now();
  try {
    db.transaction(() => {
      for (const st of msg.statements) db.prepare(st.sql).run(...st.args);
    }).immediate();
    parentPort.postMessage({ id: msg.id, ok: true, ms: Date.now() - started });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, ok: false, message: String((err && err.message) || err), ms: Date.now() - started });
  }
});
`;

type Reply = { id: number; ok: true; ms: number } | { id: number; ok: false; message: string; ms: number };

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

export interface JobResult {
  job: IndexJob;
  /** null when it ran; else why not. */
  error: string | null;
  ms: number;
}

export class IndexBuilder {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { job: IndexJob; resolve: (r: JobResult) => void }>();
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly config: { dbPath: string; nativeBinding?: string }) {}

  /** Runs the jobs in order, one transaction each, in the worker; resolves with each one's outcome. */
  run(jobs: readonly IndexJob[]): Promise<JobResult[]> {
    const worker = this.start();
    const results = Promise.all(
      jobs.map(
        (job) =>
          new Promise<JobResult>((resolve) => {
            const id = this.nextId++;
            this.waiting.set(id, { job, resolve });
            worker.postMessage({ id, statements: job.statements });
          }),
      ),
    );
    const before = this.idle;
    this.idle = Promise.all([before, results]).then(() => undefined);
    return results;
  }

  /** Whether a thread is running now (it goes once no job is waiting). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Resolves once every job handed over so far has finished (tests; a caller about to rely on an index). */
  settled(): Promise<void> {
    return this.idle;
  }

  /** Stops the worker once its current job is done (it closes its connection); unfinished jobs report that. */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    worker.postMessage('stop');
    this.failAll('the console stopped before the index was built');
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: HELPER_THREAD_LIMITS,
      workerData: { dbPath: this.config.dbPath, driverPath, nativeBinding: this.config.nativeBinding, busyTimeoutMs: BUSY_TIMEOUT_MS },
    });
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      w.resolve({ job: w.job, error: reply.ok ? null : reply.message, ms: reply.ms });
      // Nothing more to build: the thread goes (its isolate is ~10 MB of the console's
      // RSS); a later config change starts another.
      if (this.waiting.size === 0 && this.worker === worker) this.stop();
    });
    // A worker stopped because it was idle has nothing waiting; only the current one's end fails jobs.
    worker.on('error', (err) => {
      if (this.worker === worker) this.failAll(`the index worker failed: ${err.message}`);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll('the index worker exited');
    });
    // Never what keeps a CLI or a test process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failAll(why: string): void {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.resolve({ job: w.job, error: why, ms: 0 });
    }
  }
}
