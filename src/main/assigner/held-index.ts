// The tasks sessions hold, read from SQL when a round needs them — never kept in
// memory (a backlog can hold 90k; as objects, with per-type heaps, they were tens of
// MB and every round copied the overdue ones). A round reads what it can use: the
// tasks of the sessions it looks at (idx_tasks_held), and the tasks past their
// type's timeout, oldest first, a batch at a time (idx_tasks_held_since, migration
// 017); when the next timeout falls is one min() per type on the same index.
import type { RoutingFile } from '../config/schemas/routing.js';
import type { HeldTask, TaskQueue } from '../store/task-queue.js';
import { fromSqlTime } from '../store/time.js';

const MS_PER_MINUTE = 60_000;

export class HeldIndex {
  constructor(private readonly queue: TaskQueue) {}

  /** Nothing to bring up to date: every read goes to the database. Kept for the callers' rhythm. */
  refresh(): void {}

  /** The tasks these sessions hold. */
  ofSessions(names: Iterable<string>): HeldTask[] {
    const list = [...new Set(names)];
    return list.length ? this.queue.heldBy(list) : [];
  }

  /** Held tasks past their type's timeout_minutes at `now`, oldest first, at most `limit`. */
  overdue(rules: RoutingFile, now: Date, limit: number): HeldTask[] {
    return this.queue.heldSinceAmong(overdueBounds(rules, now), limit);
  }

  /** When the earliest held task runs over its timeout, or null when none can. */
  nextTimeout(rules: RoutingFile): number | null {
    let earliest: number | null = null;
    for (const [type, rule] of Object.entries(rules.environment_routing)) {
      const minutes = rule?.timeout_minutes;
      if (minutes === undefined) continue;
      const oldest = this.queue.oldestHeld(type);
      if (oldest === null) continue;
      const at = Date.parse(fromSqlTime(oldest)) + minutes * MS_PER_MINUTE;
      if (earliest === null || at < earliest) earliest = at;
    }
    return earliest;
  }
}

/** Per type with a timeout_minutes: a task of it assigned before `before` is past its timeout at `now`. */
export function overdueBounds(rules: RoutingFile, now: Date): Array<{ type: string; before: Date }> {
  const bounds: Array<{ type: string; before: Date }> = [];
  for (const [type, rule] of Object.entries(rules.environment_routing)) {
    const minutes = rule?.timeout_minutes;
    if (minutes !== undefined) bounds.push({ type, before: new Date(now.getTime() - minutes * MS_PER_MINUTE) });
  }
  return bounds;
}
