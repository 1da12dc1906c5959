// The task core: the one place a task is created or changes status. The console's
// RPC handlers, the CLI, the HTTP services, workflow steps and rollbacks, SLA
// escalations and the assigner's lifecycle all call this service; none of them
// writes a task row. Every change is a guarded statement in a store repository
// (SQL lives in src/main/store/), leaves its history row (task_events, by trigger)
// and is told to the listeners (the console pushes `tasks.changed` and wakes the
// assigner). Illegal changes are refused with a TaskTransitionError naming both
// statuses (src/shared/task-status.ts has the table).
//
// Synchronous on purpose: the assigner commits a whole round of claims in one
// transaction, a workflow's write commits with its checkpoint, an SLA reassign with
// its once-key row. Those compositions are the engine seam; a second engine behind
// the repositories brings an async unit of work, and these methods turn async with it.
import fs from 'node:fs';
import path from 'node:path';
import type { Task, TaskStatus } from '../../shared/api.js';
import { canTransition, isFinishedStatus, isHeldStatus, OPEN_STATUSES, TASK_TRANSITIONS } from '../../shared/task-status.js';
import { DEFAULT_MAX_ATTEMPTS, type RoutingFile } from '../config/schemas/routing.js';
import type { SlaFile } from '../config/schemas/sla.js';
import type { Store } from '../store/store.js';
import { SqliteTaskStore, waitingOnReason, type TaskStore } from '../store/task-store.js';
import { TaskQueue, type ClaimedTask, type DecisionRecord, type GuardedStep, type HeldTask, type SendToResult } from '../store/task-queue.js';
import { DEFAULT_PRIORITY, InvalidTaskError, TaskFinishedError, TaskNotFoundError, checkPriority, type Dependency, type TaskFields } from '../store/tasks.js';
import { attemptsUsedUp, holdTask, releaseTask, settlement, TaskTransitionError, type TaskChange, type Written } from './writes.js';

export { TaskTransitionError, type TaskChange } from './writes.js';

/** What a new task gets from the layered config when the caller does not say. */
export interface TaskDefaults {
  /** routing_rules.yaml's priority for the type (5 for a type without a rule). */
  priority: number;
  /** sla_rules.yaml's target for the type (or its default), null without one. */
  targetMinutes: number | null;
  /** routing_rules.yaml's urgent: routed before every non-urgent type. */
  urgent: boolean;
  /** routing_rules.yaml's max_attempts: dispatches before the task is failed. */
  maxAttempts: number;
}

export interface NewTaskInput {
  type: string;
  title: string;
  prompt?: string;
  /** Omitted: the routing rule's priority for the type. */
  priority?: number;
  /** A project id, name or folder path (a new folder becomes a project). */
  project?: string | number | null;
  metadata?: Record<string, unknown> | null;
  /** Task ids it waits on: blocked until every one of them completed. */
  dependsOn?: readonly number[];
}

/** Max tasks one task may wait on (a typo'd range would otherwise write thousands of rows). */
export const MAX_DEPENDENCIES = 100;

export interface TaskServiceOptions {
  store: Store;
  /** The config in force; null when none is loaded (the built-in defaults apply). */
  config: () => { routing: RoutingFile; sla?: SlaFile } | null;
  /**
   * Set on a console whose tasks live on a shared PostgreSQL queue: this SQLite core is
   * its local file's, which must never gain tasks; a new task or a workflow's task
   * write is refused with this message (the shared queue has its own commands).
   */
  refuseWrites?: string;
}

/** A type's defaults from the layered config (the built-in ones without a config): the same from every entry point and engine. */
export function taskDefaults(snapshot: { routing: RoutingFile; sla?: SlaFile } | null, type: string): TaskDefaults {
  const routes = snapshot?.routing.environment_routing;
  const rule = routes && Object.hasOwn(routes, type) ? routes[type] : undefined;
  const targets = snapshot?.sla?.sla_targets;
  const target = targets ? (Object.hasOwn(targets, type) ? targets[type] : targets.default) : undefined;
  return {
    priority: rule?.priority ?? DEFAULT_PRIORITY,
    targetMinutes: target?.target_minutes ?? null,
    urgent: rule?.urgent ?? false,
    maxAttempts: rule?.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

export class TaskService {
  /** The assigner's guarded statements (claims, lifecycle steps, decisions). */
  readonly queue: TaskQueue;
  /** The same tasks behind the asynchronous interface: the writes both engines share (writes.ts) run on it. */
  readonly taskStore: TaskStore;
  private readonly listeners = new Set<(changes: readonly TaskChange[]) => void>();

  constructor(private readonly options: TaskServiceOptions) {
    this.queue = new TaskQueue(options.store);
    this.taskStore = new SqliteTaskStore(options.store, this.queue);
  }

  /** Hears every change this service makes (after its statement ran). Returns unsubscribe. */
  onChange(listener: (changes: readonly TaskChange[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  defaultsFor(type: string): TaskDefaults {
    return taskDefaults(this.options.config(), type);
  }

  // ------------------------------------------------------------ reads

  get(id: number): Task | null {
    return this.options.store.tasks.get(id);
  }

  /** The tasks this one waits on, with where each stands. */
  dependencies(id: number): Dependency[] {
    return this.options.store.tasks.dependencies(id);
  }

  require(id: number): Task {
    const task = this.get(id);
    if (!task) throw new TaskNotFoundError(id);
    return task;
  }

  // ------------------------------------------------------------ operator and API changes

  /** A new pending task; its priority defaults to its type's routing rule (the same from every entry point). */
  create(input: NewTaskInput): Task {
    if (this.options.refuseWrites) throw new InvalidTaskError(this.options.refuseWrites);
    const type = input.type.trim();
    const dependsOn = [...new Set(input.dependsOn ?? [])];
    if (dependsOn.length > MAX_DEPENDENCIES) throw new InvalidTaskError(`a task may wait on at most ${MAX_DEPENDENCIES} tasks, got ${dependsOn.length}`);
    const waitingOn: Dependency[] = [];
    for (const id of dependsOn) {
      const on = this.get(id);
      if (!on) throw new InvalidTaskError(`depends_on: task ${id} does not exist`);
      if (on.status !== 'completed') waitingOn.push({ id, title: on.title, status: on.status, statusReason: on.statusReason });
    }
    const task = this.options.store.tasks.add({
      type,
      title: input.title,
      prompt: input.prompt,
      priority: input.priority ?? this.defaultsFor(type).priority,
      projectId: this.projectFor(input.project),
      metadata: input.metadata ?? null,
      dependsOn,
      blockedBecause: waitingOn.length ? waitingOnReason(waitingOn) : null,
    });
    this.emit([{ taskId: task.id, from: null, to: task.status, reason: 'created' }]);
    return task;
  }

  /**
   * An operator's hold: the task is blocked until released, whatever its
   * dependencies say. A session holding it is free again (the agent is not told).
   * One unit of work, the same on both engines (writes.ts).
   */
  async hold(id: number, reason = 'no reason given'): Promise<Task> {
    return this.written(await holdTask(this.taskStore, id, reason));
  }

  /** Ends an operator's hold: pending again, or still blocked (saying on what) while it waits on other tasks. */
  async release(id: number): Promise<Task> {
    return this.written(await releaseTask(this.taskStore, id));
  }

  /** max_attempts for a task type (routing_rules.yaml, else the default). */
  maxAttempts(type: string): number {
    return this.defaultsFor(type).maxAttempts;
  }

  cancel(id: number, reason = 'cancelled by operator'): Task {
    const before = this.require(id);
    if (!canTransition(before.status, 'cancelled')) throw new TaskFinishedError(id, before.status);
    const task = this.options.store.tasks.cancel(id, reason);
    this.emit([{ taskId: id, from: before.status, to: task.status, reason }]);
    return task;
  }

  /** Puts a failed, cancelled or blocked task back in the queue. */
  retry(id: number, reason = 'retried by operator'): Task {
    const before = this.require(id);
    if (!canTransition(before.status, 'pending') || before.status === 'assigned' || before.status === 'in_progress') {
      throw new TaskTransitionError(id, before.status, 'pending', 'be retried (only failed, cancelled and blocked tasks can)');
    }
    const task = this.options.store.tasks.retry(id, reason);
    this.emit([{ taskId: id, from: before.status, to: task.status, reason }]);
    return task;
  }

  setPriority(id: number, priority: number): Task {
    const task = this.options.store.tasks.setPriority(id, priority);
    this.emit([{ taskId: id, from: task.status, to: task.status, reason: `priority set to ${priority}` }]);
    return task;
  }

  // ------------------------------------------------------------ the assigner's lifecycle

  /** A round's claims and its decision notes in one transaction (see TaskQueue.claimMany). */
  claimMany(claims: ReadonlyArray<{ taskId: number; session: string; reason: string }>, notes: readonly DecisionRecord[], now: Date): ClaimedTask[] {
    const claimed = this.queue.claimMany(claims, notes, now);
    const reasons = new Map(claims.map((c) => [c.taskId, c.reason]));
    const sessions = new Map(claims.map((c) => [c.taskId, c.session]));
    if (claimed.length) this.emit(claimed.map((c) => ({ taskId: c.id, from: 'pending', to: 'assigned', reason: reasons.get(c.id) ?? 'assigned', session: sessions.get(c.id) })));
    return claimed;
  }

  /** assigned → in_progress: the session was seen working on it. False when it no longer holds the task. */
  start(taskId: number, session: string, reason: string, now: Date): boolean {
    return this.step(this.queue.start(taskId, session, reason, now), taskId, 'assigned', 'in_progress', reason);
  }

  /** Held → completed: the session's turn ended (seen working, or reconciled after a turn too short to see). */
  complete(taskId: number, session: string, reason: string, now: Date): boolean {
    const from = this.queue.status(taskId) ?? 'in_progress';
    return this.step(this.queue.complete(taskId, session, reason, now), taskId, from, 'completed', reason);
  }

  /**
   * Held → pending, one attempt more (a failed delivery, an exit, a timeout) — or
   * failed, with this attempt's reason, when that was its type's last (max_attempts).
   * `charge: false` (an SLA or workflow reassign, a rollback) uses no attempt.
   */
  requeue(
    taskId: number,
    session: string,
    r: { reason: string; error: string | null; notBefore: Date | null; kind: DecisionRecord['kind']; routeTo?: string | null; charge?: boolean },
    now: Date,
  ): boolean {
    const task = this.get(taskId);
    if (!task) return false;
    const failed = this.usedUp(task, r);
    if (failed) return this.step(this.queue.fail(taskId, session, { ...failed, kind: r.kind }, now), taskId, task.status, 'failed', failed.reason);
    return this.step(this.queue.requeue(taskId, session, r, now), taskId, task.status, 'pending', r.reason);
  }

  /**
   * requeue() planned for a writer on another connection (the start-up recovery's write
   * worker): the same rule (max_attempts → failed) and the same guarded statements, as
   * data, guarded also by when the session took the task. Once the step committed, the
   * change goes to `told` (the step cleared the session's current task itself).
   */
  requeueStep(
    task: HeldTask,
    r: { reason: string; error: string | null; notBefore: Date | null; kind: DecisionRecord['kind'] },
    now: Date,
  ): { step: GuardedStep; change: TaskChange } {
    const failed = this.usedUp(task, r);
    if (failed) return { step: this.queue.failStep(task, { ...failed, kind: r.kind }, now), change: { taskId: task.id, from: task.status, to: 'failed', reason: failed.reason } };
    return { step: this.queue.requeueStep(task, r, now), change: { taskId: task.id, from: task.status, to: 'pending', reason: r.reason } };
  }

  /** Changes another connection committed (requeueStep's): the listeners hear them, and tasks waiting on a finished one settle. */
  told(changes: readonly TaskChange[]): void {
    this.tell(changes);
  }

  /** Why this try, ending in the queue, fails the task instead (its type's max_attempts used up); null while it has tries left. */
  private usedUp(task: { type: string; attempts: number }, r: { reason: string; error: string | null; charge?: boolean }): { reason: string; error: string } | null {
    return r.charge === false ? null : attemptsUsedUp(task, this.maxAttempts(task.type), r);
  }

  /** To one session by name (an SLA reassign, a workflow): taken back from its holder first. */
  sendTo(taskId: number, session: string, by: { kind: DecisionRecord['kind']; who: string }, now: Date): SendToResult {
    const from = this.queue.status(taskId);
    const result = this.queue.sendTo(taskId, session, by, now);
    if (result.outcome === 'sent' && from !== null) this.emit([{ taskId, from, to: this.queue.status(taskId) ?? 'pending', reason: result.reason }]);
    return result;
  }

  /**
   * Ahead of the queue: the task is routed before every task that is not urgent
   * (the next idle session its rule accepts gets it first), whatever their
   * priorities. Its status does not change; the decision trail says who asked.
   * False when it is finished or gone (or was urgent already).
   */
  markUrgent(taskId: number, who: string, now: Date): boolean {
    const task = this.require(taskId);
    const marked = this.options.store.transaction(() => {
      if (!this.queue.markUrgent(taskId, now)) return false;
      this.queue.record({ kind: 'route', taskId, session: null, decision: 'urgent', reason: `routed ahead of the queue (urgent, by ${who})` }, now);
      return true;
    });
    if (!marked) return false;
    this.emit([{ taskId, from: task.status, to: task.status, reason: `urgent (by ${who})` }]);
    return true;
  }

  /** The task's metadata (its environment, a workflow's notes); no status change. */
  setMetadata(taskId: number, metadata: Record<string, unknown>, now: Date): void {
    this.queue.setMetadata(taskId, metadata, now);
  }

  /** A decision row for the trail (no task change). */
  record(d: DecisionRecord, now: Date): void {
    this.queue.record(d, now);
  }

  // ------------------------------------------------------------ workflows

  /**
   * A workflow's `database` step inserting a task: the same defaults and checks as
   * any other new task. The row as the step's output sees it.
   */
  createFromWorkflow(data: Record<string, unknown>): Task {
    return this.create(workflowNewTask(data));
  }

  /**
   * A workflow's `database` step updating tasks: each matching task's fields through
   * the task core — a status change must be a legal transition, and it leaves its
   * history row and its event. Returns what the step's compensation needs.
   */
  updateFromWorkflow(ids: readonly number[], data: Record<string, unknown>, reason: string): Array<Record<string, unknown>> {
    if (this.options.refuseWrites) throw new InvalidTaskError(this.options.refuseWrites);
    const before: Array<Record<string, unknown>> = [];
    const changes: TaskChange[] = [];
    for (const id of ids) {
      const current = this.options.store.tasks.fields(id);
      if (!current) continue;
      const status = workflowStatusChange(id, current.status, data);
      before.push(pick({ ...current }, ['id', ...Object.keys(data)]));
      this.options.store.tasks.writeFields(id, data as TaskFields, reason);
      if (status !== undefined && status !== current.status) changes.push({ taskId: id, from: current.status, to: status, reason });
    }
    this.emit(changes);
    return before;
  }

  /**
   * Undoes a workflow's task write (`action: rollback`): a task it created is
   * cancelled (its id stays, with its history), fields it changed get their old
   * values back. Through the core, so the history rows and events appear; the one
   * writer allowed to put a status back that the transition table would not (it was
   * legal when it was left).
   */
  compensateWorkflow(write: { action: 'insert'; id: number } | { action: 'update'; before: Array<Record<string, unknown>> }, reason: string): void {
    if (write.action === 'insert') {
      const task = this.get(write.id);
      if (!task || !OPEN_STATUSES.includes(task.status)) return;
      this.cancel(write.id, reason);
      return;
    }
    const changes: TaskChange[] = [];
    for (const row of write.before) {
      const id = Number(row.id);
      const current = this.options.store.tasks.fields(id);
      if (!current) continue;
      const fields = Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'id'));
      if (Object.keys(fields).length === 0) continue;
      this.options.store.tasks.writeFields(id, fields as TaskFields, reason);
      const status = fields.status === undefined ? undefined : parseStatus(fields.status);
      if (status !== undefined && status !== current.status) changes.push({ taskId: id, from: current.status, to: status, reason });
    }
    this.emit(changes);
  }

  /** A workflow's route step taken back: the task returns to the queue if that session still holds it. */
  unassign(taskId: number, session: string, reason: string, now: Date): boolean {
    return this.requeue(taskId, session, { reason, error: null, notBefore: null, kind: 'route', charge: false }, now);
  }

  // ------------------------------------------------------------ internals

  private written({ task, changes }: Written): Task {
    this.emit(changes);
    return task;
  }

  private step(changed: boolean, taskId: number, from: TaskStatus, to: TaskStatus, reason: string): boolean {
    if (changed) this.emit([{ taskId, from, to, reason }]);
    return changed;
  }

  private emit(changes: readonly TaskChange[]): void {
    if (changes.length === 0) return;
    // sessions.current_task_id: the task each session holds now. Only a change that moves it
    // opens a transaction: one begins IMMEDIATE, and would wait for the write lock (behind
    // the write worker, up to the busy timeout) to write nothing — a start, a priority.
    const sessions = this.options.store.sessions;
    const writes = changes.flatMap((c): Array<() => void> => {
      if (c.from === c.to) return [];
      const session = c.session;
      if (c.to === 'assigned' && session) return [() => sessions.setCurrentTask(session, c.taskId)];
      return isHeldStatus(c.to) ? [] : [() => sessions.clearCurrentTask(c.taskId)];
    });
    if (writes.length) this.options.store.transaction(() => writes.forEach((w) => w()));
    this.tell(changes);
  }

  private tell(changes: readonly TaskChange[]): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) listener(changes);
    // A task finishing moves the tasks waiting on it: unblocked when all they wait on completed.
    for (const c of changes) {
      if (c.from === c.to || !isFinishedStatus(c.to)) continue;
      for (const dependant of this.options.store.tasks.blockedDependants(c.taskId)) this.settleBlocked(dependant, `task ${c.taskId} ${c.to}`);
    }
  }

  /** A blocked task without a hold: pending once everything it waits on completed, else blocked saying on what. */
  private settleBlocked(id: number, why: string): void {
    const task = this.get(id);
    if (!task || task.status !== 'blocked' || task.holdReason !== null) return;
    const next = settlement(this.options.store.tasks.dependencies(id), why);
    if ('reason' in next) {
      this.options.store.tasks.setBlockedReason(id, next.reason);
      return;
    }
    const done = this.options.store.tasks.unblock(id, next.unblock);
    if (done) this.emit([{ taskId: id, from: 'blocked', to: done.status, reason: next.unblock }]);
  }

  /** A project id, name or folder (a folder not known yet becomes a project); null for none. */
  private projectFor(ref: string | number | null | undefined): number | null {
    if (ref === undefined || ref === null || ref === '') return null;
    const projects = this.options.store.projects;
    if (typeof ref === 'number') {
      if (!projects.list().some((p) => p.id === ref)) throw new InvalidTaskError(`project ${ref} does not exist`);
      return ref;
    }
    const found = projects.find(ref);
    if (found) return found.id;
    const abs = path.resolve(ref);
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) return projects.add(abs).id;
    const known = projects.list().map((p) => p.name);
    throw new InvalidTaskError(`no project "${ref}" and no such folder (known: ${known.join(', ') || 'none'}; give a folder path to add one)`);
  }
}

/**
 * What a workflow's `database` step inserting a task asks for, checked: a new task starts
 * pending, from type, title, prompt, priority, project_id and metadata (the rest is the
 * task core's). The same on both engines (a shared queue's workflows too).
 */
export function workflowNewTask(data: Record<string, unknown>): NewTaskInput {
  const known = new Set(['type', 'title', 'prompt', 'priority', 'project_id', 'metadata', 'status']);
  if (data.status !== undefined && data.status !== 'pending') {
    throw new InvalidTaskError(`a new task starts pending (the task core moves it from there), not ${JSON.stringify(data.status)}`);
  }
  const extra = Object.keys(data).filter((k) => !known.has(k));
  if (extra.length) {
    throw new InvalidTaskError(
      `a workflow creates a task from type, title, prompt, priority, project_id and metadata; ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} set by the task core`,
    );
  }
  const text = (k: string): string | undefined => (data[k] === undefined || data[k] === null ? undefined : String(data[k]));
  return {
    type: text('type') ?? '',
    title: text('title') ?? '',
    prompt: text('prompt'),
    priority: data.priority === undefined || data.priority === null ? undefined : checkPriority(Number(data.priority)),
    project: data.project_id === undefined || data.project_id === null ? null : Number(data.project_id),
    metadata: parseObject(data.metadata, 'metadata'),
  };
}

/** The status a workflow's update sets on a task (undefined: none), refused unless it is a task transition. */
export function workflowStatusChange(id: number, from: TaskStatus, data: Record<string, unknown>): TaskStatus | undefined {
  const status = data.status === undefined ? undefined : parseStatus(data.status);
  if (status !== undefined && status !== from && !canTransition(from, status)) throw new TaskTransitionError(id, from, status, `be set to ${status} by a workflow`);
  return status;
}

function parseStatus(value: unknown): TaskStatus {
  const s = String(value);
  if (!(TASK_TRANSITIONS as Record<string, unknown>)[s]) throw new InvalidTaskError(`"${s}" is not a task status (one of ${Object.keys(TASK_TRANSITIONS).join(', ')})`);
  return s as TaskStatus;
}

function parseObject(value: unknown, what: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  let v: unknown = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      throw new InvalidTaskError(`${what} must be an object (or its JSON), got ${JSON.stringify(value).slice(0, 80)}`);
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidTaskError(`${what} must be an object, got ${JSON.stringify(value).slice(0, 80)}`);
  return v as Record<string, unknown>;
}

export function pick(row: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in row).map((k) => [k, row[k]]));
}
