// Claims with a lease (issue 17): several consoles on one PostgreSQL database share
// one queue, and a console that dies holding claims must not leave its tasks
// `assigned` forever. A claim made under a lease writes a row here; its console
// renews it while it runs (a heartbeat), and a task whose lease ran out goes back to
// the queue (task-store.ts expireLeases). A claim without a row (the single SQLite
// console) has no lease and is recovered as before (its session gone, a timeout).
// The same statements on both engines (no `postgres` export).
export const name = 'task_leases';

export const sql = `
CREATE TABLE task_leases (
  -- BIGINT, not INTEGER: a key of its own, not the rowid (no id is ever made up here).
  task_id    BIGINT NOT NULL PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  -- The console holding the claim (its name in messages: host, pid).
  holder     TEXT NOT NULL,
  -- Store timestamp after which the claim is free to be taken back.
  expires_at TEXT NOT NULL
);
CREATE INDEX idx_task_leases_expires ON task_leases(expires_at);
CREATE INDEX idx_task_leases_holder ON task_leases(holder);
`;
