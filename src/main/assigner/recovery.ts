// Held tasks past their type's timeout, given back off the main thread (issue 20). A
// console started on the 1M seed finds ~45k of them; requeued on its own thread, 50 a
// round, each round took 100–400 ms of the event loop under load, for minutes. Here the
// write worker (store/write-worker.ts) reads them a batch at a time on its own
// connection, and writes them in short transactions; the main thread only decides
// (the lifecycle's timeout rule, the task core's max_attempts rule: pure and cheap)
// and hears which tasks changed.
//
// Correct beside the assigner's own writes: each write is the task core's guarded
// statement plus "the same session still holds it since the same moment", so a task
// completed, requeued or claimed again meanwhile is left alone; the worker's short
// transactions leave the console's claims a busy wait of a few ms at most.
import type { RoutingFile } from '../config/schemas/routing.js';
import type { Logger } from '../log/logger.js';
import { heldSinceAmongRead, type HeldTask } from '../store/task-queue.js';
import { WriteWorkerError, type WriteWorker } from '../store/write-worker.js';
import type { TaskChange, TaskService } from '../tasks/service.js';
import { overdueBounds } from './held-index.js';
import { lifecycleActions, type LifecycleAction } from './lifecycle.js';

/** Timed-out tasks read per batch (the worker commits them in transactions of a few ms each). */
export const RECOVERY_WORKER_BATCH = 500;
/**
 * After each batch of a backlog, a pause this many times as long as the worker took to
 * write it: the recovery holds the file's write lock at most half the time, so a write
 * of the console's (a claim, a session row, a task added) meets it half as often, and
 * the start-up it runs beside (the first rounds, the Overview's first replies) gets
 * the cores more. On the 1M seed its ~45k tasks take ~10 s instead of ~6 s; a task
 * that timed out while the console was down goes back to the queue seconds later.
 */
export const RECOVERY_PAUSE_FACTOR = 1;

export type TimeoutRequeue = Extract<LifecycleAction, { kind: 'requeue' }>;

export interface RecoveryOptions {
  worker: WriteWorker;
  tasks: TaskService;
  rules: () => RoutingFile | null;
  clock: () => Date;
  log: Logger;
  /** The main thread's bookkeeping for each task given back (the avoid map, environments…), then a round. */
  applied: (done: ReadonlyArray<{ action: TimeoutRequeue; change: TaskChange }>, now: Date) => void;
  /** RECOVERY_PAUSE_FACTOR unless given (0: no pause). */
  pauseFactor?: number;
}

export class TimeoutRecovery {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Tasks given back (requeued or failed) since start. */
  recovered = 0;

  constructor(private readonly o: RecoveryOptions) {}

  /** A batch is being read or written now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Timed-out tasks may be waiting: recover them all, a batch at a time (one run however many kicks). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop()
      .catch((err: unknown) => this.o.log.warn('could not give back the timed-out tasks (the next round tries again)', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.running = null;
      });
  }

  /** Resolves once no run is under way (tests, stop). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  private async loop(): Promise<void> {
    const before = this.recovered;
    const started = performance.now();
    try {
      await this.batches();
    } finally {
      const n = this.recovered - before;
      // Once per run that gave back a backlog (more than a batch): how long it took, for the log and the bench.
      if (n > 0) this.o.log[n > RECOVERY_WORKER_BATCH ? 'info' : 'debug'](`gave back ${n} task(s) past their timeout in ${Math.round(performance.now() - started)} ms, off the main thread`, { recovered: n, ms: Math.round(performance.now() - started) });
    }
  }

  private async batches(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped) {
        const rules = this.o.rules();
        if (!rules) return;
        const now = this.o.clock();
        const bounds = overdueBounds(rules, now);
        if (bounds.length === 0) return;
        const read = heldSinceAmongRead(bounds, RECOVERY_WORKER_BATCH);
        const held = await this.o.worker.read<HeldTask>(read.sql, read.params);
        if (this.stopped) return;
        // The lifecycle's rule and words for a timeout; nobody is "gone" here (no session is known).
        const actions = lifecycleActions({ held, sessions: [], changes: [], rules, now, known: new Set() }).filter(
          (a): a is TimeoutRequeue => a.kind === 'requeue' && a.cause === 'timeout',
        );
        if (actions.length === 0) break;
        const byId = new Map(held.map((t) => [t.id, t]));
        const planned = actions.map((action) => ({
          action,
          ...this.o.tasks.requeueStep(byId.get(action.taskId)!, { reason: action.reason, error: action.reason, notBefore: null, kind: 'timeout' }, now),
        }));
        let written: { changed: number[]; ms: number };
        try {
          written = await this.o.worker.steps(planned.map((p) => p.step));
        } catch (err) {
          if (err instanceof WriteWorkerError) this.done(err.changed.map((i) => planned[i]!), now);
          throw err;
        }
        this.done(written.changed.map((i) => planned[i]!), now);
        if (held.length < RECOVERY_WORKER_BATCH) break;
        const pause = written.ms * (this.o.pauseFactor ?? RECOVERY_PAUSE_FACTOR);
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    } while (this.again && !this.stopped);
  }

  private done(done: ReadonlyArray<{ action: TimeoutRequeue; change: TaskChange }>, now: Date): void {
    if (done.length === 0) return;
    this.recovered += done.length;
    this.o.tasks.told(done.map((d) => d.change));
    this.o.applied(done, now);
  }
}
