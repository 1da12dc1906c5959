import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { QUERY_WORKER_SOURCE } from './worker-source.js';

export type Row = Record<string, unknown>;

export class QueryTimeoutError extends Error {
  constructor(readonly query: string, readonly timeoutMs: number) {
    super(`query "${query}" ran longer than ${timeoutMs} ms and was stopped (raise timeout_ms in queries.yaml or add an index)`);
    this.name = 'QueryTimeoutError';
  }
}

export class QueryFailedError extends Error {
  constructor(readonly query: string, detail: string) {
    super(`query "${query}" failed: ${detail}`);
    this.name = 'QueryFailedError';
  }
}

type Reply = { id: number; ok: true; rows: Row[]; ms: number } | { id: number; ok: false; message: string };

interface Pending {
  query: string;
  resolve: (rows: Row[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * A worker thread with its own read-only connection. On a timeout the worker is
 * terminated (its in-flight queries fail) and a fresh one takes the next query;
 * the main thread is never blocked by SQL.
 */
export class QueryWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly dbPath: string,
    private readonly busyTimeoutMs: number,
    /** better-sqlite3's addon for the running ABI (Electron's build in the desktop app). */
    private readonly nativeBinding?: string,
  ) {}

  run(query: string, sql: string, params: Record<string, unknown>, timeoutMs: number): Promise<Row[]> {
    if (this.closed) return Promise.reject(new QueryFailedError(query, 'the query service is closed'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<Row[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QueryTimeoutError(query, timeoutMs));
        this.restart(`query "${query}" timed out`);
      }, timeoutMs);
      this.pending.set(id, { query, resolve, reject, timer });
      worker.postMessage({ id, sql, params });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.failAll('the query service is closed');
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(QUERY_WORKER_SOURCE, {
      eval: true,
      workerData: { dbPath: this.dbPath, driverPath, busyTimeoutMs: this.busyTimeoutMs, nativeBinding: this.nativeBinding },
    });
    worker.on('message', (reply: Reply) => {
      const p = this.pending.get(reply.id);
      if (!p) return; // timed out already
      this.pending.delete(reply.id);
      clearTimeout(p.timer);
      if (reply.ok) p.resolve(reply.rows);
      else p.reject(new QueryFailedError(p.query, reply.message));
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.restart(`query worker crashed: ${err.message}`);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.restart('query worker exited');
    });
    // The worker must not keep a CLI process alive once its work is done.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Drops the current worker (a new one starts with the next query). */
  private restart(why: string): void {
    const old = this.worker;
    this.worker = null;
    this.failAll(why);
    // terminate() takes effect once SQLite hands control back to JavaScript; the
    // stuck thread is abandoned meanwhile, the main thread does not wait for it.
    if (old) void old.terminate();
  }

  private failAll(why: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new QueryFailedError(p.query, why));
      this.pending.delete(id);
    }
  }
}
