// What a task's session doing something means for the task: seen working →
// in progress, back to idle → completed, gone → back to the queue, over its
// timeout → reassigned. Pure: held tasks, sessions, transitions and the clock in;
// actions out. The assigner applies them.
import type { Session, SessionState } from '../../shared/api.js';
import type { RoutingFile } from '../config/schemas/routing.js';
import type { HeldTask } from '../store/task-queue.js';
import { fromSqlTime } from '../store/time.js';

const MS_PER_MINUTE = 60_000;
/**
 * States a turn can end from: the agent worked, or asked something and was answered,
 * or its screen could not be read for a while (a remote host out of reach): a task
 * in progress was seen working, so idle after that is its turn's end.
 */
const TURN_STATES: ReadonlySet<SessionState> = new Set(['working', 'waiting', 'error', 'unknown']);

export interface SessionView {
  name: string;
  state: SessionState;
}

export interface StateChange {
  name: string;
  from: SessionState;
  to: SessionState;
  reason: string | null;
}

export type LifecycleAction =
  | { kind: 'start'; taskId: number; session: string; reason: string }
  | { kind: 'complete'; taskId: number; session: string; reason: string }
  | { kind: 'requeue'; taskId: number; session: string; reason: string; cause: 'exited' | 'gone' | 'timeout' }
  | { kind: 'attention'; taskId: number; session: string; state: SessionState; reason: string };

export interface LifecycleInput {
  held: readonly HeldTask[];
  sessions: readonly SessionView[];
  changes: readonly StateChange[];
  rules: RoutingFile;
  now: Date;
  /** Session names seen present since start: only those can be said to have gone. */
  known: ReadonlySet<string>;
}

export function lifecycleActions(input: LifecycleInput): LifecycleAction[] {
  const actions: LifecycleAction[] = [];
  const bySession = new Map(input.held.map((t) => [t.session, t]));
  const present = new Map(input.sessions.map((s) => [s.name, s]));
  const handled = new Set<number>();

  for (const change of input.changes) {
    const task = bySession.get(change.name);
    if (!task || handled.has(task.id)) continue;
    const why = change.reason ? ` (${change.reason})` : '';
    const base = { taskId: task.id, session: task.session };
    if (change.to === 'exited') {
      handled.add(task.id);
      actions.push({ ...base, kind: 'requeue', cause: 'exited', reason: `back to the queue: ${task.session} exited mid-task${why}` });
    } else if (change.to === 'working' && task.status === 'assigned') {
      task.status = 'in_progress';
      actions.push({ ...base, kind: 'start', reason: `in progress: ${task.session} is working` });
    } else if (change.to === 'idle' && task.status === 'in_progress' && TURN_STATES.has(change.from)) {
      handled.add(task.id);
      actions.push({ ...base, kind: 'complete', reason: `completed: ${task.session} returned to idle after working` });
    } else if (change.to === 'waiting' || change.to === 'error') {
      actions.push({ ...base, kind: 'attention', state: change.to, reason: `${task.session} is ${change.to}${why} while holding the task; left with it` });
    }
  }

  const nowMs = input.now.getTime();
  for (const task of input.held) {
    if (handled.has(task.id)) continue;
    const session = present.get(task.session);
    const base = { kind: 'requeue' as const, taskId: task.id, session: task.session };
    if (!session && input.known.has(task.session)) {
      actions.push({ ...base, cause: 'gone', reason: `back to the queue: ${task.session} is no longer running` });
      continue;
    }
    const rule = Object.hasOwn(input.rules.environment_routing, task.type) ? input.rules.environment_routing[task.type] : undefined;
    const limit = rule?.timeout_minutes;
    if (limit === undefined) continue;
    const elapsedMs = nowMs - Date.parse(fromSqlTime(task.assignedAt));
    if (elapsedMs > limit * MS_PER_MINUTE) {
      actions.push({ ...base, cause: 'timeout', reason: `reassigned: ${task.session} held it ${heldFor(elapsedMs)}, over timeout_minutes ${limit} for ${task.type}` });
    }
  }
  return actions;
}

function heldFor(ms: number): string {
  return ms < MS_PER_MINUTE ? `${Math.round(ms / 1000)} s` : `${Math.round((ms / MS_PER_MINUTE) * 10) / 10} min`;
}

/** When the earliest held task runs over its timeout, or null when none can. */
export function nextTimeout(held: readonly HeldTask[], rules: RoutingFile): number | null {
  let earliest: number | null = null;
  for (const task of held) {
    const rule = Object.hasOwn(rules.environment_routing, task.type) ? rules.environment_routing[task.type] : undefined;
    if (rule?.timeout_minutes === undefined) continue;
    const at = Date.parse(fromSqlTime(task.assignedAt)) + rule.timeout_minutes * MS_PER_MINUTE;
    if (earliest === null || at < earliest) earliest = at;
  }
  return earliest;
}

/** An idle agent that took the prompt and then printed nothing for this long has ended its turn, seen working or not. */
export const TURN_QUIET_MS = 10_000;

export interface Delivered {
  session: string;
  /** When the delivery was confirmed (the clock's ms). */
  atMs: number;
  /** The delivery itself saw the agent working on it. */
  sawWorking: boolean;
}

/**
 * Tasks the state changes alone would leave held forever: a turn too short for the
 * monitor to see working (the task stays assigned on an idle session), or a delivery
 * whose result arrived after the turn ended (in progress on an idle session). The
 * delivery said the agent took the prompt; a session idle now and quiet (no output)
 * for `quietMs` since the later of the delivery and its last output has ended that
 * turn: completed. `due` is when to look again (null: nothing waits).
 */
export function reconcileActions(input: {
  held: readonly HeldTask[];
  sessions: readonly Session[];
  delivered: ReadonlyMap<number, Delivered>;
  now: Date;
  quietMs?: number;
}): { actions: LifecycleAction[]; due: number | null } {
  const quietMs = input.quietMs ?? TURN_QUIET_MS;
  const byName = new Map(input.sessions.map((s) => [s.name, s]));
  const nowMs = input.now.getTime();
  const actions: LifecycleAction[] = [];
  let due: number | null = null;
  for (const task of input.held) {
    const d = input.delivered.get(task.id);
    const s = byName.get(task.session);
    if (!d || d.session !== task.session || !s || s.state !== 'idle') continue;
    const lastOut = s.lastOutputAt ? Date.parse(s.lastOutputAt) : null;
    const quietFrom = Math.max(lastOut ?? 0, d.atMs);
    if (nowMs - quietFrom >= quietMs) {
      const seen = task.status === 'assigned' ? 'before it was seen working' : 'before its delivery was confirmed';
      actions.push({
        kind: 'complete',
        taskId: task.id,
        session: task.session,
        reason: `completed: ${task.session} took the prompt and is idle again, quiet for ${Math.round(quietMs / 1000)} s (its turn ended ${seen})`,
      });
    } else due = due === null ? quietFrom + quietMs : Math.min(due, quietFrom + quietMs);
  }
  return { actions, due };
}
