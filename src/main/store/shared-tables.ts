// Which tables a console on a shared PostgreSQL queue keeps in its own SQLite file
// (console.db) rather than in the shared database (docs/database.md, "The team
// set-up"). The shared database has these tables too, with the same schema, but no
// console writes them there: a read of them on PostgreSQL finds nothing.

/** A console's own tables: its sessions, attention, notifications, errors, workflow runs and config indexes. */
export const CONSOLE_OWN_TABLES: ReadonlySet<string> = new Set([
  'sessions',
  'session_events',
  'attention_episodes',
  'unread_sessions',
  'attention_cursors',
  'notifications',
  'notification_deliveries',
  'errors',
  'workflow_runs',
  'workflow_steps',
  'config_indexes',
]);
