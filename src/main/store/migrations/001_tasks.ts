import { SQL_NOW } from '../time.js';

// Projects, tasks, their history and the per-status counts.
export const name = 'tasks';

export const sql = `
CREATE TABLE projects (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  path        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL DEFAULT (${SQL_NOW})
);

-- AUTOINCREMENT: a task id is never reused, so decisions, events and logs that
-- name a deleted task never point at a different one.
CREATE TABLE tasks (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  type          TEXT NOT NULL,
  title         TEXT NOT NULL,
  prompt        TEXT NOT NULL DEFAULT '',
  priority      INTEGER NOT NULL DEFAULT 5,
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending','assigned','in_progress','completed','failed','cancelled','blocked')),
  project_id    INTEGER REFERENCES projects(id) ON DELETE SET NULL,
  assigned_to   TEXT,
  created_at    TEXT NOT NULL DEFAULT (${SQL_NOW}),
  updated_at    TEXT NOT NULL DEFAULT (${SQL_NOW}),
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
  id          INTEGER PRIMARY KEY,
  task_id     INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  at          TEXT NOT NULL DEFAULT (${SQL_NOW}),
  from_status TEXT,
  to_status   TEXT NOT NULL,
  reason      TEXT
);
CREATE INDEX idx_task_events_task ON task_events(task_id, id);

CREATE TRIGGER trg_tasks_status_history AFTER UPDATE OF status ON tasks
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
  UPDATE tasks SET updated_at = ${SQL_NOW} WHERE id = NEW.id;
END;

-- Counting a million tasks by status scans an index (~45 ms); the dashboard needs
-- under 1 ms, so counts are kept up to date as tasks change.
CREATE TABLE task_counts (
  status TEXT PRIMARY KEY,
  n      INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO task_counts(status) VALUES
  ('pending'),('assigned'),('in_progress'),('completed'),('failed'),('cancelled'),('blocked');

CREATE TRIGGER trg_task_counts_insert AFTER INSERT ON tasks
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
`;
