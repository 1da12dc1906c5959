import { bothDialects } from './dialect.js';

// What the engine noticed and decided: errors, notifications, routing/SLA decisions.
export const name = 'operations';

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE errors (
  id          ${d.id},
  fingerprint TEXT NOT NULL UNIQUE,
  source      TEXT NOT NULL,
  -- No foreign keys: recording a problem must never fail, even for a session or
  -- task that is not (or no longer) in the database.
  session_id  TEXT,
  task_id     ${d.int64},
  message     TEXT NOT NULL,
  first_seen  TEXT NOT NULL DEFAULT (${d.now}),
  last_seen   TEXT NOT NULL DEFAULT (${d.now}),
  count       INTEGER NOT NULL DEFAULT 1,
  resolved    INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1))
);
CREATE INDEX idx_errors_open ON errors(resolved, last_seen);

CREATE TABLE notifications (
  id              ${d.id},
  task_id         ${d.int64} REFERENCES tasks(id) ON DELETE SET NULL,
  kind            TEXT NOT NULL,
  level           TEXT NOT NULL DEFAULT 'info',
  message         TEXT NOT NULL,
  channels        TEXT CHECK (channels IS NULL OR json_valid(channels)),
  created_at      TEXT NOT NULL DEFAULT (${d.now}),
  acknowledged_at TEXT,
  -- An alert is raised once per dedupe key: a config reload does not re-send it.
  dedupe_key      TEXT UNIQUE
);
CREATE INDEX idx_notifications_open ON notifications(acknowledged_at, created_at);

CREATE TABLE decisions (
  id         ${d.id},
  at         TEXT NOT NULL DEFAULT (${d.now}),
  kind       TEXT NOT NULL,
  task_id    ${d.int64} REFERENCES tasks(id) ON DELETE CASCADE,
  session_id TEXT,
  decision   TEXT NOT NULL,
  reason     TEXT NOT NULL
);
CREATE INDEX idx_decisions_task ON decisions(task_id, id) WHERE task_id IS NOT NULL;
`);
