import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { READER_SOURCE } from './reader-source.js';

export type Row = Record<string, unknown>;

/** Readers by default: one stays free for light queries while a heavy one runs. */
export const DEFAULT_READERS = 2;
/** Queries waiting for a reader; more is a client gone wrong (each is also bounded in time). */
export const MAX_WAITING = 256;
/** Rows one query may return: a dashboard table stays fast to 100k; past this it needs a LIMIT. */
export const MAX_ROWS = 200_000;
/** A running query is slow once it has run this long (the query service's heavy mark). */
export const SLOW_QUERY_MS = 50;
/**
 * Readers started beyond the pool's size when a light query would otherwise wait behind
 * slow ones: a query nobody has timed yet (the Overview's first aggregates after a start,
 * 15 s on the 1M seed) is not known to be heavy and may take every reader; the light
 * `stats_dashboard` then waited for one (a single request of 10-84 s per bench window).
 */
export const OVERFLOW_READERS = 1;

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

export interface QueryJob {
  query: string;
  sql: string;
  params: Record<string, unknown>;
  timeoutMs: number;
  /** Slow before: it may not take the last free reader (light queries keep one). */
  heavy: boolean;
  /** Told how long the query itself took in its reader (not the wait for one, nor the reply's way back). */
  ran?: (ms: number) => void;
}

interface Waiting extends QueryJob {
  resolve(rows: Row[]): void;
  reject(err: Error): void;
}

type Reply = { ready: true } | { id: number; ok: true; rows: Row[]; ms: number } | { id: number; ok: false; message: string };

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/** One reader process: one query at a time; killed (and replaced) when a query overstays. */
class Reader {
  readonly child: ChildProcess;
  job: (Waiting & { id: number; timer: NodeJS.Timeout; startedAt: number }) | null = null;
  private nextId = 1;
  dead = false;
  /** Killed for overstaying; takes no more queries while it exits. */
  retiring = false;

  constructor(
    config: { dbPath: string; busyTimeoutMs: number; nativeBinding?: string },
    private readonly done: (reader: Reader) => void,
  ) {
    this.child = spawn(process.execPath, ['-e', READER_SOURCE], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // JSON, as the rows go on to every client anyway: measured 0.16 ms p50 per small
      // query against 0.25 ms with 'advanced' (a worker thread took 0.06 ms, but could not be stopped).
      serialization: 'json',
      env: {
        ...process.env,
        // Electron's binary runs as Node for this (process.execPath is Electron in the desktop app).
        ELECTRON_RUN_AS_NODE: '1',
        ARCHITECT_READER_DRIVER: driverPath,
        ARCHITECT_READER_CONFIG: JSON.stringify({ ...config, maxRows: MAX_ROWS }),
      },
    });
    let stderr = '';
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    this.child.on('message', (reply: Reply) => this.onReply(reply));
    this.child.on('error', (err) => this.die(`the query reader could not start: ${err.message}`));
    this.child.on('exit', (code, signal) => this.die(`the query reader exited (${signal ?? code})${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    this.idle();
  }

  get busy(): boolean {
    return this.job !== null;
  }

  get free(): boolean {
    return this.job === null && !this.dead && !this.retiring;
  }

  /** Whether its query is known heavy or has run longer than slowMs (a light one waiting must not wait for it). */
  slow(slowMs: number, now: number): boolean {
    return this.job !== null && (this.job.heavy || now - this.job.startedAt >= slowMs);
  }

  run(job: Waiting): void {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      // SQLite cannot be interrupted from here: the process goes, with its query.
      this.retiring = true;
      this.fail(new QueryTimeoutError(job.query, job.timeoutMs));
      this.kill();
    }, job.timeoutMs);
    this.job = { ...job, id, timer, startedAt: performance.now() };
    // While a query runs, the reader keeps a CLI process alive until its answer.
    this.child.ref();
    (this.child.channel as { ref?(): void } | null | undefined)?.ref?.();
    this.child.send({ id, sql: job.sql, params: job.params });
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }

  private onReply(reply: Reply): void {
    if ('ready' in reply) return;
    const job = this.job;
    if (!job || job.id !== reply.id) return;
    clearTimeout(job.timer);
    this.job = null;
    this.idle();
    if (reply.ok) {
      job.ran?.(reply.ms);
      job.resolve(reply.rows);
    }
    else job.reject(new QueryFailedError(job.query, reply.message));
    this.done(this);
  }

  private fail(err: Error): void {
    const job = this.job;
    if (!job) return;
    clearTimeout(job.timer);
    this.job = null;
    job.reject(err);
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.fail(new QueryFailedError(this.job?.query ?? '?', why));
    this.done(this);
  }

  /** An idle reader never keeps the process alive. */
  private idle(): void {
    this.child.unref();
    (this.child.channel as { unref?(): void } | null | undefined)?.unref?.();
  }
}

/**
 * Named queries run in a few reader processes with read-only connections, never on
 * the main thread. A query past its timeout is stopped for good (its process is
 * killed and a fresh one takes its place) and fails alone: queries waiting behind it
 * or running beside it go on. A query known to be slow may not take the last free
 * reader, so a heavy dashboard never makes the light ones wait; and when queries not
 * yet known to be slow hold every reader past SLOW_QUERY_MS, a light one gets one more
 * reader (OVERFLOW_READERS) instead of waiting for them.
 */
export class ReaderPool {
  private readers: Reader[] = [];
  private readonly waiting: Waiting[] = [];
  private closed = false;
  /** A look again once the running queries would count as slow (a light one is waiting). */
  private recheck: NodeJS.Timeout | null = null;

  constructor(private readonly config: { dbPath: string; busyTimeoutMs: number; nativeBinding?: string; size?: number; slowMs?: number }) {}

  get size(): number {
    return Math.max(1, this.config.size ?? DEFAULT_READERS);
  }

  run(job: QueryJob): Promise<Row[]> {
    if (this.closed) return Promise.reject(new QueryFailedError(job.query, 'the query service is closed'));
    if (this.waiting.length >= MAX_WAITING) return Promise.reject(new QueryFailedError(job.query, `${MAX_WAITING} queries are already waiting for a reader; try again shortly`));
    return new Promise<Row[]>((resolve, reject) => {
      this.waiting.push({ ...job, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Starts the pool's readers now, each reading the schema once: a reader starts on
   * the first query that needs it, and a query's first run in a fresh reader waited
   * for its process to start, its connection to open and SQLite to parse the schema
   * (0.4–1.3 s wall under load on the 1M seed for queries of 1–30 ms: the Overview's
   * first opening after a start). Resolves once they are ready (never rejects).
   */
  async warm(): Promise<void> {
    const one = (): Promise<unknown> =>
      this.run({ query: '(warm-up)', sql: 'SELECT id FROM tasks WHERE id = -1', params: {}, timeoutMs: 30_000, heavy: false }).catch(() => undefined);
    // Side by side: each waits for a free reader, so they take one each (or start one each).
    await Promise.all(Array.from({ length: this.size }, one));
  }

  /** The reader processes' ids (for tests and diagnostics). */
  pids(): number[] {
    return this.readers.map((r) => r.child.pid).filter((p): p is number => p !== undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
    for (const w of this.waiting.splice(0)) w.reject(new QueryFailedError(w.query, 'the query service is closed'));
    const readers = this.readers;
    this.readers = [];
    await Promise.all(
      readers.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.dead) return resolve();
            r.child.once('exit', () => resolve());
            r.kill();
          }),
      ),
    );
  }

  private schedule(): void {
    if (this.closed) return;
    for (;;) {
      const heavyRunning = this.readers.filter((r) => r.busy && r.job?.heavy).length;
      // A heavy query leaves at least one reader to the light ones (with more than one reader).
      const heavyAllowed = this.size === 1 || heavyRunning < this.size - 1;
      const index = this.waiting.findIndex((w) => heavyAllowed || !w.heavy);
      if (index < 0) return;
      const reader = this.readers.find((r) => r.free) ?? this.startReader(this.size) ?? this.overflowFor(this.waiting[index]!);
      if (!reader) return;
      const [job] = this.waiting.splice(index, 1);
      reader.run(job as Waiting);
    }
  }

  /**
   * One more reader for a light query when every reader runs a slow one; when some
   * have not run long enough to tell, a look again at the moment they would.
   */
  private overflowFor(job: Waiting): Reader | null {
    if (job.heavy) return null;
    const slowMs = this.config.slowMs ?? SLOW_QUERY_MS;
    const now = performance.now();
    const busy = this.readers.filter((r) => !r.dead && r.job);
    if (busy.every((r) => r.slow(slowMs, now))) return this.startReader(this.size + OVERFLOW_READERS);
    if (!this.recheck) {
      const soonest = Math.min(...busy.filter((r) => !r.slow(slowMs, now)).map((r) => r.job!.startedAt + slowMs - now));
      this.recheck = setTimeout(() => {
        this.recheck = null;
        this.schedule();
      }, Math.max(1, Math.ceil(soonest)));
      this.recheck.unref();
    }
    return null;
  }

  private startReader(limit: number): Reader | null {
    this.readers = this.readers.filter((r) => !r.dead);
    if (this.readers.length >= limit) return null;
    const reader = new Reader(this.config, (r) => {
      if (r.dead) this.readers = this.readers.filter((x) => x !== r);
      this.schedule();
    });
    this.readers.push(reader);
    return reader;
  }
}
