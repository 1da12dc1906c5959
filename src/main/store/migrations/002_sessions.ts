import { bothDialects } from './dialect.js';

// Agent panes and every state transition they go through.
export const name = 'sessions';

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE sessions (
  id              TEXT PRIMARY KEY,            -- '<server>:<pane id>', e.g. 'default:%12'
  name            TEXT NOT NULL,               -- what routing rules call it
  server          TEXT NOT NULL DEFAULT 'default',
  status          TEXT NOT NULL DEFAULT 'unknown'
                  CHECK (status IN ('working','idle','waiting','error','exited','unknown')),
  provider        TEXT,                        -- the agent: claude, codex, gemini…
  current_task_id ${d.int64} REFERENCES tasks(id) ON DELETE SET NULL,
  idle_since      TEXT,
  last_heartbeat  TEXT,
  state_since     TEXT,
  cwd             TEXT,
  project_id      ${d.int64} REFERENCES projects(id) ON DELETE SET NULL,
  updated_at      TEXT NOT NULL DEFAULT (${d.now}),
  gone_at         TEXT
);
CREATE INDEX idx_sessions_name ON sessions(name);
CREATE INDEX idx_sessions_current_task ON sessions(current_task_id) WHERE current_task_id IS NOT NULL;

CREATE TABLE session_events (
  id         ${d.id},
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  at         TEXT NOT NULL DEFAULT (${d.now}),
  from_state TEXT,
  to_state   TEXT NOT NULL,
  reason     TEXT
);
CREATE INDEX idx_session_events_session ON session_events(session_id, id);
`);
