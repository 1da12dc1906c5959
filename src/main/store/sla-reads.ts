// What the SLA watcher (src/main/alerts/sla-watcher.ts) reads: open tasks in slices,
// the task_events it has not seen, a reassign's once-key, and per (target, threshold)
// the tasks that crossed it in a time range and the next one to cross it. On the
// writer connection: the watcher evaluates inside the writer's transactions.
import type Database from 'better-sqlite3';
import type { TaskStatus } from '../../shared/api.js';
import { OPEN_SQL } from './status-sql.js';

const COLUMNS = 'id, type, status, created_at, started_at, priority, assigned_to';

/** An open task as the SLA watcher evaluates it (times as stored). */
export interface SlaTaskRow {
  id: number;
  type: string;
  status: TaskStatus;
  created_at: string;
  started_at: string | null;
  priority: number;
  assigned_to: string | null;
}

/**
 * One level crossing's two reads, for the tasks of one SLA target: its own type, or
 * (`otherThan`) every type but those with a target of their own.
 */
export interface SlaCrossingReads {
  /** Ids of open tasks created in (from, to]. */
  createdBetween(from: string, to: string): number[];
  /** created_at of the first open task created after `from`, if any. */
  nextCreatedAfter(from: string): string | undefined;
}

export type SlaTargetTypes = { type: string } | { otherThan: readonly string[] };

/**
 * The SQL of one crossing's two reads and the type arguments that follow their time
 * arguments. `+type`, `+status`: the planner must walk the created_at index (a type's
 * index would read all its tasks); test/integration/store/sla-reads.test.ts checks the plan.
 */
export function slaCrossingSql(types: SlaTargetTypes): { between: string; next: string; typeArgs: string[] } {
  const own = 'otherThan' in types ? types.otherThan : [];
  const typeSql = 'otherThan' in types ? (own.length ? `+type NOT IN (${own.map(() => '?').join(',')})` : '1') : '+type = ?';
  return {
    between: `SELECT id FROM tasks WHERE created_at > ? AND created_at <= ? AND +status IN (${OPEN_SQL}) AND ${typeSql}`,
    next: `SELECT created_at FROM tasks WHERE created_at > ? AND +status IN (${OPEN_SQL}) AND ${typeSql} ORDER BY created_at LIMIT 1`,
    typeArgs: 'otherThan' in types ? [...own] : [types.type],
  };
}

export class SlaReads {
  private readonly openTasks: Database.Statement;
  private readonly openAfter: Database.Statement;
  private readonly eventsAfter: Database.Statement;
  private readonly lastEvent: Database.Statement;
  private readonly reassignedBefore: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.openTasks = db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE status IN (${OPEN_SQL})`);
    this.openAfter = db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id > ? AND status IN (${OPEN_SQL}) ORDER BY id LIMIT ?`);
    this.eventsAfter = db.prepare('SELECT id, task_id AS taskId FROM task_events WHERE id > ? ORDER BY id LIMIT ?');
    this.lastEvent = db.prepare('SELECT coalesce(max(id), 0) FROM task_events').pluck();
    // A reassign is remembered as a decision keyed by its onceKey, so it too survives a restart.
    this.reassignedBefore = db.prepare("SELECT 1 FROM decisions WHERE task_id = ? AND kind = 'sla' AND decision = ?").pluck();
  }

  /** Every open task (a one-shot pass: tests, a CLI). */
  allOpen(): SlaTaskRow[] {
    return this.openTasks.all() as SlaTaskRow[];
  }

  /** Up to `limit` open tasks with an id above `afterId`, in id order (the start-up pass's slices). */
  openAfterId(afterId: number, limit: number): SlaTaskRow[] {
    return this.openAfter.all(afterId, limit) as SlaTaskRow[];
  }

  /** The tasks with these ids, whatever their status (gone ones are absent). Keep `ids` to a few hundred. */
  byIds(ids: readonly number[]): SlaTaskRow[] {
    if (ids.length === 0) return [];
    return this.db.prepare(`SELECT ${COLUMNS} FROM tasks WHERE id IN (${ids.map(() => '?').join(',')})`).all(...ids) as SlaTaskRow[];
  }

  /** Up to `limit` task_events after id `afterId`: which tasks changed. */
  eventsAfterId(afterId: number, limit: number): Array<{ id: number; taskId: number }> {
    return this.eventsAfter.all(afterId, limit) as Array<{ id: number; taskId: number }>;
  }

  /** The newest task_events id (0 when none): where a full pass starts watching changes. */
  lastEventId(): number {
    return this.lastEvent.get() as number;
  }

  /** Whether the SLA reassign step with this once-key already ran for the task. */
  reassigned(taskId: number, onceKey: string): boolean {
    return this.reassignedBefore.get(taskId, onceKey) !== undefined;
  }

  /** The two statements of one (target, threshold) pair; prepare once per rules file. */
  crossing(types: SlaTargetTypes): SlaCrossingReads {
    const sql = slaCrossingSql(types);
    const between = this.db.prepare(sql.between).pluck();
    const next = this.db.prepare(sql.next).pluck();
    const typeArgs = sql.typeArgs;
    return {
      createdBetween: (from, to) => between.all(from, to, ...typeArgs) as number[],
      nextCreatedAfter: (from) => next.get(from, ...typeArgs) as string | undefined,
    };
  }
}
