import { bothDialects } from './dialect.js';

// sessions.current_task_id is the task a session holds now. A console on a shared
// PostgreSQL queue (issue 17) keeps its sessions in its own file (console.db), whose
// tasks table stays empty: the task its session holds is a task of the shared queue,
// so the column cannot be a foreign key to the local tasks (a write of a shared id
// failed the key). It loses the foreign key, as notifications.task_id and
// workflow_runs.task_id did (migration 020), and the shared console writes it from the
// held tasks it keeps (store/postgres/held-tasks.ts, store/current-tasks.ts).
//
// What ON DELETE SET NULL did for a single console stays: a task deleted from a file
// (a workflow's database step, an operator's sqlite3) leaves no session pointing at it
// — trg_tasks_delete_sessions clears it, one seek in idx_sessions_current_task per
// deleted task (the foreign key's action had no index it could use, so it read the
// sessions table once per deleted task).
//
// SQLite cannot drop a foreign key: sessions is built again under a new name and
// renamed, with every column, CHECK, DEFAULT, its other foreign key (project_id) and
// its indexes as migration 002 made them (no trigger was ever on it). With foreign keys
// on (always, and inside the migration's transaction), dropping sessions would delete
// the rows of session_events (ON DELETE CASCADE): it is copied into a new table first
// and its old table dropped before its parent, and the rename points its reference at
// the new parent's name (as 020 did). PostgreSQL drops the constraint in place.
export const name = 'shared_current_task';

export const { sql, postgres } = bothDialects((d) => `${d.sqlite(`
CREATE TABLE sessions_rebuilt (
  id              TEXT PRIMARY KEY,            -- '<server>:<pane id>', e.g. 'default:%12'
  name            TEXT NOT NULL,               -- what routing rules call it
  server          TEXT NOT NULL DEFAULT 'default',
  status          TEXT NOT NULL DEFAULT 'unknown'
                  CHECK (status IN ('working','idle','waiting','error','exited','unknown')),
  provider        TEXT,                        -- the agent: claude, codex, gemini…
  current_task_id INTEGER,                     -- a task of this file, or of the shared queue (no foreign key)
  idle_since      TEXT,
  last_heartbeat  TEXT,
  state_since     TEXT,
  cwd             TEXT,
  project_id      INTEGER REFERENCES projects(id) ON DELETE SET NULL,
  updated_at      TEXT NOT NULL DEFAULT (${d.now}),
  gone_at         TEXT
);
INSERT INTO sessions_rebuilt(id, name, server, status, provider, current_task_id, idle_since, last_heartbeat, state_since, cwd, project_id, updated_at, gone_at)
  SELECT id, name, server, status, provider, current_task_id, idle_since, last_heartbeat, state_since, cwd, project_id, updated_at, gone_at FROM sessions;
CREATE TABLE session_events_rebuilt (
  id         INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions_rebuilt(id) ON DELETE CASCADE,
  at         TEXT NOT NULL DEFAULT (${d.now}),
  from_state TEXT,
  to_state   TEXT NOT NULL,
  reason     TEXT
);
INSERT INTO session_events_rebuilt(id, session_id, at, from_state, to_state, reason)
  SELECT id, session_id, at, from_state, to_state, reason FROM session_events;
DROP TABLE session_events;
DROP TABLE sessions;
ALTER TABLE sessions_rebuilt RENAME TO sessions;
ALTER TABLE session_events_rebuilt RENAME TO session_events;
CREATE INDEX idx_sessions_name ON sessions(name);
CREATE INDEX idx_sessions_current_task ON sessions(current_task_id) WHERE current_task_id IS NOT NULL;
CREATE INDEX idx_session_events_session ON session_events(session_id, id);

CREATE TRIGGER trg_tasks_delete_sessions AFTER DELETE ON tasks
BEGIN
  UPDATE sessions SET current_task_id = NULL WHERE current_task_id = OLD.id;
END;
`)}${d.postgres(`
ALTER TABLE sessions DROP CONSTRAINT sessions_current_task_id_fkey;

-- One statement for all the rows a DELETE removed (what a per-row key did row by row).
CREATE FUNCTION trg_tasks_delete_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sessions SET current_task_id = NULL WHERE current_task_id IN (SELECT id FROM deleted_tasks);
  RETURN NULL;
END $$;

CREATE TRIGGER trg_tasks_delete_sessions AFTER DELETE ON tasks
REFERENCING OLD TABLE AS deleted_tasks
FOR EACH STATEMENT EXECUTE FUNCTION trg_tasks_delete_sessions();
`)}`);
