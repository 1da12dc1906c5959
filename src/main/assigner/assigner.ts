// The assigner: applies the router's decisions. Runs a round on every relevant
// event (a new task, a session turning idle, a config reload), coalesced; the
// only timer is the next moment something becomes due (a retry back-off, a
// not_before, a timeout). Claims are single guarded statements, so several
// consoles or CLIs on one database never hand a task out twice.
import type { RouteDecision, Session } from '../../shared/api.js';
import type { RouteRule, RoutingFile } from '../config/schemas/routing.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { RoundRobinCursor } from '../routing/types.js';
import type { Store } from '../store/store.js';
import { MAX_TASKS_PER_ROUND, WINDOW_GROWTH, dryRun, planRound, roundWindow } from './round-plan.js';
import { MAX_PASSES, RoundRules, type Assignment, type QueuedNote } from './round-rules.js';
import { EnvironmentKeeper } from './environment-keeper.js';
import { lifecycleActions, type LifecycleAction, type StateChange } from './lifecycle.js';
import type { AssignmentLatency } from '../metrics/assignment-latency.js';
import type { ClaimedTask, HeldTask, TaskQueue } from '../store/task-queue.js';
import { TaskService } from '../tasks/service.js';
import { watched } from '../log/watchdog.js';
import { HeldIndex } from './held-index.js';
import type { AssignerCommonOptions } from './options.js';
import { Prompts, type DeliveryWrites } from './prompts.js';
import { WakeTimer, earliest } from './wake-timer.js';
import { TimeoutRecovery } from './recovery.js';
import type { WriteWorker } from '../store/write-worker.js';

/** Timed-out tasks requeued per round (one transaction); more wait for the next round, a turn later. */
const RECOVERY_BATCH = 50;
/** With a write worker: while timed-out tasks wait, a round looks again this often (the recovery also wakes it per batch). */
const RECOVERY_RECHECK_MS = 1_000;
/**
 * Batches given back by the recovery wake at most one round this often. A start on the
 * 1M seed gives back ~90 batches in ~5 s: a round after each was ~20 rounds a second
 * for nothing (every agent busy), 0.9 s of main thread; the tasks given back were
 * minutes overdue already.
 */
export const RECOVERY_ROUND_EVERY_MS = 250;

export { DELIVERY_BACKOFF_MS, MAX_DELIVERY_BACKOFF_MS, type Deliver } from './prompts.js';

export interface AssignerOptions extends AssignerCommonOptions {
  store: Store;
  /** The task core every lifecycle change goes through (one over `store` when not given). */
  tasks?: TaskService;
  /**
   * Tasks past their timeout are given back by this worker's connection, off the main
   * thread (recovery.ts); without it, a round gives back RECOVERY_BATCH of them itself.
   */
  writeWorker?: WriteWorker;
}

export class Assigner {
  readonly tasks: TaskService;
  /** Reads of the queue (pending heads, held tasks, load); changes go through `tasks`. */
  readonly queue: TaskQueue;
  /** The avoid rule, queued notes, least_loaded's window and the latency: round-rules.ts, as on a shared queue. */
  private readonly roundRules = new RoundRules();
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly envs: EnvironmentKeeper;
  /** Who holds what, kept up to date from status changes (never re-read whole per round). */
  private readonly heldIndex: HeldIndex;
  /** Timed-out tasks given back through the write worker (null: by the rounds themselves). */
  readonly recovery: TimeoutRecovery | null;
  private running = false;
  private scheduled = false;
  private readonly wakeTimer = new WakeTimer(() => this.kick());
  /** A round due for the batches the recovery gave back (RECOVERY_ROUND_EVERY_MS). */
  private recoveryRound: NodeJS.Timeout | null = null;
  private cursor: RoundRobinCursor = {};
  /** Session names seen present: only these can be said to have disappeared. */
  private readonly known = new Set<string>();
  /** The prompts being typed and delivered, and what comes of them (prompts.ts, as on a shared queue). */
  private readonly prompts = new Prompts();
  private readonly writes: DeliveryWrites;

  constructor(private readonly options: AssignerOptions) {
    this.tasks = options.tasks ?? new TaskService({ store: options.store, config: () => options.getSnapshot() });
    this.queue = this.tasks.queue;
    this.log = (options.logger ?? silentLogger).child({ module: 'assigner' });
    this.clock = options.clock ?? (() => new Date());
    this.envs = new EnvironmentKeeper(this.tasks.taskStore, this.log, this.clock);
    this.heldIndex = new HeldIndex(this.queue);
    const tasks = this.tasks;
    this.writes = {
      status: async (id) => this.queue.status(id),
      record: async (d, now) => tasks.record(d, now),
      start: async (id, session, reason, now) => tasks.start(id, session, reason, now),
      requeue: async (task, session, r, now) => tasks.requeue(task.id, session, r, now),
    };
    this.recovery = options.writeWorker
      ? new TimeoutRecovery({
          worker: options.writeWorker,
          tasks: this.tasks,
          rules: () => this.options.getSnapshot()?.routing ?? null,
          clock: this.clock,
          log: this.log,
          applied: (done, now) => {
            for (const { action } of done) this.gaveBack(action.taskId, action.session, 'timeout', now);
            this.options.onChange?.();
            this.recoveryRound ??= setTimeout(() => {
              this.recoveryRound = null;
              this.kick();
            }, RECOVERY_ROUND_EVERY_MS);
          },
        })
      : null;
  }

  /** Queue-to-claim times, for `/metrics`. */
  get latency(): AssignmentLatency {
    return this.roundRules.latency;
  }

  start(): () => Promise<void> {
    this.running = true;
    watched('assigner environments of held tasks', () => this.envs.load()).catch((err: unknown) => this.log.error('cannot read the environments of held tasks', { err }));
    this.kick();
    return () => this.stop();
  }

  /** Stops routing and waits for deliveries already typing into panes. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeTimer.clear();
    if (this.recoveryRound) clearTimeout(this.recoveryRound);
    this.recoveryRound = null;
    await this.recovery?.stop();
    await this.prompts.settle();
    await this.envs.settle();
  }

  /** Resolves once no round is scheduled and no delivery or recovery is under way (tests, the bench, a CLI run). */
  async settled(): Promise<void> {
    while (this.scheduled || this.prompts.size > 0 || this.recovery?.busy || this.recoveryRound) {
      await this.recovery?.settled();
      await this.prompts.settle();
      // A round due for recovered batches is a timer away: wait for it without spinning.
      await new Promise<void>((resolve) => (this.recoveryRound ? setTimeout(resolve, 10) : setImmediate(resolve)));
    }
    await this.envs.settle();
  }

  /** Another round after this one (more backlog to recover than one round takes). */
  private kickLater(): void {
    setImmediate(() => this.kick());
  }

  /** Something relevant happened: one round soon, however many kicks arrive meanwhile. */
  kick(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running) return;
      try {
        watched('assigner round', () => this.round());
      } catch (err) {
        this.log.error('routing round failed', { err });
      }
    });
  }

  /** The session monitor's listener: state changes move the tasks their sessions hold. */
  onSessions(sessions: Session[], transitions: ReadonlyArray<StateChange>): void {
    if (!this.running) return;
    const rules = this.options.getSnapshot()?.routing;
    if (!rules) return;
    for (const s of sessions) this.known.add(s.name);
    watched('assigner session changes', () => {
      // Only the tasks of the sessions that changed (and of known ones now gone): never every held task.
      this.heldIndex.refresh();
      const present = new Set(sessions.map((s) => s.name));
      const names = new Set([...transitions.map((t) => t.name), ...[...this.known].filter((n) => !present.has(n))]);
      const actions = lifecycleActions({ held: this.heldIndex.ofSessions(names), sessions, changes: transitions, rules, now: this.clock(), known: this.known });
      this.apply(actions);
    });
    if (transitions.some((t) => t.to === 'idle' || t.to === 'exited')) this.kick();
  }

  /** The decisions the current queue would get under `rules`, without applying them (with the avoid rule a round applies). */
  dryRun(rules: RoutingFile, sessions: readonly Session[]): RouteDecision[] {
    const now = this.clock();
    return dryRun(this.queue, rules, sessions, now, { avoid: this.roundRules.avoiding(now) });
  }

  /** Runs one round now (tests and the bench call it directly; events go through kick). */
  round(): void {
    const rules = this.options.getSnapshot()?.routing;
    if (!rules) return;
    const now = this.clock();
    const sessions = this.options.getSessions();
    for (const s of sessions) this.known.add(s.name);
    // Who holds what: the held index, brought up to date from the status changes since
    // the last round. The lifecycle sees only what it can act on: tasks of known
    // sessions now gone, and tasks past their timeout — at most RECOVERY_BATCH per
    // round, in one transaction (a console started on a backlog of 45k timed-out tasks
    // requeues them a batch per turn, not a commit each in one long stall).
    this.heldIndex.refresh();
    const present = new Set(sessions.map((s) => s.name));
    const overdue = hasTimeouts(rules) && !this.recovery ? this.heldIndex.overdue(rules, now, RECOVERY_BATCH) : [];
    const candidates = new Map([...this.heldIndex.ofSessions([...this.known].filter((n) => !present.has(n))), ...overdue].map((t) => [t.id, t]));
    if (this.apply(lifecycleActions({ held: [...candidates.values()], sessions, changes: [], rules, now, known: this.known }))) this.heldIndex.refresh();
    if (overdue.length >= RECOVERY_BATCH) this.kickLater();
    let held: HeldTask[] | null = this.heldIndex.ofSessions(present);
    // A prompt taken on a session idle and quiet since: its turn ended unseen (lifecycle.ts reconcileActions).
    const reconciled = this.reconcile(held, sessions, now);
    if (reconciled.changed) {
      this.heldIndex.refresh();
      held = this.heldIndex.ofSessions(present);
    }
    this.envs.releaseClosed();

    const since = this.roundRules.loadSince(rules, now);
    const load = since ? this.queue.recentLoad(since) : undefined;
    let dueMs: number | null = null;
    let changed = false;
    // Every idle session could be free: the window is sized for that, and widened below if it was not enough.
    let limit = roundWindow(sessions.reduce((n, s) => n + (s.state === 'idle' ? 1 : 0), 0));
    // Another pass when the head of the queue left sessions free and there is more queue to read.
    const avoid = this.roundRules.avoiding(now);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const plan = planRound(this.queue, rules, sessions, now, { cursor: this.cursor, load, avoid, busy: this.prompts.delivering, limit, held: held ?? undefined });
      this.cursor = plan.cursor;
      const sorted = this.roundRules.sort(plan.decisions, now);
      dueMs = earliest(dueMs, sorted.dueMs);
      const claimed = this.claimAll(sorted.claims, sorted.notes, rules, sessions, now);
      if (claimed > 0) {
        changed = true;
        this.heldIndex.refresh();
        held = this.heldIndex.ofSessions(present);
      }
      const readFurther = plan.queueCut && claimed < plan.free && limit < MAX_TASKS_PER_ROUND;
      if (!readFurther) break;
      limit = Math.min(MAX_TASKS_PER_ROUND, limit * WINDOW_GROWTH);
    }
    dueMs = earliest(dueMs, reconciled.due);
    if (hasTimeouts(rules)) {
      const next = this.heldIndex.nextTimeout(rules);
      if (this.recovery && next !== null && next <= now.getTime()) {
        // Past due: the worker gives them back, and each batch it writes wakes a round.
        this.recovery.kick();
        dueMs = earliest(dueMs, now.getTime() + RECOVERY_RECHECK_MS);
      } else dueMs = earliest(dueMs, next);
    }
    this.arm(dueMs, now);
    if (changed) this.options.onChange?.();
  }

  /** Claims in one transaction per round (one commit, not fifty), with the round's queued notes; each claim keeps its own guard. */
  private claimAll(decisions: readonly Assignment[], notes: readonly QueuedNote[], rules: RoutingFile, sessions: readonly Session[], now: Date): number {
    const byName = new Map(sessions.map((s) => [s.name, s]));
    const wanted = decisions.filter((d) => byName.has(d.session)).map((d) => ({ taskId: d.taskId, session: d.session, reason: d.reason }));
    // A decision row per change of a task's queued cause, not per round.
    const notesOut = this.roundRules.toWrite(notes);
    // A claim missing from the result: another console or CLI got there first; that is what the guard is for.
    const sessionOf = new Map(wanted.map((w) => [w.taskId, byName.get(w.session)!]));
    const claims = this.tasks.claimMany(wanted, notesOut.records, now).map((claimed) => ({ claimed, session: sessionOf.get(claimed.id)! }));
    notesOut.written();
    // Typing starts only once the claims are committed.
    for (const { claimed, session } of claims) {
      this.roundRules.claimed(claimed, now);
      const rule = Object.hasOwn(rules.environment_routing, claimed.type) ? rules.environment_routing[claimed.type] : undefined;
      this.prompts.track(session.name, claimed.id, () => this.dispatch(claimed, session, rule));
    }
    return claims.length;
  }

  private async dispatch(task: ClaimedTask, session: Session, rule: RouteRule | undefined): Promise<void> {
    try {
      if (await this.prompts.dispatch(task, session, rule, { envs: this.envs, deliver: this.options.deliver, writes: this.writes, clock: this.clock })) this.options.onChange?.();
    } catch (err) {
      this.log.error('a delivery failed', { err });
    }
    this.kick();
  }

  /** Held tasks a missed turn or a late delivery result would leave held forever (lifecycle.ts reconcileActions). */
  private reconcile(held: readonly HeldTask[], sessions: readonly Session[], now: Date): { changed: boolean; due: number | null } {
    const { actions, due } = this.prompts.reconcile(held, sessions, now, this.options.turnQuietMs);
    return { changed: this.apply(actions), due };
  }

  /** Applies the lifecycle's actions; true when a task changed. */
  private apply(actions: LifecycleAction[]): boolean {
    if (actions.length === 0) return false;
    const now = this.clock();
    // One commit for the round's lifecycle changes, however many.
    const changed = this.options.store.transaction(() => this.applyAll(actions, now));
    if (changed) {
      this.options.onChange?.();
      this.kick();
    }
    return changed;
  }

  private applyAll(actions: LifecycleAction[], now: Date): boolean {
    let changed = false;
    for (const a of actions) {
      switch (a.kind) {
        case 'start':
          changed = this.tasks.start(a.taskId, a.session, a.reason, now) || changed;
          break;
        case 'complete':
          if (this.tasks.complete(a.taskId, a.session, a.reason, now)) {
            changed = true;
            this.prompts.forget(a.taskId);
            this.envs.release(a.taskId);
          }
          break;
        case 'requeue': {
          const kind = a.cause === 'timeout' ? 'timeout' : 'lifecycle';
          if (this.tasks.requeue(a.taskId, a.session, { reason: a.reason, error: a.reason, notBefore: null, kind }, now)) {
            changed = true;
            this.gaveBack(a.taskId, a.session, a.cause, now);
          }
          break;
        }
        case 'attention':
          if (!this.prompts.noteAttention(a.taskId, a.state)) break;
          this.tasks.record({ kind: 'lifecycle', taskId: a.taskId, session: a.session, decision: a.state, reason: a.reason }, now);
          break;
      }
    }
    return changed;
  }

  /** A held task went back to the queue (or failed): forget its delivery, keep it from a session that timed out on it. */
  private gaveBack(taskId: number, session: string, cause: 'exited' | 'gone' | 'timeout', now: Date): void {
    this.prompts.forget(taskId);
    this.roundRules.gaveBack(taskId, session, cause, now);
    this.envs.release(taskId);
  }

  private arm(dueMs: number | null, now: Date): void {
    this.wakeTimer.arm(this.running ? dueMs : null, now);
  }
}

/** Whether any type has a timeout_minutes, so held tasks can run over it. */
export function hasTimeouts(rules: RoutingFile): boolean {
  return Object.values(rules.environment_routing).some((r) => r.timeout_minutes !== undefined);
}

