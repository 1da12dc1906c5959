import type Database from 'better-sqlite3';

/** Where a routed task ended up: the session holding it, or why it still waits. Read on the reader connection. */
export class RouteOutcomeReads {
  private readonly holder: Database.Statement;
  private readonly lastReason: Database.Statement;

  constructor(db: Database.Database) {
    this.holder = db.prepare(`SELECT assigned_to FROM tasks WHERE id = ? AND status IN ('assigned', 'in_progress', 'completed')`).pluck();
    this.lastReason = db.prepare(`SELECT reason FROM decisions WHERE task_id = ? ORDER BY id DESC LIMIT 1`).pluck();
  }

  /** The session the task was given to (assigned, in progress or completed there); null when none holds it. */
  heldBy(taskId: number): string | null {
    return (this.holder.get(taskId) as string | null | undefined) ?? null;
  }

  /** The reason of the task's latest routing decision, if any. */
  lastDecisionReason(taskId: number): string | null {
    return (this.lastReason.get(taskId) as string | undefined) ?? null;
  }
}
