// The task core's writes over the asynchronous task store (issue 17): one
// implementation for both engines. Each is a unit of work (TaskStore.transaction): its
// guarded statements, its history rows (by trigger) and, on PostgreSQL, its NOTIFY
// commit together or not at all. TaskService (service.ts) calls these with its SQLite
// task store and adds what its console does after a change (sessions' current task,
// its listeners); a console on a shared queue and the CLI call them with the
// PostgreSQL one. The messages are the same from every entry point and engine.
import type { Task, TaskStatus } from '../../shared/api.js';
import { isOpenStatus, OPEN_STATUSES, TASK_TRANSITIONS } from '../../shared/task-status.js';
import { waitingOnReason, type TaskStore } from '../store/task-store.js';
import { InvalidTaskError, TaskNotFoundError, type Dependency } from '../store/tasks.js';

/** One status change (or a creation: from null), as the listeners hear it. */
export interface TaskChange {
  taskId: number;
  from: TaskStatus | null;
  to: TaskStatus;
  reason: string;
  /** The session it went to (a claim). */
  session?: string;
}

/**
 * A claim (pending → assigned) or a start (assigned → in_progress): it takes a queued
 * task and frees no session, so it gives a routing round nothing new to place.
 */
export function consumesOnly(change: Pick<TaskChange, 'from' | 'to'>): boolean {
  return (change.from === 'pending' && change.to === 'assigned') || (change.from === 'assigned' && change.to === 'in_progress');
}

/** A change the task core refuses: says from what to what, and what is allowed instead. */
export class TaskTransitionError extends InvalidTaskError {
  constructor(
    readonly taskId: number,
    readonly from: TaskStatus,
    readonly to: TaskStatus,
    what: string,
  ) {
    const allowed = TASK_TRANSITIONS[from];
    super(
      `task ${taskId} is ${from}: it cannot ${what} (${from} → ${to} is not a task transition; ` +
        (allowed.length ? `from ${from} a task can become ${allowed.join(', ')})` : `${from} is final)`),
    );
    this.name = 'TaskTransitionError';
  }
}

/** A task's write and the status changes it made, for the caller's listeners. */
export interface Written {
  task: Task;
  changes: TaskChange[];
}

/**
 * What a blocked task without a hold becomes: pending once everything it waits on
 * completed, else still blocked saying on what (both engines, sync and async cores).
 */
export function settlement(deps: readonly Dependency[], why: string): { unblock: string } | { reason: string } {
  const waiting = deps.filter((d) => d.status !== 'completed');
  if (waiting.length > 0) return { reason: waitingOnReason(waiting) };
  return { unblock: `unblocked: ${why}${deps.length ? '; every task it waits on completed' : ''}` };
}

/**
 * A try that ends in the queue again (a failed delivery, an exit, a timeout): null while
 * the task has tries left, else why it fails — its type's max_attempts used up, naming
 * this try's reason. The single console's core and the shared-queue assigner both ask.
 */
export function attemptsUsedUp(
  task: { type: string; attempts: number },
  maxAttempts: number,
  r: { reason: string; error: string | null },
): { reason: string; error: string } | null {
  const used = task.attempts + 1;
  if (used < maxAttempts) return null;
  const last = r.reason.replace(/^back to the queue: /, '').replace(/; retry after \d+ s$/, '');
  return { reason: `failed: ${used} of ${maxAttempts} attempts used (max_attempts for ${task.type}); the last: ${last}`, error: r.error ?? last };
}

async function requireTask(tx: TaskStore, id: number): Promise<Task> {
  const task = await tx.get(id);
  if (!task) throw new TaskNotFoundError(id);
  return task;
}

/**
 * An operator's hold: the task is blocked until released, whatever its dependencies
 * say. A session holding it is free again (the agent is not told).
 */
export async function holdTask(store: TaskStore, id: number, reason = 'no reason given'): Promise<Written> {
  return store.transaction(async (tx) => {
    const before = await requireTask(tx, id);
    if (!isOpenStatus(before.status)) throw new TaskTransitionError(id, before.status, 'blocked', `be held (only ${OPEN_STATUSES.join(', ')} tasks can)`);
    const from = before.assignedTo && (before.status === 'assigned' || before.status === 'in_progress') ? `; taken back from ${before.assignedTo}` : '';
    const why = `held by the operator: ${reason}${from}`;
    const task = await tx.hold(id, reason, why);
    if (!task) throw new TaskTransitionError(id, (await requireTask(tx, id)).status, 'blocked', 'be held');
    return { task, changes: [{ taskId: id, from: before.status, to: task.status, reason: why }] };
  });
}

/** Ends an operator's hold: pending again, or still blocked (saying on what) while it waits on other tasks. */
export async function releaseTask(store: TaskStore, id: number): Promise<Written> {
  return store.transaction(async (tx) => {
    const notHeld = (t: Task): InvalidTaskError =>
      new InvalidTaskError(`task ${id} is not held (it is ${t.status}${t.statusReason ? `: ${t.statusReason}` : ''}); only a held task can be released`);
    const before = await requireTask(tx, id);
    if (before.holdReason === null) throw notHeld(before);
    // Guarded: another console's release in between leaves nothing to clear.
    if (!(await tx.unhold(id, 'released by the operator'))) throw notHeld(await requireTask(tx, id));
    const change = await settleBlocked(tx, id, 'released by the operator');
    return { task: await requireTask(tx, id), changes: change ? [change] : [] };
  });
}

/** A blocked task without a hold: pending once everything it waits on completed, else blocked saying on what. */
export async function settleBlocked(tx: TaskStore, id: number, why: string): Promise<TaskChange | null> {
  const task = await tx.get(id);
  if (!task || task.status !== 'blocked' || task.holdReason !== null) return null;
  const next = settlement(await tx.dependencies(id), why);
  if ('reason' in next) {
    await tx.setBlockedReason(id, next.reason);
    return null;
  }
  const done = await tx.unblock(id, next.unblock);
  return done ? { taskId: id, from: 'blocked', to: done.status, reason: next.unblock } : null;
}
