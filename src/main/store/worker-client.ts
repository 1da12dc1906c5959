// The console's side of a request/reply worker thread (the write worker, the index
// builder): started on the first request, each request numbered and its reply matched
// by that number, every waiting request failed when the worker errs or exits, and
// never what keeps a CLI or a test process alive.
//
// The worker's code is plain JavaScript text (eval'd): it runs the same under tsx,
// vitest, plain Node and a bundled Electron main. It answers each message with the
// message's `id`, and closes its port on the message 'stop' (after its current work).
import { Worker } from 'node:worker_threads';
import { HELPER_THREAD_LIMITS } from './helper-threads.js';

/** A request that got no reply: the worker failed, exited or was stopped. */
export class WorkerGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerGoneError';
  }
}

export interface WorkerClientOptions {
  /** The worker's code (eval'd). */
  source: string;
  workerData: unknown;
  /** In the operator's words, for errors: 'write worker' → "the write worker exited". */
  name: string;
  /**
   * The thread ends after this long with no request waiting (its isolate and connection
   * are 10–20 MB of the console's RSS); the next request starts another. Unset: it
   * stays until stopped.
   */
  idleStopMs?: number;
}

export class WorkerClient<Req extends object, Reply extends { id: number }> {
  private worker: Worker | null = null;
  private nextId = 1;
  private closed = false;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (err: WorkerGoneError) => void }>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: WorkerClientOptions) {}

  /** True while a worker thread is up (it starts on the first request, and again after one exited). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Sends one message; resolves with the worker's reply to it, rejects with WorkerGoneError when none will come. */
  request(msg: Req): Promise<Reply> {
    if (this.closed) return Promise.reject(new WorkerGoneError(`the ${this.options.name} is stopped`));
    this.clearIdle();
    const worker = this.start();
    return new Promise<Reply>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id });
    });
  }

  /** Stops the worker once its current message is done; waiting requests fail with `why`, later ones at once. */
  stop(why: string): void {
    this.closed = true;
    this.retire();
    this.failAll(why);
  }

  /** The current thread ends once its current message is done (it closes its connection). */
  private retire(): void {
    this.clearIdle();
    const worker = this.worker;
    this.worker = null;
    if (worker) worker.postMessage('stop');
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // A small young generation (helper-threads.ts): these threads' work is SQLite's.
    const worker = new Worker(this.options.source, { eval: true, workerData: this.options.workerData, resourceLimits: HELPER_THREAD_LIMITS });
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      w.resolve(reply);
      const idleStopMs = this.options.idleStopMs;
      if (idleStopMs !== undefined && this.waiting.size === 0 && this.worker === worker) {
        this.clearIdle();
        if (idleStopMs <= 0) this.retire();
        else {
          this.idleTimer = setTimeout(() => this.retire(), idleStopMs);
          this.idleTimer.unref();
        }
      }
    });
    // A thread retired because it was idle had no request waiting: only the current one's end fails requests.
    worker.on('error', (err) => {
      if (this.worker === worker) this.failAll(`the ${this.options.name} failed: ${err.message}`);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(`the ${this.options.name} exited`);
    });
    // Never what keeps a CLI or a test process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private failAll(why: string): void {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.reject(new WorkerGoneError(why));
    }
  }
}
