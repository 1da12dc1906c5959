import { bothDialects } from './dialect.js';

// Operator attention (notifications.yaml): events kept in `notifications` with what
// they were about, one delivery row per channel with its outcome, the episode each
// session is in (so a restart does not re-send), unread marks, and how far the event
// sources have been read.
export const name = 'attention';

export const { sql, postgres } = bothDialects((d) => `
ALTER TABLE notifications ADD COLUMN event TEXT;
ALTER TABLE notifications ADD COLUMN session_id TEXT;
-- The event as sent (session, task, dialog, message), for formats and the Attention page.
ALTER TABLE notifications ADD COLUMN payload TEXT CHECK (payload IS NULL OR json_valid(payload));
-- Pruning old agent and task events reads them by age.
CREATE INDEX idx_notifications_event_age ON notifications(created_at) WHERE event IS NOT NULL;

CREATE TABLE notification_deliveries (
  id              ${d.id},
  notification_id ${d.int64} NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
  channel         TEXT NOT NULL,
  -- The rule that chose the channel (its name, or rules[i]); sla_rules.yaml for an escalation's own channels.
  rule            TEXT NOT NULL,
  -- What dedupe windows and rate limits count: the event and its session or task.
  subject         TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'failed', 'suppressed', 'dropped')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  -- The last error, the reply, or why it was suppressed or dropped.
  detail          TEXT,
  created_at      TEXT NOT NULL DEFAULT (${d.now}),
  finished_at     TEXT,
  UNIQUE (notification_id, channel)
);
CREATE INDEX idx_deliveries_due ON notification_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX idx_deliveries_rule ON notification_deliveries(rule, created_at) WHERE status IN ('pending', 'sent', 'failed');
CREATE INDEX idx_deliveries_subject ON notification_deliveries(rule, subject, created_at) WHERE status IN ('pending', 'sent', 'failed');
CREATE INDEX idx_deliveries_channel ON notification_deliveries(channel, created_at) WHERE status IN ('pending', 'sent', 'failed');
CREATE INDEX idx_deliveries_failed ON notification_deliveries(id) WHERE status = 'failed';
CREATE INDEX idx_deliveries_queue ON notification_deliveries(channel, id) WHERE status = 'pending';

-- The attention episode a session is in (waiting on one dialog, stopped on one error):
-- the same episode seen again (after a reload, a restart, a flicker) is not a new event.
CREATE TABLE attention_episodes (
  session_id  TEXT PRIMARY KEY,
  event       TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  started_at  TEXT NOT NULL
);

-- Sessions that started waiting, errored or finished a task since the operator last opened them.
CREATE TABLE unread_sessions (
  session_id TEXT PRIMARY KEY,
  event      TEXT NOT NULL,
  detail     TEXT,
  since      TEXT NOT NULL
);

-- How far each event source (the task history) has been read.
CREATE TABLE attention_cursors (
  source   TEXT PRIMARY KEY,
  position ${d.int64} NOT NULL
);
`);
