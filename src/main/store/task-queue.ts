// The assigner's statements on the writer connection. Every status change is one
// statement guarded by the status it expects, so two consoles or CLIs on one
// database can race and at most one of them wins; `changes` says which.
import type Database from 'better-sqlite3';
import type { TaskStatus } from '../../shared/api.js';
import { isHeldStatus } from '../../shared/task-status.js';
import type { PendingTask } from '../routing/types.js';
import type { Store } from './store.js';
import { fromSqlTime, toSqlTime } from './time.js';
import { HELD_SQL, OPEN_SQL } from './status-sql.js';
import { CLEAR_CURRENT_TASK_SQL } from './sessions.js';

const HOLDING_SQL = HELD_SQL;
/** Ids per `IN (…)` read. */
const IDS_PER_READ = 500;
/** heldBy statements kept (one per list length seen; a fleet's size moves a little at a time). */
const MAX_HELD_BY_STATEMENTS = 16;

/** A task that holds a session (assigned or in progress), as the lifecycle reads it. */
export interface HeldTask {
  id: number;
  type: string;
  status: 'assigned' | 'in_progress';
  session: string;
  assignedAt: string;
  startedAt: string | null;
  attempts: number;
}

/** What a claimed task needs for its dispatch. */
export interface ClaimedTask {
  id: number;
  type: string;
  prompt: string;
  projectPath: string | null;
  metadata: Record<string, unknown>;
  /** Store timestamp of when it was queued. */
  createdAt: string;
  /** Dispatches tried before this one (failed deliveries, exits, timeouts). */
  attempts: number;
}

/** What `sendTo` did: sent (taken back from another session, or queued for this one), already there, or refused (gone, finished, blocked). */
export interface SendToResult {
  outcome: 'sent' | 'already' | 'refused';
  reason: string;
}

export interface DecisionRecord {
  kind: 'route' | 'dispatch' | 'lifecycle' | 'timeout' | 'sla' | 'answer';
  taskId: number | null;
  session: string | null;
  decision: string;
  reason: string;
}

interface ClaimedRow extends Omit<ClaimedTask, 'metadata' | 'projectPath'> {
  metadata: string | null;
  projectId: number | null;
}

// The lifecycle's guarded statements as text: prepared here on the writer, and run as
// they are by the write worker (write-worker.ts) for the start-up recovery.
// assigned_to stays on a requeue: the history says who had it; only the holding statuses count for claims.
const REQUEUE_SQL = `UPDATE tasks SET status = 'pending', updated_at = @now, status_reason = @reason, last_error = coalesce(@error, last_error),
   attempts = attempts + @charge, not_before = @notBefore, assigned_at = NULL, started_at = NULL, route_to = @routeTo
 WHERE id = @id AND status IN (${HOLDING_SQL}) AND assigned_to = @session`;
// Out of attempts: the last try's reason is the task's, and it stays failed until retried.
const FAIL_SQL = `UPDATE tasks SET status = 'failed', updated_at = @now, completed_at = @now, status_reason = @reason, last_error = @error,
   attempts = attempts + 1, not_before = NULL, route_to = NULL
 WHERE id = @id AND status IN (${HOLDING_SQL}) AND assigned_to = @session`;
/**
 * The extra guard of a write decided on rows read earlier (another connection, another
 * transaction): the session still holds the task *since the same moment*. A task given
 * back and claimed again by the same session meanwhile is a new try, not the timed-out one.
 */
const SAME_HOLD_SQL = ' AND assigned_at = @assignedAt';
const DECISION_SQL = 'INSERT INTO decisions(at, kind, task_id, session_id, decision, reason) VALUES (?, ?, ?, ?, ?, ?)';

/** A guarded statement and, when it changed a row, the statements that go with it (one transaction). */
export interface GuardedStep {
  sql: string;
  params: Record<string, unknown>;
  then: Array<{ sql: string; params: unknown[] | Record<string, unknown> }>;
}

const PENDING_COLUMNS = 'id, type, priority, created_at, not_before, route_to, urgent';
/** PENDING_COLUMNS as a raw row. */
type PendingRow = [number, string, number, string, string | null, string | null, number];

export class TaskQueue {
  private readonly heldByStatements = new Map<number, Database.Statement>();
  private readonly pending: Database.Statement;
  private readonly pendingOthers: Database.Statement;
  private readonly pendingOfType: Database.Statement;
  private readonly pendingUrgent: Database.Statement;
  private readonly urgentStmt: Database.Statement;
  private readonly held: Database.Statement;
  private readonly claimStmt: Database.Statement;
  private readonly metadataRow: Database.Statement;
  private readonly heldEnvRows: Database.Statement;
  /** heldSinceAmong's statement per number of types (prepared once each). */
  private readonly overdueAmongStmts = new Map<number, Database.Statement>();
  private readonly oldestHeldStmt: Database.Statement;
  private readonly projectPathStmt: Database.Statement;
  private readonly startStmt: Database.Statement;
  private readonly completeStmt: Database.Statement;
  private readonly requeueStmt: Database.Statement;
  private readonly eventsAfterStmt: Database.Statement;
  private readonly lastEventStmt: Database.Statement;
  private readonly failStmt: Database.Statement;
  private readonly decisionStmt: Database.Statement;
  private readonly metadataStmt: Database.Statement;
  private readonly routeToStmt: Database.Statement;
  private readonly holderStmt: Database.Statement;
  private readonly statusStmt: Database.Statement;
  private readonly attemptsStmt: Database.Statement;
  private readonly loadStmt: Database.Statement;

  constructor(private readonly store: Store) {
    const db = store.writer;
    // The partial order matches idx_tasks_pending_priority, so no sort over the whole queue.
    this.pending = db.prepare(
      `SELECT ${PENDING_COLUMNS} FROM tasks WHERE status = 'pending'
       ORDER BY priority DESC, created_at LIMIT ?`,
    ).raw();
    // The same without the urgent types, which are read type by type (idx_tasks_queue_type).
    this.pendingOthers = db.prepare(
      `SELECT ${PENDING_COLUMNS} FROM tasks WHERE status = 'pending' AND type NOT IN (SELECT value FROM json_each(?))
       ORDER BY priority DESC, created_at LIMIT ?`,
    ).raw();
    this.pendingOfType = db.prepare(
      `SELECT ${PENDING_COLUMNS} FROM tasks WHERE status = 'pending' AND type = ?
       ORDER BY priority DESC, created_at LIMIT ?`,
    ).raw();
    // Tasks routed ahead of the queue (migration 016's partial index: only these rows).
    this.pendingUrgent = db.prepare(
      `SELECT ${PENDING_COLUMNS} FROM tasks INDEXED BY idx_tasks_pending_urgent WHERE status = 'pending' AND urgent = 1
       ORDER BY priority DESC, created_at LIMIT ?`,
    ).raw();
    this.urgentStmt = db.prepare(`UPDATE tasks SET urgent = 1, updated_at = @now WHERE id = @id AND urgent = 0 AND status IN (${OPEN_SQL})`);
    this.eventsAfterStmt = db.prepare('SELECT id, task_id AS taskId FROM task_events WHERE id > ? ORDER BY id LIMIT ?');
    this.lastEventStmt = db.prepare('SELECT coalesce(max(id), 0) FROM task_events').pluck();
    this.held = db.prepare(
      `SELECT id, type, status, assigned_to AS session, assigned_at AS assignedAt, started_at AS startedAt, attempts
       FROM tasks WHERE status IN (${HOLDING_SQL}) AND assigned_to IS NOT NULL`,
    );
    // The whole guarantee in one statement: still pending, and the session holds nothing.
    // The guard is one seek in idx_tasks_held (migration 010), which lists only the
    // tasks held now, never the session's history.
    this.claimStmt = db.prepare(
      `UPDATE tasks SET status = 'assigned', assigned_to = @session, assigned_at = @now, updated_at = @now,
         started_at = NULL, completed_at = NULL, status_reason = @reason, route_to = NULL
       WHERE id = @id AND status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM tasks WHERE status IN (${HOLDING_SQL}) AND assigned_to = @session)
       RETURNING id, type, prompt, metadata, attempts, created_at AS createdAt, project_id AS projectId`,
    );
    this.metadataRow = db.prepare('SELECT metadata FROM tasks WHERE id = ?').pluck();
    // Migration 014's partial index (INDEXED BY: with few rows the planner would pick the status index and walk every pending task).
    this.heldEnvRows = db.prepare(`SELECT id, metadata FROM tasks INDEXED BY idx_tasks_held_env WHERE status IN ('assigned', 'in_progress') AND instr(metadata, '"env"') > 0`);
    // Migration 017's idx_tasks_held_since: a type's held tasks by assignment time.
    this.oldestHeldStmt = db.prepare(
      `SELECT min(assigned_at) FROM tasks INDEXED BY idx_tasks_held_since WHERE status IN ('assigned', 'in_progress') AND type = ? AND assigned_to IS NOT NULL`,
    ).pluck();
    this.projectPathStmt = db.prepare('SELECT path FROM projects WHERE id = ?').pluck();
    this.startStmt = db.prepare(
      `UPDATE tasks SET status = 'in_progress', started_at = @now, updated_at = @now, status_reason = @reason
       WHERE id = @id AND status = 'assigned' AND assigned_to = @session`,
    );
    this.completeStmt = db.prepare(
      `UPDATE tasks SET status = 'completed', completed_at = @now, updated_at = @now, status_reason = @reason
       WHERE id = @id AND status IN (${HOLDING_SQL}) AND assigned_to = @session`,
    );
    this.requeueStmt = db.prepare(REQUEUE_SQL);
    this.failStmt = db.prepare(FAIL_SQL);
    this.decisionStmt = db.prepare(DECISION_SQL);
    this.routeToStmt = db.prepare(`UPDATE tasks SET route_to = @session, updated_at = @now WHERE id = @id AND status = 'pending'`);
    this.holderStmt = db.prepare('SELECT status, assigned_to AS holder FROM tasks WHERE id = ?');
    this.metadataStmt = db.prepare(`UPDATE tasks SET metadata = @metadata, updated_at = @now WHERE id = @id`);
    this.statusStmt = db.prepare('SELECT status FROM tasks WHERE id = ?').pluck();
    this.attemptsStmt = db.prepare('SELECT attempts FROM tasks WHERE id = ?').pluck();
    // Held now (idx_tasks_held) plus finished since (idx_tasks_recent_completed): the
    // rows of the window only, never the whole history. Named, because without
    // statistics SQLite prefers the status index, which lists every completed task.
    this.loadStmt = db.prepare(
      `SELECT session, COUNT(*) AS n FROM (
         SELECT assigned_to AS session FROM tasks WHERE status IN (${HOLDING_SQL}) AND assigned_to IS NOT NULL
         UNION ALL
         SELECT assigned_to FROM tasks INDEXED BY idx_tasks_recent_completed
         WHERE status = 'completed' AND completed_at >= ? AND assigned_to IS NOT NULL
       ) GROUP BY session`,
    );
  }

  /**
   * The head of the queue as the router orders it, `limit` tasks (the rest waits for
   * a later round): tasks of the `urgent` types come before all others whatever
   * their priority, so each urgent type's head is read on its own, then the others'
   * head fills up to `limit`. Not sorted: the router sorts.
   */
  pendingTasks(limit: number, urgent: readonly string[] = []): PendingTask[] {
    // Tasks marked urgent come first (a few, read through their own index), then the
    // urgent types' heads, then the rest; a marked task met again there is skipped.
    let rows = this.pendingUrgent.all(limit) as PendingRow[];
    const unmarked = rows.length ? (r: PendingRow) => r[6] !== 1 : () => true;
    if (rows.length < limit) {
      if (urgent.length === 0) rows = rows.concat((this.pending.all(limit) as PendingRow[]).filter(unmarked)).slice(0, limit);
      else {
        rows = rows.concat(urgent.flatMap((type) => (this.pendingOfType.all(type, limit) as PendingRow[]).filter(unmarked)));
        // Urgent ones beyond `limit` would rank before every other task: read no others then.
        if (rows.length < limit) rows = rows.concat((this.pendingOthers.all(JSON.stringify(urgent), limit) as PendingRow[]).filter(unmarked).slice(0, limit - rows.length));
      }
    }
    // Rows as arrays: a round reads up to thousands, and better-sqlite3 builds them faster than objects.
    return rows.map(([id, type, priority, createdAt, notBefore, routeTo, flagged]) => ({
      id,
      type,
      priority,
      createdAt: fromSqlTime(createdAt),
      notBefore: notBefore ? fromSqlTime(notBefore) : null,
      routeTo,
      ...(flagged === 1 ? { urgent: true } : {}),
    }));
  }

  /** Marks an open task urgent (ahead of the queue); false when it is finished, gone or already urgent. */
  markUrgent(taskId: number, now: Date): boolean {
    return this.urgentStmt.run({ id: taskId, now: toSqlTime(now) }).changes === 1;
  }

  heldTasks(): HeldTask[] {
    return this.held.all() as HeldTask[];
  }

  /** The tasks these sessions hold now (idx_tasks_held: only held tasks are in it). */
  heldBy(sessions: readonly string[]): HeldTask[] {
    const out: HeldTask[] = [];
    for (let i = 0; i < sessions.length; i += IDS_PER_READ) {
      const chunk = sessions.slice(i, i + IDS_PER_READ);
      out.push(...(this.heldByStatement(chunk.length).all(...chunk) as HeldTask[]));
    }
    return out;
  }

  /**
   * The statement for that many names, prepared once: a round asks 2–3 times for the
   * ~100 sessions it sees, and preparing each time was ~600 ms of the main thread in a
   * run on the 1M seed (at load ~20). The number of sessions changes rarely.
   */
  private heldByStatement(names: number): Database.Statement {
    let stmt = this.heldByStatements.get(names);
    if (!stmt) {
      stmt = this.store.writer.prepare(
        `SELECT id, type, status, assigned_to AS session, assigned_at AS assignedAt, started_at AS startedAt, attempts
         FROM tasks INDEXED BY idx_tasks_held WHERE assigned_to IN (${Array.from({ length: names }, () => '?').join(',')}) AND status IN ('assigned', 'in_progress')`,
      );
      if (this.heldByStatements.size >= MAX_HELD_BY_STATEMENTS) this.heldByStatements.clear();
      this.heldByStatements.set(names, stmt);
    }
    return stmt;
  }

  /**
   * Held tasks of these types assigned before each one's bound, oldest first across
   * them, at most `limit`: one statement, each type's oldest `limit` from
   * idx_tasks_held_since and the oldest `limit` of those returned. A recovery round used
   * to read `limit` rows per type into JavaScript (10 types: 500 rows) and keep 50.
   */
  heldSinceAmong(bounds: ReadonlyArray<{ type: string; before: Date }>, limit: number): HeldTask[] {
    if (bounds.length === 0) return [];
    const read = heldSinceAmongRead(bounds, limit);
    let stmt = this.overdueAmongStmts.get(bounds.length);
    if (!stmt) {
      stmt = this.store.writer.prepare(read.sql);
      this.overdueAmongStmts.set(bounds.length, stmt);
    }
    return stmt.all(read.params) as HeldTask[];
  }

  /** When the longest-held task of a type was assigned (store time), or null when none is held. */
  oldestHeld(type: string): string | null {
    return (this.oldestHeldStmt.get(type) as string | null | undefined) ?? null;
  }

  /** Those of these tasks held now (the rest finished, went back, or never were). */
  heldAmong(ids: readonly number[]): HeldTask[] {
    const out: HeldTask[] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_READ) {
      const chunk = ids.slice(i, i + IDS_PER_READ);
      const sql = `SELECT id, type, status, assigned_to AS session, assigned_at AS assignedAt, started_at AS startedAt, attempts
         FROM tasks WHERE id IN (${chunk.map(() => '?').join(',')}) AND status IN (${HOLDING_SQL}) AND assigned_to IS NOT NULL`;
      out.push(...(this.store.writer.prepare(sql).all(...chunk) as HeldTask[]));
    }
    return out;
  }

  /** Tasks whose status changed after event `cursor` (task_events, whoever changed it), oldest first. */
  statusChangesAfter(cursor: number, limit: number): Array<{ id: number; taskId: number }> {
    return this.eventsAfterStmt.all(cursor, limit) as Array<{ id: number; taskId: number }>;
  }

  /** The last status change so far (a cursor for statusChangesAfter). */
  lastStatusChange(): number {
    return this.lastEventStmt.get() as number;
  }

  /** Tasks each session holds now or finished since `since`, for least_loaded. */
  recentLoad(since: Date): Map<string, number> {
    const rows = this.loadStmt.all(toSqlTime(since)) as { session: string; n: number }[];
    return new Map(rows.map((r) => [r.session, r.n]));
  }

  status(taskId: number): TaskStatus | null {
    return (this.statusStmt.get(taskId) as TaskStatus | undefined) ?? null;
  }

  /** Claims the task for the session in one transaction with its decision; null when someone else won. */
  claim(taskId: number, session: string, reason: string, now: Date): ClaimedTask | null {
    return this.claimMany([{ taskId, session, reason }], [], now)[0] ?? null;
  }

  /**
   * One transaction (one commit) for a round: the decision rows in `notes`, then
   * each claim as its own guarded statement with its "assigned" decision. A claim
   * another console or CLI won meanwhile is simply not in the result.
   */
  claimMany(claims: ReadonlyArray<{ taskId: number; session: string; reason: string }>, notes: readonly DecisionRecord[], now: Date): ClaimedTask[] {
    if (claims.length === 0 && notes.length === 0) return [];
    const at = toSqlTime(now);
    return this.store.transaction(() => {
      for (const n of notes) this.decisionStmt.run(at, n.kind, n.taskId, n.session, n.decision, n.reason);
      const claimed: ClaimedTask[] = [];
      for (const c of claims) {
        const row = this.claimStmt.get({ id: c.taskId, session: c.session, now: at, reason: c.reason }) as ClaimedRow | undefined;
        if (!row) continue;
        this.decisionStmt.run(at, 'route', c.taskId, c.session, 'assigned', c.reason);
        claimed.push({
          id: row.id,
          type: row.type,
          prompt: row.prompt,
          attempts: row.attempts,
          createdAt: row.createdAt,
          metadata: parseMetadata(row.metadata),
          projectPath: row.projectId === null ? null : ((this.projectPathStmt.get(row.projectId) as string | undefined) ?? null),
        });
      }
      return claimed;
    });
  }

  start(taskId: number, session: string, reason: string, now: Date): boolean {
    return this.step(this.startStmt, taskId, session, reason, now, 'in_progress');
  }

  complete(taskId: number, session: string, reason: string, now: Date): boolean {
    return this.step(this.completeStmt, taskId, session, reason, now, 'completed');
  }

  /**
   * Back to the queue, one attempt more; `notBefore` delays the next dispatch (a
   * back-off); `routeTo` sends it to that session only (see migration 009).
   */
  requeue(
    taskId: number,
    session: string,
    r: { reason: string; error: string | null; notBefore: Date | null; kind: DecisionRecord['kind']; routeTo?: string | null; charge?: boolean },
    now: Date,
  ): boolean {
    return this.store.transaction(() => {
      const changed = this.requeueStmt.run({
        id: taskId,
        session,
        now: toSqlTime(now),
        reason: r.reason,
        error: r.error,
        notBefore: r.notBefore ? toSqlTime(r.notBefore) : null,
        routeTo: r.routeTo ?? null,
        charge: r.charge === false ? 0 : 1,
      }).changes;
      if (changed > 0) this.record({ kind: r.kind, taskId, session, decision: 'requeued', reason: r.reason }, now);
      return changed > 0;
    });
  }

  /**
   * requeue() as data, for a writer on another connection (write-worker.ts): the same
   * guarded statement and decision row, plus the session's current task cleared (what
   * TaskService does after a change), guarded also by when the session took the task.
   */
  requeueStep(
    task: Pick<HeldTask, 'id' | 'session' | 'assignedAt'>,
    r: { reason: string; error: string | null; notBefore: Date | null; kind: DecisionRecord['kind']; routeTo?: string | null; charge?: boolean },
    now: Date,
  ): GuardedStep {
    const at = toSqlTime(now);
    return {
      sql: REQUEUE_SQL + SAME_HOLD_SQL,
      params: {
        id: task.id,
        session: task.session,
        assignedAt: task.assignedAt,
        now: at,
        reason: r.reason,
        error: r.error,
        notBefore: r.notBefore ? toSqlTime(r.notBefore) : null,
        routeTo: r.routeTo ?? null,
        charge: r.charge === false ? 0 : 1,
      },
      then: [
        { sql: DECISION_SQL, params: [at, r.kind, task.id, task.session, 'requeued', r.reason] },
        { sql: CLEAR_CURRENT_TASK_SQL, params: [task.id] },
      ],
    };
  }

  /** fail() as data (see requeueStep). */
  failStep(task: Pick<HeldTask, 'id' | 'session' | 'assignedAt'>, r: { reason: string; error: string | null; kind: DecisionRecord['kind'] }, now: Date): GuardedStep {
    const at = toSqlTime(now);
    return {
      sql: FAIL_SQL + SAME_HOLD_SQL,
      params: { id: task.id, session: task.session, assignedAt: task.assignedAt, now: at, reason: r.reason, error: r.error },
      then: [
        { sql: DECISION_SQL, params: [at, r.kind, task.id, task.session, 'failed', r.reason] },
        { sql: CLEAR_CURRENT_TASK_SQL, params: [task.id] },
      ],
    };
  }

  /** Held → failed (its retry budget is spent), with the decision; false when the session no longer holds it. */
  fail(taskId: number, session: string, r: { reason: string; error: string | null; kind: DecisionRecord['kind'] }, now: Date): boolean {
    return this.store.transaction(() => {
      const changed = this.failStmt.run({ id: taskId, session, now: toSqlTime(now), reason: r.reason, error: r.error }).changes;
      if (changed > 0) this.record({ kind: r.kind, taskId, session, decision: 'failed', reason: r.reason }, now);
      return changed > 0;
    });
  }

  /** Tries used so far (null: no such task). */
  attempts(taskId: number): number | null {
    return (this.attemptsStmt.get(taskId) as number | undefined) ?? null;
  }

  /**
   * Sends a task to one session by name (an SLA reassign, a workflow): taken back
   * from another session holding it, then given only to `session` (route_to).
   * One transaction; says what it did, in words for the decision trail.
   */
  sendTo(taskId: number, session: string, by: { kind: DecisionRecord['kind']; who: string }, now: Date): SendToResult {
    return this.store.transaction(() => {
      const row = this.holderStmt.get(taskId) as { status: TaskStatus; holder: string | null } | undefined;
      if (!row) return { outcome: 'refused', reason: `task ${taskId} does not exist` };
      const holder = isHeldStatus(row.status) ? row.holder : null;
      if (holder === session) return { outcome: 'already', reason: `already with ${session}` };
      if (holder !== null) {
        const reason = `back to the queue: ${by.who} sent it to ${session}, taken from ${holder}`;
        this.requeue(taskId, holder, { reason, error: null, notBefore: null, kind: by.kind, routeTo: session, charge: false }, now);
        return { outcome: 'sent', reason };
      }
      if (row.status !== 'pending') return { outcome: 'refused', reason: `the task is ${row.status}` };
      const reason = `queued for ${session}: ${by.who} sent it there`;
      this.routeToStmt.run({ id: taskId, session, now: toSqlTime(now) });
      this.record({ kind: by.kind, taskId, session, decision: 'route_to', reason }, now);
      return { outcome: 'sent', reason };
    });
  }

  setMetadata(taskId: number, metadata: Record<string, unknown>, now: Date): void {
    this.metadataStmt.run({ id: taskId, metadata: JSON.stringify(metadata), now: toSqlTime(now) });
  }

  /** The metadata of the held tasks that may have an environment (metadata mentions "env"): one query, through idx_tasks_held_env. */
  heldMetadataWithEnv(): Array<{ id: number; metadata: Record<string, unknown> }> {
    return (this.heldEnvRows.all() as Array<{ id: number; metadata: string | null }>).map((r) => ({ id: r.id, metadata: parseMetadata(r.metadata) }));
  }

  metadata(taskId: number): Record<string, unknown> {
    return parseMetadata((this.metadataRow.get(taskId) as string | null | undefined) ?? null);
  }

  record(d: DecisionRecord, now: Date): void {
    this.decisionStmt.run(toSqlTime(now), d.kind, d.taskId, d.session, d.decision, d.reason);
  }

  private step(stmt: Database.Statement, taskId: number, session: string, reason: string, now: Date, decision: string): boolean {
    return this.store.transaction(() => {
      const changed = stmt.run({ id: taskId, session, now: toSqlTime(now), reason }).changes;
      if (changed > 0) this.record({ kind: 'lifecycle', taskId, session, decision, reason }, now);
      return changed > 0;
    });
  }
}

/** heldSinceAmong's statement and parameters (also run by the write worker, on its own connection). */
export function heldSinceAmongRead(bounds: ReadonlyArray<{ type: string; before: Date }>, limit: number): { sql: string; params: unknown[] } {
  const one = `SELECT * FROM (SELECT id, type, status, assigned_to, assigned_at, started_at, attempts
     FROM tasks INDEXED BY idx_tasks_held_since WHERE status IN ('assigned', 'in_progress') AND type = ? AND assigned_at < ? AND assigned_to IS NOT NULL
     ORDER BY assigned_at LIMIT ?)`;
  return {
    sql: `SELECT id, type, status, assigned_to AS session, assigned_at AS assignedAt, started_at AS startedAt, attempts
     FROM (${bounds.map(() => one).join(' UNION ALL ')}) ORDER BY assigned_at, id LIMIT ?`,
    params: [...bounds.flatMap((b) => [b.type, toSqlTime(b.before), limit]), limit],
  };
}

function parseMetadata(text: string | null): Record<string, unknown> {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
