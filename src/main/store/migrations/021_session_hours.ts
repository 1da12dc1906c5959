import { bothDialects } from './dialect.js';

// session_workload (config/base/queries.yaml, the Overview's "Work by Session" table)
// counts the tasks each session was given among those created in the last N days
// (7 by default): on the 1M-task seed ~765k rows, 11.5 s, past its 5 s timeout. This
// table keeps what it counts per session and creation hour ('YYYY-MM-DD HH' of
// created_at), so a week is ~170 rows per session plus the boundary hour's own tasks
// read exactly (as migration 019 does for task_performance_by_type).
//
// A task counts under its assigned_to (tasks without one are not here): claims,
// re-claims by another session, completions, failures, retries, edits and deletes
// move it. So, unlike 019's table, this one is written on the claim path: one upsert
// a claim, start or completion; the triggers' WHEN only asks whether the task has a
// session (no IN list of three or more values: SQLite builds one as a temporary table
// each time a trigger runs — see 019).
//   timed / duration_ms: the completed tasks with a started_at and a completion whose
//   difference the engine can compute (the shipped query's AVG), and the sum of those
//   differences in whole milliseconds (the store's timestamps have milliseconds).
//   last_updated / stale: the latest updated_at of the row's tasks (MAX(updated_at) of
//   the query). It only grows as tasks are written; when a task leaves the row (its
//   session changes, it is deleted, it moves to another hour) and it may have been
//   the one holding that maximum, the row is marked stale: last_updated is then an
//   upper bound only, and the query reads that hour's tasks of that session again —
//   only when the row could hold the session's latest activity (queries.yaml). A
//   later write at or after last_updated makes it exact again. Never a scan in a
//   trigger.
export const name = 'session_hours';

// A task's contribution, from its row (NEW or OLD): the columns after hour, session and total.
const sqliteParts = (r: string): string[] => [
  `${r}.status = 'completed'`,
  `${r}.status = 'failed'`,
  `${r}.status IN ('assigned', 'in_progress')`,
  `${r}.status = 'completed' AND (julianday(${r}.completed_at) - julianday(${r}.started_at)) IS NOT NULL`,
  `CASE WHEN ${r}.status = 'completed' THEN coalesce(CAST(round((julianday(${r}.completed_at) - julianday(${r}.started_at)) * 86400000) AS INTEGER), 0) ELSE 0 END`,
];
const pgParts = (r: string): string[] => [
  `(${r}.status = 'completed')::int`,
  `(${r}.status = 'failed')::int`,
  `(${r}.status IN ('assigned', 'in_progress'))::int`,
  `(${r}.status = 'completed' AND ${r}.started_at IS NOT NULL AND ${r}.completed_at IS NOT NULL)::int`,
  `CASE WHEN ${r}.status = 'completed' THEN coalesce(round(extract(epoch FROM ${r}.completed_at::timestamp - ${r}.started_at::timestamp) * 1000), 0) ELSE 0 END::bigint`,
];
const SUMS = ['completed', 'failed', 'active', 'timed', 'duration_ms'];
const COLUMNS = `hour, session, total, ${SUMS.join(', ')}, last_updated, stale`;
const newer = (table: string) => `${table}.last_updated IS NULL OR excluded.last_updated >= ${table}.last_updated`;
const add = (table: string) => `total = ${table}.total + 1, ${SUMS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')},
      stale = CASE WHEN ${newer(table)} THEN 0 ELSE ${table}.stale END,
      last_updated = CASE WHEN ${newer(table)} THEN excluded.last_updated ELSE ${table}.last_updated END`;
const subtract = (parts: string[]) => `total = total - 1, ${SUMS.map((c, i) => `${c} = ${c} - (${parts[i]})`).join(', ')},
      stale = CASE WHEN total = 1 THEN 0 WHEN OLD.updated_at >= last_updated THEN 1 ELSE stale END,
      last_updated = CASE WHEN total = 1 THEN NULL ELSE last_updated END`;
const oldRow = `hour = substr(OLD.created_at, 1, 13) AND session = OLD.assigned_to`;
// A start or a completion: the task stays in its row, which is written once.
const sameRow = `(OLD.assigned_to = NEW.assigned_to AND substr(OLD.created_at, 1, 13) = substr(NEW.created_at, 1, 13))`;
const move = (oldParts: string[], newParts: string[]) => `${SUMS.map((c, i) => `${c} = ${c} + (${newParts[i]}) - (${oldParts[i]})`).join(', ')},
      stale = CASE WHEN NEW.updated_at >= last_updated THEN 0 WHEN OLD.updated_at >= last_updated THEN 1 ELSE stale END,
      last_updated = CASE WHEN NEW.updated_at >= last_updated THEN NEW.updated_at ELSE last_updated END`;

/** Fills task_session_hours from the tasks (one pass); also the seed's rebuild after a bulk load (derived-counts.ts). */
const backfill = (parts: (r: string) => string[]): string => `INSERT INTO task_session_hours(${COLUMNS})
  SELECT substr(created_at, 1, 13), assigned_to, count(*), ${parts('t').map((p) => `sum(${p})`).join(', ')}, max(updated_at), 0
  FROM tasks t WHERE assigned_to IS NOT NULL GROUP BY substr(created_at, 1, 13), assigned_to;`;
export const sessionHoursBackfillSqlite = backfill(sqliteParts);

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE task_session_hours (
  hour         TEXT NOT NULL,
  session      TEXT NOT NULL,
  total        ${d.int64} NOT NULL DEFAULT 0,
  completed    ${d.int64} NOT NULL DEFAULT 0,
  failed       ${d.int64} NOT NULL DEFAULT 0,
  active       ${d.int64} NOT NULL DEFAULT 0,
  timed        ${d.int64} NOT NULL DEFAULT 0,
  duration_ms  ${d.int64} NOT NULL DEFAULT 0,
  last_updated TEXT,
  stale        ${d.int64} NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, session)
)${d.sqlite(' WITHOUT ROWID')};

${backfill(d.postgres('pg') ? pgParts : sqliteParts)}

${d.sqlite(`CREATE TRIGGER trg_task_session_hours_insert AFTER INSERT ON tasks
WHEN NEW.assigned_to IS NOT NULL
BEGIN
  INSERT INTO task_session_hours(${COLUMNS}) VALUES (substr(NEW.created_at, 1, 13), NEW.assigned_to, 1, ${sqliteParts('NEW').join(', ')}, NEW.updated_at, 0)
    ON CONFLICT(hour, session) DO UPDATE SET ${add('task_session_hours')};
END;

CREATE TRIGGER trg_task_session_hours_delete AFTER DELETE ON tasks
WHEN OLD.assigned_to IS NOT NULL
BEGIN
  UPDATE task_session_hours SET ${subtract(sqliteParts('OLD'))}
    WHERE ${oldRow};
END;

CREATE TRIGGER trg_task_session_hours_update AFTER UPDATE OF assigned_to, status, created_at, updated_at, started_at, completed_at ON tasks
WHEN OLD.assigned_to IS NOT NULL OR NEW.assigned_to IS NOT NULL
BEGIN
  UPDATE task_session_hours SET ${move(sqliteParts('OLD'), sqliteParts('NEW'))}
    WHERE ${sameRow} AND ${oldRow};
  UPDATE task_session_hours SET ${subtract(sqliteParts('OLD'))}
    WHERE OLD.assigned_to IS NOT NULL AND NOT (${sameRow} IS TRUE) AND ${oldRow};
  INSERT INTO task_session_hours(${COLUMNS})
    SELECT substr(NEW.created_at, 1, 13), NEW.assigned_to, 1, ${sqliteParts('NEW').join(', ')}, NEW.updated_at, 0
    WHERE NEW.assigned_to IS NOT NULL AND NOT (${sameRow} IS TRUE)
    ON CONFLICT(hour, session) DO UPDATE SET ${add('task_session_hours')};
END;
`)}${d.postgres(`-- Two rows at most per write (the old session's and the new one's), taken in key
-- order so two transactions moving tasks between the same two sessions cannot
-- deadlock.
CREATE FUNCTION trg_task_session_hours() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  leaves boolean := false;
  enters boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    leaves := OLD.assigned_to IS NOT NULL;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    enters := NEW.assigned_to IS NOT NULL;
  END IF;
  IF enters AND leaves AND ${sameRow} THEN
    UPDATE task_session_hours SET ${move(pgParts('OLD'), pgParts('NEW'))}
      WHERE ${oldRow};
    RETURN NULL;
  END IF;
  IF enters AND leaves AND (substr(NEW.created_at, 1, 13), NEW.assigned_to) < (substr(OLD.created_at, 1, 13), OLD.assigned_to) THEN
    INSERT INTO task_session_hours(${COLUMNS}) VALUES (substr(NEW.created_at, 1, 13), NEW.assigned_to, 1, ${pgParts('NEW').join(', ')}, NEW.updated_at, 0)
      ON CONFLICT (hour, session) DO UPDATE SET ${add('task_session_hours')};
    enters := false;
  END IF;
  IF leaves THEN
    UPDATE task_session_hours SET ${subtract(pgParts('OLD'))}
      WHERE ${oldRow};
  END IF;
  IF enters THEN
    INSERT INTO task_session_hours(${COLUMNS}) VALUES (substr(NEW.created_at, 1, 13), NEW.assigned_to, 1, ${pgParts('NEW').join(', ')}, NEW.updated_at, 0)
      ON CONFLICT (hour, session) DO UPDATE SET ${add('task_session_hours')};
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_task_session_hours_insert AFTER INSERT ON tasks
FOR EACH ROW WHEN (NEW.assigned_to IS NOT NULL) EXECUTE FUNCTION trg_task_session_hours();

CREATE TRIGGER trg_task_session_hours_delete AFTER DELETE ON tasks
FOR EACH ROW WHEN (OLD.assigned_to IS NOT NULL) EXECUTE FUNCTION trg_task_session_hours();

CREATE TRIGGER trg_task_session_hours_update AFTER UPDATE OF assigned_to, status, created_at, updated_at, started_at, completed_at ON tasks
FOR EACH ROW WHEN (OLD.assigned_to IS NOT NULL OR NEW.assigned_to IS NOT NULL)
EXECUTE FUNCTION trg_task_session_hours();
`)}`);
