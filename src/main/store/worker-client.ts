// The console's side of a request/reply worker thread (the write worker, the index
// builder): started on the first request, each request numbered and its reply matched
// by that number, every waiting request failed when the worker errs or exits, and
// never what keeps a CLI or a test process alive.
//
// The worker's code is plain JavaScript text (eval'd): it runs the same under tsx,
// vitest, plain Node and a bundled Electron main. It answers each message with the
// message's `id`, and closes its port on the message 'stop' (after its current work).
import { Worker } from 'node:worker_threads';

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
}

export class WorkerClient<Req extends object, Reply extends { id: number }> {
  private worker: Worker | null = null;
  private nextId = 1;
  private closed = false;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (err: WorkerGoneError) => void }>();

  constructor(private readonly options: WorkerClientOptions) {}

  /** True while a worker thread is up (it starts on the first request, and again after one exited). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Sends one message; resolves with the worker's reply to it, rejects with WorkerGoneError when none will come. */
  request(msg: Req): Promise<Reply> {
    if (this.closed) return Promise.reject(new WorkerGoneError(`the ${this.options.name} is stopped`));
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
    const worker = this.worker;
    this.worker = null;
    if (worker) worker.postMessage('stop');
    this.failAll(why);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.source, { eval: true, workerData: this.options.workerData });
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      w.resolve(reply);
    });
    worker.on('error', (err) => this.failAll(`the ${this.options.name} failed: ${err.message}`));
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
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
