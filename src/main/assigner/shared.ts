// The assigner on a shared queue (issue 17): several consoles, each watching its own
// tmux servers (or the same one), route one queue kept in PostgreSQL. It applies the
// same router (round-plan.ts), the same lifecycle (lifecycle.ts) and the same delivery
// as the single-console assigner (assigner.ts), through the asynchronous task store:
//
// - a round reads the head of the queue, plans, and claims in one transaction
//   (guarded: a task another console won, or a session another console gave a task,
//   is simply not in the result). The held tasks come from the console's memory of
//   them (PostgresHeldTasks, kept from every console's announced changes) when that is
//   current, else from one read; within the round, what the round itself wrote
//   (starts, completions, requeues, claims) is applied to that list, not read again.
//   The guard, not the list, is what keeps a session from two tasks: a list a moment
//   behind another console only costs a claim refused (its announcement wakes a round);
// - every claim carries a lease in this console's name, renewed by a heartbeat; tasks
//   in progress in sessions this console sees are taken over (their console may be
//   gone; this one follows them to their end); a task whose lease ran out (its console
//   died before it was seen working) goes back to the queue;
// - it is woken by its sessions' changes, by its config, and by every other console's
//   changes (LISTEN/NOTIFY: `wake()`), never by polling tables; its only timer is the
//   next moment something becomes due (a back-off, a reconcile, a held task's timeout,
//   the heartbeat).
//
// Rounds, session changes and the heartbeat run one at a time (an async chain);
// deliveries type into panes beside them.
import type { Session } from '../../shared/api.js';
import type { RoutingFile } from '../config/schemas/routing.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { PendingTask, RoundRobinCursor } from '../routing/types.js';
import type { ClaimedTask, DecisionRecord, HeldTask } from '../store/task-queue.js';
import type { TaskStore } from '../store/task-store.js';
import type { HeldTasksView } from '../store/postgres/held-tasks.js';
import { toSqlTime } from '../store/time.js';
import { taskDefaults } from '../tasks/service.js';
import { attemptsUsedUp } from '../tasks/writes.js';
import { hasTimeouts } from './assigner.js';
import type { AssignerCommonOptions } from './options.js';
import { EnvironmentKeeper } from './environment-keeper.js';
import { lifecycleActions, nextTimeout, type LifecycleAction, type StateChange } from './lifecycle.js';
import { Prompts, type DeliveryWrites } from './prompts.js';
import { WakeTimer, earliest } from './wake-timer.js';
import { MAX_TASKS_PER_ROUND, WINDOW_GROWTH, planRound, roundWindow, urgentTypes } from './round-plan.js';
import { MAX_PASSES, RoundRules, type AvoidView } from './round-rules.js';
import type { AssignmentLatency } from '../metrics/assignment-latency.js';

/** A claim's lease without a renewal: a console that stops renewing for this long is taken for dead. */
export const DEFAULT_LEASE_MS = 30_000;

export interface SharedAssignerOptions extends AssignerCommonOptions {
  store: TaskStore;
  /** This console's name in leases and history rows (host and pid). */
  holder: string;
  leaseMs?: number;
  /** How often leases are renewed and expired ones looked for (a third of the lease by default). */
  heartbeatMs?: number;
  /** Where queue-to-claim times go (the console's /metrics); one of its own when not given. */
  latency?: AssignmentLatency;
  /**
   * The held tasks this console keeps from the queue's announced changes
   * (PostgresHeldTasks): a round reads none while they are current. Without it, a
   * round reads them once.
   */
  held?: HeldTasksView;
}

/** What a write of this console did to a held task (applied to a round's list of held tasks). */
type HeldWrite = { taskId: number; to: 'released' } | { taskId: number; to: 'in_progress'; startedAt: string };

/** A round's held tasks after its own writes: released ones dropped, started ones in progress. */
function afterWrites(held: readonly HeldTask[], writes: readonly HeldWrite[]): HeldTask[] {
  if (writes.length === 0) return [...held];
  const by = new Map(writes.map((w) => [w.taskId, w]));
  const out: HeldTask[] = [];
  for (const t of held) {
    const w = by.get(t.id);
    if (!w) out.push(t);
    else if (w.to === 'in_progress') out.push({ ...t, status: 'in_progress', startedAt: w.startedAt });
  }
  return out;
}

export class SharedAssigner {
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private running = false;
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly wakeTimer = new WakeTimer(() => this.kick());
  private heartbeat: NodeJS.Timeout | null = null;
  private cursor: RoundRobinCursor = {};
  private readonly known = new Set<string>();
  /** The prompts being typed and delivered, and what comes of them (prompts.ts, as on a single console). */
  private readonly prompts = new Prompts();
  /** The environments (worktree, port: requires_env types) of the tasks this console dispatched. */
  private readonly envs: EnvironmentKeeper;
  /** The avoid rule, queued notes, least_loaded's window and the latency: round-rules.ts, as on a single console. */
  private readonly roundRules: RoundRules;

  constructor(private readonly options: SharedAssignerOptions) {
    this.log = (options.logger ?? silentLogger).child({ module: 'shared-assigner' });
    this.clock = options.clock ?? (() => new Date());
    this.envs = new EnvironmentKeeper(options.store, this.log, this.clock);
    this.roundRules = new RoundRules(options.latency);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.max(100, Math.floor(this.leaseMs / 3));
  }

  /** Queue-to-claim times of this console's claims, for `/metrics`. */
  get latency(): AssignmentLatency {
    return this.roundRules.latency;
  }

  start(): () => Promise<void> {
    this.running = true;
    this.heartbeat = setInterval(() => this.serial('lease heartbeat', () => this.beat()), this.heartbeatMs);
    this.heartbeat.unref();
    this.serial('lease heartbeat', () => this.beat());
    this.serial('environments of held tasks', () => this.envs.load());
    this.kick();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeTimer.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.chain;
    await this.prompts.settle();
    await this.envs.settle();
  }

  /** Resolves once no round is scheduled or running and no delivery is under way. */
  async settled(): Promise<void> {
    // A round waiting in the chain starts deliveries of its own: look again after it.
    for (;;) {
      const chain = this.chain;
      await chain;
      await this.prompts.settle();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.scheduled && this.prompts.size === 0 && chain === this.chain) break;
    }
    await this.envs.settle();
  }

  /** Another console changed the queue (LISTEN/NOTIFY), or something here did: one round soon. */
  wake(): void {
    this.kick();
  }

  kick(): void {
    if (!this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.running) this.serial('routing round', () => this.round());
    });
  }

  /** The session monitor's listener: state changes move the tasks their sessions hold. */
  onSessions(sessions: Session[], transitions: ReadonlyArray<StateChange>): void {
    if (!this.running) return;
    for (const s of sessions) this.known.add(s.name);
    const changes = [...transitions];
    this.serial('session changes', async () => {
      const rules = this.options.getSnapshot()?.routing;
      if (!rules) return;
      const present = new Set(sessions.map((s) => s.name));
      const names = new Set([...changes.map((t) => t.name), ...[...this.known].filter((n) => !present.has(n))]);
      const held = (await this.heldTasks()).filter((t) => names.has(t.session));
      await this.apply(lifecycleActions({ held, sessions, changes, rules, now: this.clock(), known: this.known }));
    });
    if (transitions.some((t) => t.to === 'idle' || t.to === 'exited')) this.kick();
  }

  /** One round: lifecycle of gone sessions and timeouts, missed turns, then claims and deliveries. */
  async round(): Promise<void> {
    const rules = this.options.getSnapshot()?.routing;
    if (!rules) return;
    const store = this.options.store;
    const now = this.clock();
    const sessions = this.options.getSessions();
    for (const s of sessions) this.known.add(s.name);
    const present = new Set(sessions.map((s) => s.name));
    // Environments of tasks that ended elsewhere (cancelled, held, taken back by another console) are freed.
    this.envs.releaseClosed();
    let limit = roundWindow(sessions.reduce((n, s) => n + (s.state === 'idle' ? 1 : 0), 0));
    const urgent = urgentTypes(rules);
    const since = this.roundRules.loadSince(rules, now);
    // The held tasks (kept in memory, or read), the head of the queue and the load read
    // side by side, on connections of their own (one round trip's wait, not three); the
    // head and the load again only if the lifecycle below changed a task. The held tasks
    // are not read again this round: what its own writes did is applied to them (a
    // session freed by a requeue is routed in this round, a claimed one is not routed
    // twice); what another console does meanwhile is its guarded claims' business, and
    // its announcement wakes the next round.
    const first = await Promise.all([this.heldTasks(), store.pendingTasks(limit, urgent), since ? store.recentLoad(since) : undefined]);
    let held = first[0];
    let head: PendingTask[] | null = first[1];
    let load = first[2];
    const gone = held.filter((t) => this.known.has(t.session) && !present.has(t.session));
    const timed = hasTimeouts(rules) ? held.filter((t) => present.has(t.session)) : [];
    const lifecycle = await this.apply(lifecycleActions({ held: [...gone, ...timed], sessions, changes: [], rules, now, known: this.known }));
    held = afterWrites(held, lifecycle);
    const reconciled = await this.reconcile(held.filter((t) => present.has(t.session)), sessions, now);
    held = afterWrites(held, reconciled.writes);
    const changed = lifecycle.length > 0 || reconciled.writes.length > 0;
    if (changed) {
      head = null;
      if (since) load = await store.recentLoad(since);
    }

    let dueMs: number | null = reconciled.due;
    const avoid = this.roundRules.avoiding(now);
    // Another pass when the head of the queue left sessions free and there is more queue
    // to read (as on a single console).
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const pending = head ?? (await store.pendingTasks(limit, urgent));
      head = null;
      const heldNow = held;
      const plan = planRound({ pendingTasks: () => pending, heldTasks: () => heldNow }, rules, sessions, now, { cursor: this.cursor, load, avoid, busy: this.prompts.delivering, limit, held: heldNow });
      this.cursor = plan.cursor;
      const sorted = this.roundRules.sort(plan.decisions, now);
      dueMs = earliest(dueMs, sorted.dueMs);
      const wanted = sorted.claims.filter((d) => present.has(d.session)).map((d) => ({ taskId: d.taskId, session: d.session, reason: d.reason }));
      // A decision row per change of a task's queued cause, not per round: in the claims' transaction.
      const notesOut = this.roundRules.toWrite(sorted.notes);
      const claimed = wanted.length || notesOut.records.length ? await store.claimMany(wanted, notesOut.records, now, { holder: this.options.holder, ttlMs: this.leaseMs }) : [];
      notesOut.written();
      const byName = new Map(sessions.map((s) => [s.name, s]));
      const assignedAt = toSqlTime(now);
      for (const task of claimed) {
        const session = byName.get(wanted.find((w) => w.taskId === task.id)!.session)!;
        // Held from now on: the next pass does not route its session again.
        held.push({ id: task.id, type: task.type, status: 'assigned', session: session.name, assignedAt, startedAt: null, attempts: task.attempts });
        this.roundRules.claimed(task, now);
        this.startDelivery(task, session, rules);
      }
      if (claimed.length) {
        this.wrote(claimed.map((t) => t.id));
        this.options.onChange?.();
      }
      const readFurther = plan.queueCut && claimed.length < plan.free && limit < MAX_TASKS_PER_ROUND;
      if (!readFurther) break;
      limit = Math.min(MAX_TASKS_PER_ROUND, limit * WINDOW_GROWTH);
    }
    // Woken when the earliest task held in a session this console sees runs over its
    // timeout_minutes (as on a single console), not only by the next event. A task claimed
    // just now is counted by the round its delivery's end kicks.
    if (hasTimeouts(rules)) dueMs = earliest(dueMs, nextTimeout(held.filter((t) => present.has(t.session)), rules));
    this.arm(dueMs, now);
  }

  /** Task → the session it is kept from now (it timed out there): what a round plans with, for the dry run. */
  avoiding(now: Date): AvoidView {
    return this.roundRules.avoiding(now);
  }

  /** Every held task: the console's memory of them when it is current (no read), else one read of the queue. */
  private async heldTasks(): Promise<HeldTask[]> {
    const view = this.options.held;
    if (view) {
      await view.settled();
      const held = view.current();
      if (held) return held;
    }
    return this.options.store.heldTasks();
  }

  /** Tasks this console changed: its memory of the held tasks reads them now, not when their announcement is back. */
  private wrote(ids: readonly number[]): void {
    if (ids.length) this.options.held?.recheck(ids);
  }

  /** Renews this console's leases, takes over tasks in progress in sessions it sees, and hands back expired ones. */
  private async beat(): Promise<void> {
    const store = this.options.store;
    const now = this.clock();
    await store.renewLeases(this.options.holder, this.leaseMs, now);
    await store.adoptLeases(this.options.holder, this.options.getSessions().map((s) => s.name), this.leaseMs, now);
    const expired = await store.expireLeases(now);
    if (expired.length) {
      this.wrote(expired.map((e) => e.taskId));
      this.log.warn(`${expired.length} task(s) back to the queue: their console stopped renewing its lease`, { tasks: expired.map((e) => e.taskId).join(',') });
      this.options.onChange?.();
      this.kick();
    }
  }

  private startDelivery(task: ClaimedTask, session: Session, rules: RoutingFile): void {
    // A requires_env type gets its worktree and port first, named at the top of the prompt (as on a single console).
    const rule = Object.hasOwn(rules.environment_routing, task.type) ? rules.environment_routing[task.type] : undefined;
    const store = this.options.store;
    const wrote = (id: number) => (done: boolean): boolean => {
      if (done) this.wrote([id]);
      return done;
    };
    const writes: DeliveryWrites = {
      status: (id) => store.status(id),
      record: (d, now) => store.record(d, now),
      start: (id, name, reason, now) => store.start(id, name, reason, now).then(wrote(id)),
      requeue: (t, name, r, now) => this.requeue(t.id, name, t.type, t.attempts, r, rules, now).then(wrote(t.id)),
    };
    this.prompts.track(session.name, task.id, async () => {
      try {
        if (await this.prompts.dispatch(task, session, rule, { envs: this.envs, deliver: this.options.deliver, writes, clock: this.clock })) this.options.onChange?.();
      } catch (err) {
        this.log.error('a delivery failed', { err });
      }
      this.kick();
    });
  }

  /** Back to the queue with one try more, or failed when that was its type's last (max_attempts), as the task core does. */
  private async requeue(
    taskId: number,
    session: string,
    type: string,
    attempts: number,
    r: { reason: string; error: string | null; notBefore: Date | null; kind: DecisionRecord['kind'] },
    rules: RoutingFile,
    now: Date,
  ): Promise<boolean> {
    const failed = attemptsUsedUp({ type, attempts }, taskDefaults({ routing: rules }, type).maxAttempts, r);
    if (failed) return this.options.store.fail(taskId, session, { ...failed, kind: r.kind }, now);
    return this.options.store.requeue(taskId, session, r, now);
  }

  private async reconcile(held: readonly HeldTask[], sessions: readonly Session[], now: Date): Promise<{ writes: HeldWrite[]; due: number | null }> {
    // A task in progress that another console delivered is followed here too, from the
    // moment this console first sees it: if that console dies after the agent's turn
    // ended but before it saw the end (a delivery confirmed after the agent went idle
    // again), no state change is left to complete it, and this console renews its lease
    // (adoptLeases) — without this it would stay in progress forever. Both consoles may
    // then complete it; the guarded update lets one.
    const { actions, due } = this.prompts.reconcile(held, sessions, now, this.options.turnQuietMs, true);
    return { writes: await this.apply(actions), due };
  }

  /** Applies lifecycle actions; what they did to held tasks (a guarded write that found the task changed did nothing). */
  private async apply(actions: readonly LifecycleAction[]): Promise<HeldWrite[]> {
    if (actions.length === 0) return [];
    const store = this.options.store;
    const rules = this.options.getSnapshot()?.routing;
    const now = this.clock();
    const writes: HeldWrite[] = [];
    for (const a of actions) {
      switch (a.kind) {
        case 'start':
          if (await store.start(a.taskId, a.session, a.reason, now)) writes.push({ taskId: a.taskId, to: 'in_progress', startedAt: toSqlTime(now) });
          break;
        case 'complete':
          if (await store.complete(a.taskId, a.session, a.reason, now)) {
            writes.push({ taskId: a.taskId, to: 'released' });
            this.envs.release(a.taskId);
            this.prompts.forget(a.taskId);
          }
          break;
        case 'requeue': {
          const task = await store.get(a.taskId);
          if (!task || !rules) break;
          const kind = a.cause === 'timeout' ? 'timeout' : 'lifecycle';
          if (await this.requeue(a.taskId, a.session, task.type, task.attempts, { reason: a.reason, error: a.reason, notBefore: null, kind }, rules, now)) {
            writes.push({ taskId: a.taskId, to: 'released' });
            this.envs.release(a.taskId);
            this.prompts.forget(a.taskId);
            this.roundRules.gaveBack(a.taskId, a.session, a.cause, now);
          }
          break;
        }
        case 'attention':
          if (!this.prompts.noteAttention(a.taskId, a.state)) break;
          await store.record({ kind: 'lifecycle', taskId: a.taskId, session: a.session, decision: a.state, reason: a.reason }, now);
          break;
      }
    }
    if (writes.length) {
      this.wrote(writes.map((w) => w.taskId));
      this.options.onChange?.();
      this.kick();
    }
    return writes;
  }

  /** Runs fn after everything queued before it; a failure is logged, never stops the chain. */
  private serial(what: string, fn: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (!this.running) return;
      try {
        await fn();
      } catch (err) {
        this.log.error(`${what} failed`, { err });
      }
    });
  }

  private arm(dueMs: number | null, now: Date): void {
    this.wakeTimer.arm(this.running ? dueMs : null, now);
  }
}
