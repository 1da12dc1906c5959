import type Database from 'better-sqlite3';

/** A finished task of the demo's day of history, as it is stored (times in SQL form). */
export interface DemoHistoryTask {
  type: string;
  title: string;
  prompt: string;
  priority: number;
  status: 'completed' | 'failed';
  projectId: number;
  assignedTo: string;
  createdAt: string;
  updatedAt: string;
  assignedAt: string;
  startedAt: string;
  completedAt: string;
}

/** The demo's direct writes: finished history rows and a task its agent was already on. Writer connection. */
export class DemoWrites {
  private readonly insertFinished: Database.Statement;
  private readonly markWorking: Database.Statement;

  constructor(db: Database.Database) {
    this.insertFinished = db.prepare(
      `INSERT INTO tasks(type, title, prompt, priority, status, project_id, assigned_to, created_at, updated_at, assigned_at, started_at, completed_at, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    this.markWorking = db.prepare(
      `UPDATE tasks SET status = 'in_progress', status_reason = 'demo: the agent was already on it', assigned_to = ?, assigned_at = ?, started_at = ?, updated_at = ? WHERE id = ?`,
    );
  }

  /** One finished task of history (one attempt). */
  addHistoryTask(t: DemoHistoryTask): void {
    this.insertFinished.run(t.type, t.title, t.prompt, t.priority, t.status, t.projectId, t.assignedTo, t.createdAt, t.updatedAt, t.assignedAt, t.startedAt, t.completedAt);
  }

  /** The task is in progress on the session since `at` (SQL time). */
  alreadyWorking(taskId: number, session: string, at: string): void {
    this.markWorking.run(session, at, at, at, taskId);
  }
}
