// Config indexes (queries.yaml `indexes:`) built off the main thread. CREATE INDEX on a
// million-task table takes seconds (2.1 s for the partial idx_tasks_failed on the 1M
// seed, load ~8); on the console's thread that was a stall at every start on a file
// that lacked it. Here a worker thread with its own connection runs each job (the
// statements config-indexes.ts planned) in one IMMEDIATE transaction, one job at a
// time. Meanwhile the console reads and serves as usual; a write of its own waits for
// the build's commit (SQLite has one writer), for at most the busy timeout.
import { createRequire } from 'node:module';
import type { IndexJob } from './config-indexes.js';
import { BUSY_TIMEOUT_MS } from './store.js';
import { WorkerClient } from './worker-client.js';

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

type Request = { statements: IndexJob['statements'] };
type Reply = { id: number; ok: true; ms: number } | { id: number; ok: false; message: string; ms: number };

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

export interface JobResult {
  job: IndexJob;
  /** null when it ran; else why not. */
  error: string | null;
  ms: number;
}

export class IndexBuilder {
  private readonly client: WorkerClient<Request, Reply>;
  private idle: Promise<void> = Promise.resolve();
  /** Jobs handed over and not finished. */
  private inFlight = 0;

  constructor(config: { dbPath: string; nativeBinding?: string }) {
    this.client = new WorkerClient({
      source: WORKER_SOURCE,
      workerData: { dbPath: config.dbPath, driverPath, nativeBinding: config.nativeBinding, busyTimeoutMs: BUSY_TIMEOUT_MS },
      name: 'index worker',
      // Nothing left to build: the thread goes; a config change starts another.
      idleStopMs: 0,
    });
  }

  /** Runs the jobs in order, one transaction each, in the worker; resolves with each one's outcome. */
  run(jobs: readonly IndexJob[]): Promise<JobResult[]> {
    this.inFlight += jobs.length;
    const results = Promise.all(
      jobs.map((job) =>
        this.client
          .request({ statements: job.statements })
          .then(
            (reply): JobResult => ({ job, error: reply.ok ? null : reply.message, ms: reply.ms }),
            (err: Error): JobResult => ({ job, error: err.message, ms: 0 }),
          )
          .finally(() => {
            this.inFlight--;
          }),
      ),
    );
    const before = this.idle;
    this.idle = Promise.all([before, results]).then(() => undefined);
    return results;
  }

  /**
   * A job handed over has not finished: the worker holds, or is about to take, the file's
   * write lock for the whole build (seconds on a million tasks). A write of the console's
   * would wait for it on the console's thread; writes that can wait in memory do
   * (setup/sessions.ts).
   */
  get building(): boolean {
    return this.inFlight > 0;
  }

  /** Whether a thread is running now (it goes once no job is waiting). */
  get running(): boolean {
    return this.client.running;
  }

  /** Resolves once every job handed over so far has finished (tests; a caller about to rely on an index). */
  settled(): Promise<void> {
    return this.idle;
  }

  /** Stops the worker once its current job is done (it closes its connection); unfinished jobs report that. */
  stop(): void {
    this.client.stop('the console stopped before the index was built');
  }
}
