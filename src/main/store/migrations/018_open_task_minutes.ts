import { bothDialects } from './dialect.js';

// The Overview's SLA chart (sla_by_type) and the projects' health (sla_by_project)
// count the open tasks of each type and project by how long ago they were created.
// Counting them from tasks read every open task (~320k on the 1M-task seed, ~15 s in
// a reader); a covering index of the open tasks made it 0.6 s, but a claim rewrote
// its entry and slowed every assigner round by half. These counts are kept by
// triggers that fire only when a task becomes open or stops being open (created,
// completed, failed, cancelled, retried, deleted) — a claim or a start, open to open,
// touches neither table. Open is pending, assigned, in_progress, blocked
// (OPEN_STATUSES in src/shared/task-status.ts; spelled here because a shipped
// migration never changes). A task without a project counts under project_id 0.
//   task_open_counts: open tasks per (type, project);
//   task_open_minutes: the same per creation minute ('YYYY-MM-DD HH:MM' of
//   created_at), zero rows removed, so a level bound's "created after" is a sum over
//   the minutes after the bound's (src/main/sla/sla-sql.ts) plus the bound minute's
//   own few tasks read exactly.
export const name = 'open_task_minutes';

const OPEN = "('pending', 'assigned', 'in_progress', 'blocked')";

/**
 * SQLite's triggers, given how they test that a row is open (migration 019 recreates
 * them with a cheaper test).
 */
export function sqliteTriggers(open: (row: 'OLD' | 'NEW') => string): string {
  return `CREATE TRIGGER trg_task_open_insert AFTER INSERT ON tasks
WHEN ${open('NEW')}
BEGIN
  INSERT INTO task_open_counts(type, project_id, n) VALUES (NEW.type, coalesce(NEW.project_id, 0), 1)
    ON CONFLICT(type, project_id) DO UPDATE SET n = n + 1;
  INSERT INTO task_open_minutes(type, project_id, minute, n) VALUES (NEW.type, coalesce(NEW.project_id, 0), substr(NEW.created_at, 1, 16), 1)
    ON CONFLICT(type, project_id, minute) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER trg_task_open_delete AFTER DELETE ON tasks
WHEN ${open('OLD')}
BEGIN
  UPDATE task_open_counts SET n = n - 1 WHERE type = OLD.type AND project_id = coalesce(OLD.project_id, 0);
  UPDATE task_open_minutes SET n = n - 1
    WHERE type = OLD.type AND project_id = coalesce(OLD.project_id, 0) AND minute = substr(OLD.created_at, 1, 16);
  DELETE FROM task_open_minutes
    WHERE type = OLD.type AND project_id = coalesce(OLD.project_id, 0) AND minute = substr(OLD.created_at, 1, 16) AND n <= 0;
END;

CREATE TRIGGER trg_task_open_update AFTER UPDATE OF status, type, project_id, created_at ON tasks
WHEN (${open('OLD')}) IS NOT (${open('NEW')})
  OR (${open('OLD')} AND (OLD.type IS NOT NEW.type OR OLD.project_id IS NOT NEW.project_id
    OR substr(OLD.created_at, 1, 16) IS NOT substr(NEW.created_at, 1, 16)))
BEGIN
  UPDATE task_open_counts SET n = n - 1
    WHERE ${open('OLD')} AND type = OLD.type AND project_id = coalesce(OLD.project_id, 0);
  UPDATE task_open_minutes SET n = n - 1
    WHERE ${open('OLD')} AND type = OLD.type AND project_id = coalesce(OLD.project_id, 0) AND minute = substr(OLD.created_at, 1, 16);
  DELETE FROM task_open_minutes
    WHERE ${open('OLD')} AND type = OLD.type AND project_id = coalesce(OLD.project_id, 0) AND minute = substr(OLD.created_at, 1, 16) AND n <= 0;
  INSERT INTO task_open_counts(type, project_id, n)
    SELECT NEW.type, coalesce(NEW.project_id, 0), 1 WHERE ${open('NEW')}
    ON CONFLICT(type, project_id) DO UPDATE SET n = n + 1;
  INSERT INTO task_open_minutes(type, project_id, minute, n)
    SELECT NEW.type, coalesce(NEW.project_id, 0), substr(NEW.created_at, 1, 16), 1 WHERE ${open('NEW')}
    ON CONFLICT(type, project_id, minute) DO UPDATE SET n = n + 1;
END;
`;
}

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE task_open_counts (
  type       TEXT NOT NULL,
  project_id ${d.int64} NOT NULL,
  n          ${d.int64} NOT NULL DEFAULT 0,
  PRIMARY KEY (type, project_id)
)${d.sqlite(' WITHOUT ROWID')};

CREATE TABLE task_open_minutes (
  type       TEXT NOT NULL,
  project_id ${d.int64} NOT NULL,
  minute     TEXT NOT NULL,
  n          ${d.int64} NOT NULL DEFAULT 0,
  PRIMARY KEY (type, project_id, minute)
)${d.sqlite(' WITHOUT ROWID')};

-- One pass over the tasks (a few seconds for the 1M-task seed), then the totals from the minutes.
INSERT INTO task_open_minutes(type, project_id, minute, n)
  SELECT type, coalesce(project_id, 0), substr(created_at, 1, 16), count(*) FROM tasks WHERE status IN ${OPEN}
  GROUP BY type, coalesce(project_id, 0), substr(created_at, 1, 16);
INSERT INTO task_open_counts(type, project_id, n)
  SELECT type, project_id, sum(n) FROM task_open_minutes GROUP BY type, project_id;

${d.sqlite(sqliteTriggers((row) => `${row}.status IN ${OPEN}`))}${d.postgres(`CREATE FUNCTION trg_task_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ${OPEN} THEN
    UPDATE task_open_counts SET n = n - 1 WHERE type = OLD.type AND project_id = coalesce(OLD.project_id, 0);
    UPDATE task_open_minutes SET n = n - 1
      WHERE type = OLD.type AND project_id = coalesce(OLD.project_id, 0) AND minute = substr(OLD.created_at, 1, 16);
    DELETE FROM task_open_minutes
      WHERE type = OLD.type AND project_id = coalesce(OLD.project_id, 0) AND minute = substr(OLD.created_at, 1, 16) AND n <= 0;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status IN ${OPEN} THEN
    INSERT INTO task_open_counts(type, project_id, n) VALUES (NEW.type, coalesce(NEW.project_id, 0), 1)
      ON CONFLICT (type, project_id) DO UPDATE SET n = task_open_counts.n + 1;
    INSERT INTO task_open_minutes(type, project_id, minute, n) VALUES (NEW.type, coalesce(NEW.project_id, 0), substr(NEW.created_at, 1, 16), 1)
      ON CONFLICT (type, project_id, minute) DO UPDATE SET n = task_open_minutes.n + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_task_open_insert AFTER INSERT ON tasks
FOR EACH ROW WHEN (NEW.status IN ${OPEN})
EXECUTE FUNCTION trg_task_open();

CREATE TRIGGER trg_task_open_delete AFTER DELETE ON tasks
FOR EACH ROW WHEN (OLD.status IN ${OPEN})
EXECUTE FUNCTION trg_task_open();

CREATE TRIGGER trg_task_open_update AFTER UPDATE OF status, type, project_id, created_at ON tasks
FOR EACH ROW WHEN ((OLD.status IN ${OPEN}) IS DISTINCT FROM (NEW.status IN ${OPEN})
  OR (OLD.status IN ${OPEN} AND (OLD.type IS DISTINCT FROM NEW.type OR OLD.project_id IS DISTINCT FROM NEW.project_id
    OR substr(OLD.created_at, 1, 16) IS DISTINCT FROM substr(NEW.created_at, 1, 16))))
EXECUTE FUNCTION trg_task_open();
`)}`);
