// WAL checkpoints off the main thread. With SQLite's default the writer copies the
// WAL back into the database (and fsyncs both) inside whichever commit crosses
// 1,000 pages: that commit takes milliseconds instead of microseconds (a claim's
// p99 was 4 ms, all of it checkpoints). Here a worker thread with its own
// connection runs a PASSIVE checkpoint every interval; PASSIVE never waits for
// and never blocks the writer. The writer keeps an automatic checkpoint only as a
// safety net at a much larger WAL, and goes back to SQLite's default if the
// worker stops.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import { HELPER_THREAD_LIMITS } from './helper-threads.js';

/** How often the worker checkpoints. Idle, a checkpoint with nothing to copy costs microseconds. */
export const CHECKPOINT_INTERVAL_MS = 1_000;
/** The writer's own checkpoint while the worker runs: only if the WAL reaches ~40 MB (the worker is stuck). */
export const SAFETY_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite's default, restored when the worker is gone. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;
/** How long stop() waits for the worker to close its connection (a checkpoint under way finishes first). */
const STOP_WAIT_MS = 5_000;

/** What `PRAGMA wal_checkpoint` answered the last time. */
export interface CheckpointResult {
  at: number;
  /** 1 when the checkpoint could not run (another checkpoint or a reset was under way). */
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames copied into the database so far. */
  checkpointed: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.dbPath, Object.assign({ fileMustExist: true }, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}));
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const tick = () => {
  try {
    const r = checkpoint.get();
    parentPort.postMessage({ ok: true, at: Date.now(), busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String((err && err.message) || err) });
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg === 'now') tick();
  if (msg === 'stop') {
    clearInterval(timer);
    try {
      db.close();
    } finally {
      // The stopping thread waits on this: the connection is closed before stop() returns.
      Atomics.store(workerData.closed, 0, 1);
      Atomics.notify(workerData.closed, 0);
      parentPort.close();
    }
  }
});
`;

type Reply = ({ ok: true } & CheckpointResult) | { ok: false; message: string };

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

export interface CheckpointerOptions {
  dbPath: string;
  nativeBinding?: string;
  logger: Logger;
  intervalMs?: number;
  /** Sets the writer's wal_autocheckpoint (pages). */
  setAutocheckpoint: (pages: number) => void;
}

export class Checkpointer {
  private worker: Worker | null;
  /** Set to 1 by the worker once its connection is closed. */
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  private latest: CheckpointResult | null = null;
  private lastError: string | null = null;
  private readonly waiters: Array<{ resolve: (r: CheckpointResult) => void; reject: (err: Error) => void }> = [];

  constructor(private readonly options: CheckpointerOptions) {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: HELPER_THREAD_LIMITS,
      workerData: { dbPath: options.dbPath, driverPath, nativeBinding: options.nativeBinding, intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS, closed: this.closed },
    });
    worker.on('message', (reply: Reply) => this.onReply(reply));
    worker.on('error', (err) => this.fallBack(`the checkpoint worker failed: ${err.message}`));
    worker.on('exit', () => this.fallBack('the checkpoint worker exited'));
    // Never what keeps a CLI or a test process alive.
    worker.unref();
    this.worker = worker;
    options.setAutocheckpoint(SAFETY_AUTOCHECKPOINT_PAGES);
  }

  /** True while the worker checkpoints (false once it stopped and the writer does it again). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** True once the worker has closed its connection to the database (after stop()). */
  get connectionClosed(): boolean {
    return Atomics.load(this.closed, 0) === 1;
  }

  /** The last checkpoint's figures, or null before the first. */
  get last(): CheckpointResult | null {
    return this.latest;
  }

  /** Checkpoints now (tests, and a caller about to measure the WAL); resolves with the result. */
  checkpointNow(): Promise<CheckpointResult> {
    if (!this.worker) return Promise.reject(new Error(`the checkpoint worker is not running${this.lastError ? `: ${this.lastError}` : ''}`));
    const done = new Promise<CheckpointResult>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.worker.postMessage('now');
    return done;
  }

  /**
   * Stops the worker; the writer checkpoints itself again. Returns once the worker's
   * connection is closed (at most STOP_WAIT_MS): a store closed and its folder removed
   * right after must not race a connection still open in the thread (seen in CI: the
   * folder's rmdir found the WAL again, ENOTEMPTY).
   */
  stop(): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    this.failWaiters('the checkpoint worker was stopped');
    this.options.setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
    worker.postMessage('stop');
    Atomics.wait(this.closed, 0, 0, STOP_WAIT_MS);
  }

  private onReply(reply: Reply): void {
    if (!reply.ok) {
      // Reported once per distinct problem: a locked file would otherwise log every second.
      if (reply.message !== this.lastError) this.options.logger.warn('background checkpoint failed', { err: reply.message });
      this.lastError = reply.message;
      this.failWaiters(reply.message);
      return;
    }
    this.lastError = null;
    const { at, busy, log, checkpointed } = reply;
    this.latest = { at, busy, log, checkpointed };
    for (const w of this.waiters.splice(0)) w.resolve(this.latest);
  }

  private fallBack(why: string): void {
    if (!this.worker) return; // stopped on purpose
    this.worker = null;
    this.lastError = why;
    this.failWaiters(why);
    this.options.logger.warn(`${why}; the writer checkpoints the WAL itself again`);
    try {
      this.options.setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
    } catch {
      // the writer is closed already
    }
  }

  private failWaiters(why: string): void {
    for (const w of this.waiters.splice(0)) w.reject(new Error(why));
  }
}
