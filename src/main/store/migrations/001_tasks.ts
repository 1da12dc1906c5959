import { bothDialects } from './dialect.js';

// Projects, tasks, their history and the per-status counts.
export const name = 'tasks';

// PostgreSQL: the same tables, ids from identity columns (a sequence never reuses a
// value, as AUTOINCREMENT), timestamps as text in the same format, and the triggers
// as PL/pgSQL functions. json_valid is defined there so the CHECKs read the same.
export const { sql, postgres } = bothDialects((d) => `
${d.postgres(`CREATE FUNCTION json_valid(doc text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF doc IS NULL THEN RETURN NULL; END IF;
  PERFORM doc::jsonb;
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END $$;

`)}CREATE TABLE projects (
  id          ${d.id},
  name        TEXT NOT NULL,
  path        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL DEFAULT (${d.now})
);

-- AUTOINCREMENT: a task id is never reused, so decisions, events and logs that
-- name a deleted task never point at a different one.
CREATE TABLE tasks (
  id            ${d.idNeverReused},
  type          TEXT NOT NULL,
  title         TEXT NOT NULL,
  prompt        TEXT NOT NULL DEFAULT '',
  priority      INTEGER NOT NULL DEFAULT 5,
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending','assigned','in_progress','completed','failed','cancelled','blocked')),
  project_id    ${d.int64} REFERENCES projects(id) ON DELETE SET NULL,
  assigned_to   TEXT,
  created_at    TEXT NOT NULL DEFAULT (${d.now}),
  updated_at    TEXT NOT NULL DEFAULT (${d.now}),
  assigned_at   TEXT,
  started_at    TEXT,
  completed_at  TEXT,
  metadata      TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    TEXT,
  last_error    TEXT,
  -- Why the status last changed; copied into task_events by the trigger below,
  -- so every writer (router, SLA, CLI) leaves history without remembering to.
  status_reason TEXT
);

-- The queue order the router and the seed's tasks_by_status /
-- tasks_pending_high_priority read: no temp B-tree for the sort.
CREATE INDEX idx_tasks_pending_priority ON tasks(status, priority DESC, created_at);
-- completed_today in stats_dashboard: a range on completed_at within one status.
CREATE INDEX idx_tasks_status_completed ON tasks(status, completed_at);
CREATE INDEX idx_tasks_project ON tasks(project_id);
CREATE INDEX idx_tasks_assigned_to ON tasks(assigned_to) WHERE assigned_to IS NOT NULL;

CREATE TABLE task_events (
  id          ${d.id},
  task_id     ${d.int64} NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  at          TEXT NOT NULL DEFAULT (${d.now}),
  from_status TEXT,
  to_status   TEXT NOT NULL,
  reason      TEXT
);
CREATE INDEX idx_task_events_task ON task_events(task_id, id);

${d.sqlite(`CREATE TRIGGER trg_tasks_status_history AFTER UPDATE OF status ON tasks
WHEN OLD.status IS NOT NEW.status
BEGIN
  INSERT INTO task_events(task_id, from_status, to_status, reason)
  VALUES (NEW.id, OLD.status, NEW.status, NEW.status_reason);
END;

-- For writers that forget updated_at. RETURNING does not see this trigger's change,
-- so the repositories set updated_at themselves.
CREATE TRIGGER trg_tasks_touch AFTER UPDATE ON tasks
WHEN NEW.updated_at IS OLD.updated_at
BEGIN
  UPDATE tasks SET updated_at = ${d.now} WHERE id = NEW.id;
END;
`)}${d.postgres(`CREATE FUNCTION trg_tasks_status_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO task_events(task_id, from_status, to_status, reason)
  VALUES (NEW.id, OLD.status, NEW.status, NEW.status_reason);
  RETURN NULL;
END $$;
CREATE TRIGGER trg_tasks_status_history AFTER UPDATE OF status ON tasks
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION trg_tasks_status_history();

-- For writers that forget updated_at: set before the row is written, so (unlike
-- SQLite's AFTER trigger) RETURNING sees it too.
CREATE FUNCTION trg_tasks_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := ${d.now};
  RETURN NEW;
END $$;
CREATE TRIGGER trg_tasks_touch BEFORE UPDATE ON tasks
FOR EACH ROW WHEN (NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at)
EXECUTE FUNCTION trg_tasks_touch();
`)}
-- Counting a million tasks by status scans an index (~45 ms); the dashboard needs
-- under 1 ms, so counts are kept up to date as tasks change.
CREATE TABLE task_counts (
  status TEXT PRIMARY KEY,
  n      ${d.int64} NOT NULL DEFAULT 0
)${d.sqlite(' WITHOUT ROWID')};
INSERT INTO task_counts(status) VALUES
  ('pending'),('assigned'),('in_progress'),('completed'),('failed'),('cancelled'),('blocked');

${d.sqlite(`CREATE TRIGGER trg_task_counts_insert AFTER INSERT ON tasks
BEGIN
  UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
END;
CREATE TRIGGER trg_task_counts_delete AFTER DELETE ON tasks
BEGIN
  UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER trg_task_counts_update AFTER UPDATE OF status ON tasks
WHEN OLD.status IS NOT NEW.status
BEGIN
  UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
  UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
END;
`)}${d.postgres(`CREATE FUNCTION trg_task_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
  -- Two consoles moving tasks in opposite directions (a claim, a requeue) lock the two
  -- counter rows in one order, the status names', so they wait instead of deadlocking.
  ELSIF OLD.status < NEW.status THEN
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
    UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
  ELSE
    UPDATE task_counts SET n = n + 1 WHERE status = NEW.status;
    UPDATE task_counts SET n = n - 1 WHERE status = OLD.status;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_task_counts_insert AFTER INSERT ON tasks
FOR EACH ROW EXECUTE FUNCTION trg_task_counts();
CREATE TRIGGER trg_task_counts_delete AFTER DELETE ON tasks
FOR EACH ROW EXECUTE FUNCTION trg_task_counts();
CREATE TRIGGER trg_task_counts_update AFTER UPDATE OF status ON tasks
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION trg_task_counts();
`)}`);
