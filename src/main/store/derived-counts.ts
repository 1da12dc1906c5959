import type { WriterDb } from './store.js';
import { OPEN_STATUSES } from '../../shared/task-status.js';
import { typeHoursBackfillSqlite } from './migrations/019_type_hours.js';
import { sessionHoursBackfillSqlite } from './migrations/021_session_hours.js';

const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Recomputes the tables that triggers keep (task_counts, task_completions, the open
 * tasks' task_open_counts and task_open_minutes, task_type_hours, task_session_hours) from the
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
    DELETE FROM task_open_minutes;
    INSERT INTO task_open_minutes(type, project_id, minute, n)
      SELECT type, coalesce(project_id, 0), substr(created_at, 1, 16), count(*) FROM tasks WHERE status IN (${OPEN_SQL}) GROUP BY 1, 2, 3;
    DELETE FROM task_open_counts;
    INSERT INTO task_open_counts(type, project_id, n) SELECT type, project_id, sum(n) FROM task_open_minutes GROUP BY 1, 2;
    DELETE FROM task_type_hours;
    ${typeHoursBackfillSqlite}
    DELETE FROM task_session_hours;
    ${sessionHoursBackfillSqlite}
  `);
}
