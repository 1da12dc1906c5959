// The task lifecycle's one vocabulary: which statuses are open, held, waiting or
// finished, and which status may follow which. The store's SQL, the assigner, the
// SLA watch, workflows and the renderer all read these lists; none spells its own.
// No electron, node or DOM imports.
import type { TaskStatus } from './api.js';

/** Every status, in the order the dashboard lists them. */
export const TASK_STATUSES: readonly TaskStatus[] = ['pending', 'assigned', 'in_progress', 'blocked', 'completed', 'failed', 'cancelled'];

/** Not finished: the task still has to happen (queued, with a session, or waiting on something). */
export const OPEN_STATUSES: readonly TaskStatus[] = ['pending', 'assigned', 'in_progress', 'blocked'];
/** A session holds the task: it occupies that session until it completes, fails or goes back. */
export const HELD_STATUSES: readonly TaskStatus[] = ['assigned', 'in_progress'];
/** Open but not routed: blocked waits on its dependencies or an operator's hold. */
export const WAITING_STATUSES: readonly TaskStatus[] = ['blocked'];
/** Over: nothing more happens to the task unless an operator retries it. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];
/** Finished without doing the work: retry puts these (and blocked ones) back in the queue. */
export const RETRYABLE_STATUSES: readonly TaskStatus[] = ['failed', 'cancelled', 'blocked'];

export type TaskStatusGroup = 'open' | 'held' | 'waiting' | 'finished';
export const STATUS_GROUPS: Readonly<Record<TaskStatusGroup, readonly TaskStatus[]>> = {
  open: OPEN_STATUSES,
  held: HELD_STATUSES,
  waiting: WAITING_STATUSES,
  finished: FINISHED_STATUSES,
};

const has = (list: readonly TaskStatus[], status: string): boolean => (list as readonly string[]).includes(status);
export const isOpenStatus = (status: string): boolean => has(OPEN_STATUSES, status);
export const isHeldStatus = (status: string): boolean => has(HELD_STATUSES, status);
export const isFinishedStatus = (status: string): boolean => has(FINISHED_STATUSES, status);

/**
 * Which status may follow which. The task core refuses any other change with an
 * error naming both; a workflow rollback restoring what it overwrote is the one
 * writer allowed past it (it puts back a state that was legal when it was left).
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  // claimed; held by an operator or waiting on dependencies; cancelled
  pending: ['assigned', 'blocked', 'cancelled'],
  // seen working; its turn ended before it was seen working; back to the queue; out of attempts; cancelled; held
  assigned: ['in_progress', 'completed', 'pending', 'failed', 'cancelled', 'blocked'],
  in_progress: ['completed', 'pending', 'failed', 'cancelled', 'blocked'],
  // released (by the operator or its dependencies completing); cancelled; retried
  blocked: ['pending', 'cancelled'],
  completed: [],
  // retried
  failed: ['pending'],
  cancelled: ['pending'],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

/** Which of the groups a status belongs to, for the renderer's badges and filters. */
export function statusGroups(status: TaskStatus): TaskStatusGroup[] {
  return (Object.keys(STATUS_GROUPS) as TaskStatusGroup[]).filter((g) => STATUS_GROUPS[g].includes(status));
}
