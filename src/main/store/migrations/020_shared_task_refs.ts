import { bothDialects } from './dialect.js';

// A console on a shared PostgreSQL queue (issue 17) keeps its alerts and workflow runs
// in its own file (console.db), whose tasks table stays empty: their task_id is a task
// of the shared queue, so it cannot be a foreign key to the local tasks. Both columns
// lose the foreign key (an alert or a run keeps its task's id; a task deleted from a
// single console's file leaves it pointing at nothing, which readers already allow).
//
// SQLite cannot drop a foreign key: each table is built again under a new name and
// renamed. With foreign keys on (always, and inside the migration's transaction),
// dropping a parent deletes its children's rows (ON DELETE CASCADE), so the children
// (notification_deliveries, workflow_steps) are copied into new tables first and their
// old tables dropped before their parents; a rename then points their references at
// the new parent's name. PostgreSQL drops the constraints in place.
//
// workflow_task_writes: a workflow step's task write on the shared queue, by its
// once-key (kept in the step's own checkpoint before the write): the write and this
// row commit together in PostgreSQL, so a run resumed after a crash between that
// commit and its local checkpoint finds the write done and takes its output instead
// of writing again. A single console's write commits with its checkpoint in one file
// and never needs it.
export const name = 'shared_task_refs';

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE workflow_task_writes (
  once_key   TEXT PRIMARY KEY,
  output     TEXT NOT NULL CHECK (json_valid(output)),
  created_at TEXT NOT NULL DEFAULT (${d.now})
);
${d.sqlite(`
CREATE TABLE notifications_rebuilt (
  id              INTEGER PRIMARY KEY,
  task_id         INTEGER,
  kind            TEXT NOT NULL,
  level           TEXT NOT NULL DEFAULT 'info',
  message         TEXT NOT NULL,
  channels        TEXT CHECK (channels IS NULL OR json_valid(channels)),
  created_at      TEXT NOT NULL DEFAULT (${d.now}),
  acknowledged_at TEXT,
  dedupe_key      TEXT UNIQUE,
  event           TEXT,
  session_id      TEXT,
  payload         TEXT CHECK (payload IS NULL OR json_valid(payload))
);
INSERT INTO notifications_rebuilt(id, task_id, kind, level, message, channels, created_at, acknowledged_at, dedupe_key, event, session_id, payload)
  SELECT id, task_id, kind, level, message, channels, created_at, acknowledged_at, dedupe_key, event, session_id, payload FROM notifications;
CREATE TABLE notification_deliveries_rebuilt (
  id              INTEGER PRIMARY KEY,
  notification_id INTEGER NOT NULL REFERENCES notifications_rebuilt(id) ON DELETE CASCADE,
  channel         TEXT NOT NULL,
  rule            TEXT NOT NULL,
  subject         TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'failed', 'suppressed', 'dropped')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  detail          TEXT,
  created_at      TEXT NOT NULL DEFAULT (${d.now}),
  finished_at     TEXT,
  UNIQUE (notification_id, channel)
);
INSERT INTO notification_deliveries_rebuilt SELECT * FROM notification_deliveries;
DROP TABLE notification_deliveries;
DROP TABLE notifications;
ALTER TABLE notifications_rebuilt RENAME TO notifications;
ALTER TABLE notification_deliveries_rebuilt RENAME TO notification_deliveries;
CREATE INDEX idx_notifications_open ON notifications(acknowledged_at, created_at);
CREATE INDEX idx_notifications_event_age ON notifications(created_at) WHERE event IS NOT NULL;
CREATE INDEX idx_deliveries_due ON notification_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX idx_deliveries_rule ON notification_deliveries(rule, created_at) WHERE status IN ('pending', 'sent', 'failed');
CREATE INDEX idx_deliveries_subject ON notification_deliveries(rule, subject, created_at) WHERE status IN ('pending', 'sent', 'failed');
CREATE INDEX idx_deliveries_channel ON notification_deliveries(channel, created_at) WHERE status IN ('pending', 'sent', 'failed');
CREATE INDEX idx_deliveries_failed ON notification_deliveries(id) WHERE status = 'failed';
CREATE INDEX idx_deliveries_queue ON notification_deliveries(channel, id) WHERE status = 'pending';

CREATE TABLE workflow_runs_rebuilt (
  id           INTEGER PRIMARY KEY,
  workflow     TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'running'
               CHECK (status IN ('running','waiting','completed','failed','cancelled','rolled_back')),
  trigger      TEXT NOT NULL DEFAULT 'api',
  params       TEXT CHECK (params IS NULL OR json_valid(params)),
  context      TEXT CHECK (context IS NULL OR json_valid(context)),
  current_step TEXT,
  task_id      INTEGER,
  started_at   TEXT NOT NULL DEFAULT (${d.now}),
  updated_at   TEXT NOT NULL DEFAULT (${d.now}),
  finished_at  TEXT,
  error        TEXT
);
INSERT INTO workflow_runs_rebuilt SELECT * FROM workflow_runs;
CREATE TABLE workflow_steps_rebuilt (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES workflow_runs_rebuilt(id) ON DELETE CASCADE,
  step        TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  attempt     INTEGER NOT NULL DEFAULT 1,
  status      TEXT NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending','running','completed','failed','skipped','rolled_back')),
  input       TEXT CHECK (input IS NULL OR json_valid(input)),
  output      TEXT CHECK (output IS NULL OR json_valid(output)),
  error       TEXT,
  started_at  TEXT,
  finished_at TEXT,
  UNIQUE (run_id, step, attempt)
);
INSERT INTO workflow_steps_rebuilt SELECT * FROM workflow_steps;
DROP TABLE workflow_steps;
DROP TABLE workflow_runs;
ALTER TABLE workflow_runs_rebuilt RENAME TO workflow_runs;
ALTER TABLE workflow_steps_rebuilt RENAME TO workflow_steps;
CREATE INDEX idx_workflow_runs_status ON workflow_runs(status, started_at);
`)}${d.postgres(`
ALTER TABLE notifications DROP CONSTRAINT notifications_task_id_fkey;
ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_task_id_fkey;
`)}`);
