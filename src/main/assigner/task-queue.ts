// The assigner's statements on the writer connection. Every status change is one
// statement guarded by the status it expects, so two consoles or CLIs on one
// database can race and at most one of them wins; `changes` says which.
import type Database from 'better-sqlite3';
import type { TaskStatus } from '../../shared/api.js';
import type { PendingTask } from '../routing/types.js';
import type { Store } from '../store/store.js';
import { fromSqlTime, toSqlTime } from '../store/time.js';

/** Statuses in which a task occupies its session. */
export const HOLDING_STATUSES: readonly TaskStatus[] = ['assigned', 'in_progress'];
const HOLDING_SQL = HOLDING_STATUSES.map((s) => `'${s}'`).join(',');

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

export interface DecisionRecord {
  kind: 'route' | 'dispatch' | 'lifecycle' | 'timeout' | 'sla';
  taskId: number | null;
  session: string | null;
  decision: string;
  reason: string;
}

interface PendingRow {
  id: number;
  type: string;
  priority: number;
  created_at: string;
  not_before: string | null;
}

export class TaskQueue {
  private readonly pending: Database.Statement;
  private readonly held: Database.Statement;
  private readonly claimStmt: Database.Statement;
  private readonly claimedRow: Database.Statement;
  private readonly startStmt: Database.Statement;
  private readonly completeStmt: Database.Statement;
  private readonly requeueStmt: Database.Statement;
  private readonly decisionStmt: Database.Statement;
  private readonly metadataStmt: Database.Statement;
  private readonly statusStmt: Database.Statement;
  private readonly loadStmt: Database.Statement;

  constructor(private readonly store: Store) {
    const db = store.writer;
    // The partial order matches idx_tasks_pending_priority, so no sort over the whole queue.
    this.pending = db.prepare(
      `SELECT id, type, priority, created_at, not_before FROM tasks WHERE status = 'pending'
       ORDER BY priority DESC, created_at LIMIT ?`,
    );
    this.held = db.prepare(
      `SELECT id, type, status, assigned_to AS session, assigned_at AS assignedAt, started_at AS startedAt, attempts
       FROM tasks WHERE status IN (${HOLDING_SQL}) AND assigned_to IS NOT NULL`,
    );
    // The whole guarantee in one statement: still pending, and the session holds nothing.
    // `+assigned_to` keeps SQLite off idx_tasks_assigned_to, which lists every task the
    // session ever had (a claim would slow down as history grows); the status index
    // lists only the tasks held now, at most one per session.
    this.claimStmt = db.prepare(
      `UPDATE tasks SET status = 'assigned', assigned_to = @session, assigned_at = @now, updated_at = @now,
         started_at = NULL, completed_at = NULL, status_reason = @reason
       WHERE id = @id AND status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM tasks WHERE status IN (${HOLDING_SQL}) AND +assigned_to = @session)`,
    );
    this.claimedRow = db.prepare(
      `SELECT t.id, t.type, t.prompt, t.metadata, t.attempts, t.created_at AS createdAt, p.path AS projectPath
       FROM tasks t LEFT JOIN projects p ON p.id = t.project_id WHERE t.id = ?`,
    );
    this.startStmt = db.prepare(
      `UPDATE tasks SET status = 'in_progress', started_at = @now, updated_at = @now, status_reason = @reason
       WHERE id = @id AND status = 'assigned' AND assigned_to = @session`,
    );
    this.completeStmt = db.prepare(
      `UPDATE tasks SET status = 'completed', completed_at = @now, updated_at = @now, status_reason = @reason
       WHERE id = @id AND status = 'in_progress' AND assigned_to = @session`,
    );
    // assigned_to stays: the history says who had it; only the holding statuses count for claims.
    this.requeueStmt = db.prepare(
      `UPDATE tasks SET status = 'pending', updated_at = @now, status_reason = @reason, last_error = @error,
         attempts = attempts + 1, not_before = @notBefore, assigned_at = NULL, started_at = NULL
       WHERE id = @id AND status IN (${HOLDING_SQL}) AND assigned_to = @session`,
    );
    this.decisionStmt = db.prepare(
      'INSERT INTO decisions(at, kind, task_id, session_id, decision, reason) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.metadataStmt = db.prepare(`UPDATE tasks SET metadata = @metadata, updated_at = @now WHERE id = @id`);
    this.statusStmt = db.prepare('SELECT status FROM tasks WHERE id = ?').pluck();
    this.loadStmt = db.prepare(
      `SELECT assigned_to AS session, COUNT(*) AS n FROM tasks
       WHERE assigned_to IS NOT NULL AND status IN (${HOLDING_SQL}, 'completed') AND updated_at >= ? GROUP BY assigned_to`,
    );
  }

  /** The queue in priority order; `limit` bounds one round (the rest waits for the next). */
  pendingTasks(limit: number): PendingTask[] {
    return (this.pending.all(limit) as PendingRow[]).map((r) => ({
      id: r.id,
      type: r.type,
      priority: r.priority,
      createdAt: fromSqlTime(r.created_at),
      notBefore: r.not_before ? fromSqlTime(r.not_before) : null,
    }));
  }

  heldTasks(): HeldTask[] {
    return this.held.all() as HeldTask[];
  }

  /** Tasks each session holds or finished since `since`, for least_loaded. */
  recentLoad(since: Date): Map<string, number> {
    const rows = this.loadStmt.all(toSqlTime(since)) as { session: string; n: number }[];
    return new Map(rows.map((r) => [r.session, r.n]));
  }

  status(taskId: number): TaskStatus | null {
    return (this.statusStmt.get(taskId) as TaskStatus | undefined) ?? null;
  }

  /** Claims the task for the session in one transaction with its decision; false when someone else won. */
  claim(taskId: number, session: string, reason: string, now: Date): ClaimedTask | null {
    return this.store.transaction(() => {
      const changed = this.claimStmt.run({ id: taskId, session, now: toSqlTime(now), reason }).changes;
      if (changed === 0) return null;
      this.record({ kind: 'route', taskId, session, decision: 'assigned', reason }, now);
      const row = this.claimedRow.get(taskId) as Omit<ClaimedTask, 'metadata'> & { metadata: string | null };
      return { ...row, metadata: parseMetadata(row.metadata) };
    });
  }

  start(taskId: number, session: string, reason: string, now: Date): boolean {
    return this.step(this.startStmt, taskId, session, reason, now, 'in_progress');
  }

  complete(taskId: number, session: string, reason: string, now: Date): boolean {
    return this.step(this.completeStmt, taskId, session, reason, now, 'completed');
  }

  /** Back to the queue, one attempt more; `notBefore` delays the next dispatch (a back-off). */
  requeue(taskId: number, session: string, r: { reason: string; error: string | null; notBefore: Date | null; kind: DecisionRecord['kind'] }, now: Date): boolean {
    return this.store.transaction(() => {
      const changed = this.requeueStmt.run({
        id: taskId,
        session,
        now: toSqlTime(now),
        reason: r.reason,
        error: r.error,
        notBefore: r.notBefore ? toSqlTime(r.notBefore) : null,
      }).changes;
      if (changed > 0) this.record({ kind: r.kind, taskId, session, decision: 'requeued', reason: r.reason }, now);
      return changed > 0;
    });
  }

  setMetadata(taskId: number, metadata: Record<string, unknown>, now: Date): void {
    this.metadataStmt.run({ id: taskId, metadata: JSON.stringify(metadata), now: toSqlTime(now) });
  }

  metadata(taskId: number): Record<string, unknown> {
    const row = this.claimedRow.get(taskId) as { metadata: string | null } | undefined;
    return row ? parseMetadata(row.metadata) : {};
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

function parseMetadata(text: string | null): Record<string, unknown> {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
