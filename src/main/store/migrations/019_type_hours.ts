import { bothDialects } from './dialect.js';
import { sqliteTriggers as openTaskTriggers } from './018_open_task_minutes.js';

// task_performance_by_type (the seed's query in config/base/queries.yaml, on the
// Overview's Performance panel) sums the tasks of each type created in the last 7
// days: the whole week of the 1M-task seed, ~1M rows, past its 5 s timeout. This
// table keeps what it sums per type and creation hour ('YYYY-MM-DD HH' of created_at),
// so the week is ~170 rows per type plus the boundary hour's own tasks read exactly.
// Triggers keep it on every insert and delete, and on an update only when what it
// sums changes (a completion, a failure, a retry, a new priority, type or completion
// time): a claim or a start writes nothing here.
//   finished / duration_s: the tasks whose completion minus creation SQLite's
//   strftime('%s') can count (the shipped query's AVG), and the sum of those whole
//   seconds; on PostgreSQL, the tasks with a completed_at.
//   duration_ms: the same differences in milliseconds (PostgreSQL's EXTRACT(EPOCH)).
export const name = 'type_hours';

// A task's contribution, from its row (NEW or OLD): the columns after type and hour.
const sqliteParts = (r: string): string[] => [
  `${r}.status = 'completed'`,
  `${r}.status = 'failed'`,
  `${r}.priority`,
  `(strftime('%s', ${r}.completed_at) - strftime('%s', ${r}.created_at)) IS NOT NULL`,
  `coalesce(strftime('%s', ${r}.completed_at) - strftime('%s', ${r}.created_at), 0)`,
  `coalesce(CAST(round((julianday(${r}.completed_at) - julianday(${r}.created_at)) * 86400000) AS INTEGER), 0)`,
];
const pgParts = (r: string): string[] => [
  `(${r}.status = 'completed')::int`,
  `(${r}.status = 'failed')::int`,
  `${r}.priority`,
  `(${r}.completed_at IS NOT NULL)::int`,
  `coalesce(floor(extract(epoch FROM ${r}.completed_at::timestamp)) - floor(extract(epoch FROM ${r}.created_at::timestamp)), 0)::bigint`,
  `coalesce(round(extract(epoch FROM ${r}.completed_at::timestamp - ${r}.created_at::timestamp) * 1000), 0)::bigint`,
];
const SUMS = ['completed', 'failed', 'priority_sum', 'finished', 'duration_s', 'duration_ms'];
const COLUMNS = `type, hour, total, ${SUMS.join(', ')}`;
const add = (table: string) => `total = ${table}.total + 1, ${SUMS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}`;
const subtract = (parts: string[]) => `total = total - 1, ${SUMS.map((c, i) => `${c} = ${c} - (${parts[i]})`).join(', ')}`;
const CHANGED = (distinct: string) => `OLD.type ${distinct} NEW.type OR OLD.created_at ${distinct} NEW.created_at OR OLD.priority ${distinct} NEW.priority
  OR OLD.completed_at ${distinct} NEW.completed_at
  OR (OLD.status ${distinct} NEW.status AND (OLD.status IN ('completed', 'failed') OR NEW.status IN ('completed', 'failed')))`;

/** Fills task_type_hours from the tasks (one pass); also the seed's rebuild after a bulk load (derived-counts.ts). */
const backfill = (parts: (r: string) => string[]): string => `INSERT INTO task_type_hours(${COLUMNS})
  SELECT type, substr(created_at, 1, 13), count(*), ${parts('t').map((p) => `sum(${p})`).join(', ')}
  FROM tasks t GROUP BY type, substr(created_at, 1, 13);`;
export const typeHoursBackfillSqlite = backfill(sqliteParts);

export const { sql, postgres } = bothDialects((d) => `
CREATE TABLE task_type_hours (
  hour         TEXT NOT NULL,
  type         TEXT NOT NULL,
  total        ${d.int64} NOT NULL DEFAULT 0,
  completed    ${d.int64} NOT NULL DEFAULT 0,
  failed       ${d.int64} NOT NULL DEFAULT 0,
  priority_sum ${d.int64} NOT NULL DEFAULT 0,
  finished     ${d.int64} NOT NULL DEFAULT 0,
  duration_s   ${d.int64} NOT NULL DEFAULT 0,
  duration_ms  ${d.int64} NOT NULL DEFAULT 0,
  PRIMARY KEY (hour, type)
)${d.sqlite(' WITHOUT ROWID')};

${backfill(d.postgres('pg') ? pgParts : sqliteParts)}

${d.sqlite(`-- Migration 018's triggers again, but for how they test that a task is open: after
-- IN, a list of three values or more is a small temporary table that SQLite builds
-- each time a trigger runs, and every claim runs the update trigger (to find it has
-- nothing to do) — ~10 µs a claim, measured. Two lists of two are plain comparisons.
-- (PostgreSQL compares IN lists without building anything: its triggers stay.)
DROP TRIGGER trg_task_open_insert;
DROP TRIGGER trg_task_open_delete;
DROP TRIGGER trg_task_open_update;
${openTaskTriggers((row) => `(${row}.status IN ('pending', 'assigned') OR ${row}.status IN ('in_progress', 'blocked'))`)}
CREATE TRIGGER trg_task_type_hours_insert AFTER INSERT ON tasks
BEGIN
  INSERT INTO task_type_hours(${COLUMNS}) VALUES (NEW.type, substr(NEW.created_at, 1, 13), 1, ${sqliteParts('NEW').join(', ')})
    ON CONFLICT(hour, type) DO UPDATE SET ${add('task_type_hours')};
END;

CREATE TRIGGER trg_task_type_hours_delete AFTER DELETE ON tasks
BEGIN
  UPDATE task_type_hours SET ${subtract(sqliteParts('OLD'))}
    WHERE hour = substr(OLD.created_at, 1, 13) AND type = OLD.type;
END;

CREATE TRIGGER trg_task_type_hours_update AFTER UPDATE OF status, type, created_at, priority, completed_at ON tasks
WHEN ${CHANGED('IS NOT')}
BEGIN
  UPDATE task_type_hours SET ${subtract(sqliteParts('OLD'))}
    WHERE hour = substr(OLD.created_at, 1, 13) AND type = OLD.type;
  INSERT INTO task_type_hours(${COLUMNS}) VALUES (NEW.type, substr(NEW.created_at, 1, 13), 1, ${sqliteParts('NEW').join(', ')})
    ON CONFLICT(hour, type) DO UPDATE SET ${add('task_type_hours')};
END;
`)}${d.postgres(`CREATE FUNCTION trg_task_type_hours() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE task_type_hours SET ${subtract(pgParts('OLD'))}
      WHERE hour = substr(OLD.created_at, 1, 13) AND type = OLD.type;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO task_type_hours(${COLUMNS}) VALUES (NEW.type, substr(NEW.created_at, 1, 13), 1, ${pgParts('NEW').join(', ')})
      ON CONFLICT (hour, type) DO UPDATE SET ${add('task_type_hours')};
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_task_type_hours_insert AFTER INSERT ON tasks
FOR EACH ROW EXECUTE FUNCTION trg_task_type_hours();

CREATE TRIGGER trg_task_type_hours_delete AFTER DELETE ON tasks
FOR EACH ROW EXECUTE FUNCTION trg_task_type_hours();

CREATE TRIGGER trg_task_type_hours_update AFTER UPDATE OF status, type, created_at, priority, completed_at ON tasks
FOR EACH ROW WHEN (${CHANGED('IS DISTINCT FROM')})
EXECUTE FUNCTION trg_task_type_hours();
`)}`);
