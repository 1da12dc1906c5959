import type { WriterDb } from './store.js';

/**
 * Recomputes the tables that triggers keep (task_counts, task_completions) from the
 * tasks themselves. For bulk loads that run without the insert triggers, and as a
 * repair if they ever disagree. Run inside a transaction.
 */
export function rebuildDerivedCounts(db: WriterDb): void {
  db.exec(`
    UPDATE task_counts SET n = (SELECT COUNT(*) FROM tasks WHERE tasks.status = task_counts.status);
    DELETE FROM task_completions;
    INSERT INTO task_completions(minute, n)
      SELECT substr(completed_at, 1, 16), COUNT(*) FROM tasks
      WHERE status = 'completed' AND completed_at IS NOT NULL GROUP BY 1;
  `);
}
