import type Database from 'better-sqlite3';
import { TaskStatus, type Task, type TaskCounts } from '../../shared/api.js';
import { OPEN_STATUSES, RETRYABLE_STATUSES } from '../../shared/task-status.js';
import { SQL_NOW, fromSqlTime } from './time.js';
import { UserError } from '../user-error.js';

/** Priorities run from 0 (whenever) to 10 (now); the seed calls ≥ 7 high. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 10;
export const DEFAULT_PRIORITY = 5;

/** Columns the task core may write on a workflow's behalf (database steps and their rollback). */
export const TASK_FIELD_COLUMNS = ['type', 'title', 'prompt', 'priority', 'status', 'project_id', 'assigned_to', 'assigned_at', 'started_at', 'completed_at', 'metadata', 'attempts', 'not_before', 'last_error'] as const;
export type TaskFields = Partial<Record<(typeof TASK_FIELD_COLUMNS)[number], unknown>>;

export interface NewTask {
  type: string;
  title: string;
  prompt?: string;
  priority?: number;
  projectId?: number | null;
  metadata?: Record<string, unknown> | null;
  /** Task ids it waits on (checked to exist by the caller's transaction). */
  dependsOn?: readonly number[];
  /** Blocked from the start (it waits on unfinished tasks), with why. */
  blockedBecause?: string | null;
}

/** A task another waits on, as the dependant sees it. */
export interface Dependency {
  id: number;
  title: string;
  status: TaskStatus;
  statusReason: string | null;
}

export interface TaskEvent {
  at: string;
  fromStatus: TaskStatus | null;
  toStatus: TaskStatus;
  reason: string | null;
}

export class TaskNotFoundError extends UserError {
  constructor(readonly taskId: number) {
    super(`task ${taskId} does not exist`);
    this.name = 'TaskNotFoundError';
  }
}

export class TaskFinishedError extends UserError {
  constructor(readonly taskId: number, readonly status: TaskStatus) {
    super(`task ${taskId} is already ${status}; only ${OPEN_STATUSES.join(', ')} tasks can be cancelled`);
    this.name = 'TaskFinishedError';
  }
}

export class InvalidTaskError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTaskError';
  }
}

/** A row of `tasks` as SQLite returns it. */
export interface TaskRow {
  id: number;
  type: string;
  title: string;
  prompt: string;
  priority: number;
  status: TaskStatus;
  project_id: number | null;
  assigned_to: string | null;
  created_at: string;
  updated_at: string;
  assigned_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  attempts: number;
  status_reason: string | null;
  hold_reason: string | null;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    prompt: row.prompt,
    priority: row.priority,
    status: row.status,
    projectId: row.project_id,
    assignedTo: row.assigned_to,
    // The API speaks ISO 8601 UTC; the database keeps SQLite's own format (see time.ts).
    createdAt: fromSqlTime(row.created_at),
    updatedAt: fromSqlTime(row.updated_at),
    assignedAt: fromSqlTime(row.assigned_at),
    startedAt: fromSqlTime(row.started_at),
    completedAt: fromSqlTime(row.completed_at),
    attempts: row.attempts,
    statusReason: row.status_reason,
    holdReason: row.hold_reason,
  };
}

export function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new InvalidTaskError(`priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${priority}`);
  }
  return priority;
}

/**
 * The blocked tasks waiting on a task (a task finishing settles them). `+t.status`: the
 * planner must start from the dependency index; with the status index it read every
 * blocked task per call (30k on the 1M seed, ~9 ms a call, on the console's thread for
 * each task that finishes). test/integration/store/blocked-dependants.test.ts checks the plan.
 */
export const BLOCKED_DEPENDANTS_SQL = `SELECT d.task_id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id WHERE d.depends_on = ? AND +t.status = 'blocked'`;

/** Tasks on the writer connection. Every change is one statement or one transaction. */
export class TaskRepository {
  private readonly insert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly countRows: Database.Statement;
  private readonly cancelOpen: Database.Statement;
  private readonly priorityUpdate: Database.Statement;
  private readonly requeue: Database.Statement;
  private readonly events: Database.Statement;
  private readonly dependencyInsert: Database.Statement;
  private readonly dependencyRows: Database.Statement;
  private readonly dependantRows: Database.Statement;
  private readonly holdStmt: Database.Statement;
  private readonly unholdStmt: Database.Statement;
  private readonly unblockStmt: Database.Statement;
  private readonly blockedReasonStmt: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO tasks(type, title, prompt, priority, project_id, metadata, status, status_reason)
       VALUES (@type, @title, @prompt, @priority, @projectId, @metadata, @status, @statusReason) RETURNING *`,
    );
    this.dependencyInsert = db.prepare('INSERT OR IGNORE INTO task_dependencies(task_id, depends_on) VALUES (?, ?)');
    this.dependencyRows = db.prepare(
      `SELECT t.id, t.title, t.status, t.status_reason AS statusReason FROM task_dependencies d JOIN tasks t ON t.id = d.depends_on
       WHERE d.task_id = ? ORDER BY t.id`,
    );
    this.dependantRows = db.prepare(BLOCKED_DEPENDANTS_SQL).pluck();
    // Held from any open status; a session holding it is free again (blocked is not a holding status).
    this.holdStmt = db.prepare(
      `UPDATE tasks SET status = 'blocked', hold_reason = @hold, status_reason = @reason, assigned_at = NULL, started_at = NULL,
         route_to = NULL, updated_at = ${SQL_NOW}
       WHERE id = @id AND status IN (${OPEN_STATUSES.map((st) => `'${st}'`).join(',')}) RETURNING *`,
    );
    this.unholdStmt = db.prepare(`UPDATE tasks SET hold_reason = NULL, status_reason = @reason, updated_at = ${SQL_NOW} WHERE id = @id AND hold_reason IS NOT NULL RETURNING *`);
    this.unblockStmt = db.prepare(
      `UPDATE tasks SET status = 'pending', status_reason = @reason, not_before = NULL, updated_at = ${SQL_NOW}
       WHERE id = @id AND status = 'blocked' AND hold_reason IS NULL RETURNING *`,
    );
    this.blockedReasonStmt = db.prepare(`UPDATE tasks SET status_reason = @reason, updated_at = ${SQL_NOW} WHERE id = @id AND status = 'blocked'`);
    this.byId = db.prepare('SELECT * FROM tasks WHERE id = ?');
    this.countRows = db.prepare('SELECT status, n FROM task_counts');
    this.cancelOpen = db.prepare(
      `UPDATE tasks SET status = 'cancelled', status_reason = @reason, completed_at = ${SQL_NOW}, updated_at = ${SQL_NOW}
       WHERE id = @id AND status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(',')}) RETURNING *`,
    );
    this.requeue = db.prepare(
      `UPDATE tasks SET status = 'pending', status_reason = @reason, assigned_to = NULL, assigned_at = NULL, started_at = NULL,
         completed_at = NULL, not_before = NULL, hold_reason = NULL, attempts = 0, last_error = NULL, updated_at = ${SQL_NOW}
       WHERE id = @id AND status IN (${RETRYABLE_STATUSES.map((s) => `'${s}'`).join(',')}) RETURNING *`,
    );
    this.priorityUpdate = db.prepare(`UPDATE tasks SET priority = ?, updated_at = ${SQL_NOW} WHERE id = ? RETURNING *`);
    this.events = db.prepare(
      'SELECT at, from_status AS fromStatus, to_status AS toStatus, reason FROM task_events WHERE task_id = ? ORDER BY id',
    );
  }

  add(task: NewTask): Task {
    const type = task.type.trim();
    const title = task.title.trim();
    if (!type) throw new InvalidTaskError('a task needs a type');
    if (!title) throw new InvalidTaskError('a task needs a title');
    const insert = (): TaskRow => {
      const row = this.insert.get({
        type,
        title,
        prompt: task.prompt ?? '',
        priority: checkPriority(task.priority ?? DEFAULT_PRIORITY),
        projectId: task.projectId ?? null,
        metadata: task.metadata ? JSON.stringify(task.metadata) : null,
        status: task.blockedBecause ? 'blocked' : 'pending',
        statusReason: task.blockedBecause ?? null,
      }) as TaskRow;
      for (const on of task.dependsOn ?? []) this.dependencyInsert.run(row.id, on);
      return row;
    };
    return taskFromRow(task.dependsOn?.length ? this.db.transaction(insert)() : insert());
  }

  /** The tasks this one waits on, in id order. */
  dependencies(id: number): Dependency[] {
    return this.dependencyRows.all(id) as Dependency[];
  }

  /** Blocked tasks waiting on this one. */
  blockedDependants(id: number): number[] {
    return this.dependantRows.all(id) as number[];
  }

  /** Blocks an open task with the operator's reason; null when it is not open. */
  hold(id: number, hold: string, reason: string): Task | null {
    const row = this.holdStmt.get({ id, hold, reason }) as TaskRow | undefined;
    return row ? taskFromRow(row) : null;
  }

  /** Clears the operator's hold (the status is the caller's next step); null when it was not held. */
  unhold(id: number, reason: string): Task | null {
    const row = this.unholdStmt.get({ id, reason }) as TaskRow | undefined;
    return row ? taskFromRow(row) : null;
  }

  /** blocked → pending, unless an operator holds it; null when nothing changed. */
  unblock(id: number, reason: string): Task | null {
    const row = this.unblockStmt.get({ id, reason }) as TaskRow | undefined;
    return row ? taskFromRow(row) : null;
  }

  /** Says why a blocked task still waits (no status change, so no history row). */
  setBlockedReason(id: number, reason: string): void {
    this.blockedReasonStmt.run({ id, reason });
  }

  /** The raw columns of a task (a workflow step's view of it), or null. */
  fields(id: number): (Record<string, unknown> & { id: number; status: TaskStatus }) | null {
    return (this.byId.get(id) as (Record<string, unknown> & { id: number; status: TaskStatus }) | undefined) ?? null;
  }

  /**
   * Writes named columns of one task (the task core checked the status change);
   * `reason` goes to the history row a status change leaves. Objects are stored as JSON.
   */
  writeFields(id: number, fields: TaskFields, reason: string): void {
    const names = Object.keys(fields);
    for (const name of names) {
      if (!(TASK_FIELD_COLUMNS as readonly string[]).includes(name)) throw new InvalidTaskError(`tasks has no writable column "${name}" (allowed: ${TASK_FIELD_COLUMNS.join(', ')})`);
    }
    if (names.length === 0) return;
    if (fields.priority !== undefined && fields.priority !== null) checkPriority(Number(fields.priority));
    const sets = names.map((n) => `"${n}" = @${n}`).join(', ');
    const values = Object.fromEntries(names.map((n) => [n, bindable((fields as Record<string, unknown>)[n])]));
    this.db.prepare(`UPDATE tasks SET ${sets}, status_reason = @__reason, updated_at = ${SQL_NOW} WHERE id = @__id`).run({ ...values, __reason: reason, __id: id });
  }

  get(id: number): Task | null {
    const row = this.byId.get(id) as TaskRow | undefined;
    return row ? taskFromRow(row) : null;
  }

  /** Queue order: highest priority first, oldest first within a priority. */
  list(filter: { status?: TaskStatus; limit?: number; offset?: number } = {}): { tasks: Task[]; total: number } {
    const limit = filter.limit ?? 100;
    const offset = filter.offset ?? 0;
    const where = filter.status ? 'WHERE status = ?' : '';
    const args = filter.status ? [filter.status] : [];
    const rows = this.db
      .prepare(`SELECT * FROM tasks ${where} ORDER BY priority DESC, created_at ASC, id ASC LIMIT ? OFFSET ?`)
      .all(...args, limit, offset) as TaskRow[];
    const counts = this.counts();
    const total = filter.status ? counts[filter.status] : Object.values(counts).reduce((a, b) => a + b, 0);
    return { tasks: rows.map(taskFromRow), total };
  }

  /** From task_counts, kept by triggers: O(1) whatever the number of tasks. */
  counts(): Record<TaskStatus, number> {
    const counts = Object.fromEntries(TaskStatus.options.map((s) => [s, 0])) as Record<TaskStatus, number>;
    for (const { status, n } of this.countRows.all() as { status: TaskStatus; n: number }[]) counts[status] = n;
    return counts satisfies TaskCounts;
  }

  cancel(id: number, reason = 'cancelled by operator'): Task {
    const row = this.cancelOpen.get({ id, reason }) as TaskRow | undefined;
    if (row) return taskFromRow(row);
    const current = this.get(id);
    if (!current) throw new TaskNotFoundError(id);
    throw new TaskFinishedError(id, current.status);
  }

  /** Puts a failed, cancelled or blocked task back in the queue. */
  retry(id: number, reason = 'retried by operator'): Task {
    const row = this.requeue.get({ id, reason }) as TaskRow | undefined;
    if (row) return taskFromRow(row);
    const current = this.get(id);
    if (!current) throw new TaskNotFoundError(id);
    throw new InvalidTaskError(`task ${id} is ${current.status}; only ${RETRYABLE_STATUSES.join(', ')} tasks can be retried`);
  }

  setPriority(id: number, priority: number): Task {
    const row = this.priorityUpdate.get(checkPriority(priority), id) as TaskRow | undefined;
    if (!row) throw new TaskNotFoundError(id);
    return taskFromRow(row);
  }

  /** Creation first, then every status change with its reason. */
  history(id: number): TaskEvent[] {
    const task = this.get(id);
    if (!task) throw new TaskNotFoundError(id);
    // Same time format as the Task it belongs to (ISO 8601 UTC in the API).
    const changes = (this.events.all(id) as TaskEvent[]).map((e) => ({ ...e, at: fromSqlTime(e.at) }));
    // A task is created in the status its first change left (seeded tasks may have none).
    const createdAs = changes[0]?.fromStatus ?? task.status;
    return [{ at: task.createdAt, fromStatus: null, toStatus: createdAs, reason: 'created' }, ...changes];
  }
}

/** SQLite binds numbers, strings, null and buffers; objects (metadata) are stored as JSON. */
/** A value as a statement binds it: booleans as 1/0, objects (metadata) as their JSON. */
export function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) return JSON.stringify(value);
  return value;
}
