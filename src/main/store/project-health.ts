import type Database from 'better-sqlite3';

/** An error as the console's error list shows it (times as stored; resolved as 0/1). */
export interface ErrorListRow {
  id: number;
  source: string;
  sessionId: string | null;
  taskId: number | null;
  message: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  resolved: number;
}

/**
 * What a project's health is counted from (its open tasks, live sessions and open errors)
 * and the console's error list. Read on the reader connection.
 */
export class ProjectHealthReads {
  private readonly openTasks: Database.Statement;
  private readonly liveSessions: Database.Statement;
  private readonly openErrors: Database.Statement;
  private readonly recentErrors: Database.Statement;

  constructor(db: Database.Database) {
    // The open tasks per (type, project) that migration 018's triggers keep: a few rows,
    // where counting the project's tasks read every one of them (~250k a project on the
    // 1M-task seed).
    this.openTasks = db.prepare('SELECT coalesce(sum(n), 0) FROM task_open_counts WHERE project_id = ?').pluck();
    this.liveSessions = db.prepare(`SELECT count(*) FROM sessions WHERE project_id = ? AND status != 'exited'`).pluck();
    // From the few open errors to their task's or session's project (never the project's many tasks).
    this.openErrors = db
      .prepare(
        `SELECT count(*) FROM errors e
           LEFT JOIN tasks t ON t.id = e.task_id
           LEFT JOIN sessions s ON s.id = e.session_id
         WHERE e.resolved = 0 AND (t.project_id = @p OR s.project_id = @p)`,
      )
      .pluck();
    this.recentErrors = db.prepare(
      `SELECT id, source, session_id AS sessionId, task_id AS taskId, message, first_seen AS firstSeen, last_seen AS lastSeen, count, resolved
         FROM errors ORDER BY resolved, last_seen DESC LIMIT 1000`,
    );
  }

  /** Tasks of the project in an open status. */
  openTaskCount(projectId: number): number {
    return this.openTasks.get(projectId) as number;
  }

  /** Sessions of the project that have not exited. */
  liveSessionCount(projectId: number): number {
    return this.liveSessions.get(projectId) as number;
  }

  /** Open errors about one of the project's tasks or sessions. */
  openErrorCount(projectId: number): number {
    return this.openErrors.get({ p: projectId }) as number;
  }

  /** The latest 1000 errors, open ones first, newest first. */
  recentErrorRows(): ErrorListRow[] {
    return this.recentErrors.all() as ErrorListRow[];
  }
}
