import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/main/log/logger.js';
import { DatabaseTooNewError, migrate } from '../../../src/main/store/migrate.js';
import { migrations } from '../../../src/main/store/migrations/index.js';
import { openStore } from '../../../src/main/store/store.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-migrate-'));
  dirs.push(dir);
  return path.join(dir, 'architect.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A new file migrated to `version`, with foreign keys on (as the store opens it): for a rebuild's cascades. */
function withForeignKeysAt(version: number): { db: Database.Database; file: string } {
  const file = tempDb();
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  migrate(db, file, migrations, version);
  return { db, file };
}

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
}

// What each migration adds, from an empty database up to it.
const ADDS: Record<number, string[]> = {
  1: ['projects', 'task_counts', 'task_events', 'tasks'],
  2: ['session_events', 'sessions'],
  3: ['decisions', 'errors', 'notifications'],
  4: ['workflow_runs', 'workflow_steps'],
  5: ['config_indexes'],
  6: ['task_completions'],
  7: [], // indexes only
  8: [], // drops an index
  9: [], // a column
  10: [], // indexes only
  11: [], // an index
  12: ['attention_cursors', 'attention_episodes', 'notification_deliveries', 'unread_sessions'],
  13: ['task_dependencies'],
  14: [], // an index
  15: ['task_leases'],
  16: [], // a column and an index
  17: [], // an index
  18: ['task_open_counts', 'task_open_minutes'],
  19: ['task_type_hours'],
  20: ['workflow_task_writes'],
  21: ['task_session_hours'],
  22: [], // sessions and session_events built again, a trigger
};

describe('migrations', () => {
  it('every migration is listed in what this test expects', () => {
    expect(migrations.map((m) => m.version)).toEqual(Object.keys(ADDS).map(Number));
  });

  for (const m of migrations) {
    it(`${String(m.version).padStart(3, '0')}_${m.name} applies from an empty database`, () => {
      const file = tempDb();
      const db = new Database(file);
      const report = migrate(db, file, migrations, m.version);
      expect(report).toMatchObject({ from: 0, to: m.version });
      expect(db.pragma('user_version', { simple: true })).toBe(m.version);
      const expected = Object.entries(ADDS).filter(([v]) => Number(v) <= m.version).flatMap(([, t]) => t).sort();
      expect(tables(db)).toEqual(expected);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.close();
    });
  }

  it('008 drops the status index claims had to rewrite, and the guard and held tasks still use an index', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, file, migrations, 7);
    const indexes = () => db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL").pluck().all() as string[];
    expect(indexes()).toContain('idx_tasks_status_completed');
    migrate(db, file, migrations, 8);
    expect(indexes()).not.toContain('idx_tasks_status_completed');
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT id FROM tasks WHERE status IN ('assigned','in_progress') AND assigned_to IS NOT NULL")).toMatch(/USING INDEX idx_tasks_pending_priority \(status=\?\)/);
    db.close();
  });

  it('010: the claim guard is one seek among held tasks, and a type\'s queue is read in order without a sort', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, file, migrations, 10);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT 1 FROM tasks WHERE status IN ('assigned','in_progress') AND assigned_to = 'w1'")).toBe('SEARCH tasks USING INDEX idx_tasks_held (assigned_to=?)');
    const ofType = plan("SELECT id, type, priority, created_at, not_before, route_to FROM tasks WHERE status = 'pending' AND type = 'bug_fix' ORDER BY priority DESC, created_at LIMIT 10");
    expect(ofType).toBe('SEARCH tasks USING INDEX idx_tasks_queue_type (type=?)');
    db.close();
  });

  it('011: the last hour\'s completions are read from their own index, not the whole history', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, file, migrations, 11);
    const plan = (db.prepare(
      "EXPLAIN QUERY PLAN SELECT assigned_to FROM tasks INDEXED BY idx_tasks_recent_completed WHERE status = 'completed' AND completed_at >= ? AND assigned_to IS NOT NULL",
    ).all('2026-01-01 00:00:00.000') as { detail: string }[]).map((r) => r.detail);
    expect(plan).toEqual(['SEARCH tasks USING COVERING INDEX idx_tasks_recent_completed (completed_at>?)']);
    db.close();
  });

  it('020 keeps every alert, delivery, run and step, drops only their task_id foreign key, and keeps the cascades', () => {
    const { db, file } = withForeignKeysAt(19);
    db.exec(`INSERT INTO tasks(id, type, title) VALUES (7, 'x', 'a task');
      INSERT INTO notifications(id, task_id, kind, level, message, channels, dedupe_key, event, payload) VALUES (1, 7, 'sla', 'critical', 'm', '["log"]', 'k1', 'sla_critical', '{"a":1}');
      INSERT INTO notification_deliveries(notification_id, channel, rule, subject, status) VALUES (1, 'log', 'r', 's', 'sent');
      INSERT INTO workflow_runs(id, workflow, task_id, context) VALUES (3, 'w', 7, '{}');
      INSERT INTO workflow_steps(run_id, step, seq, status, output) VALUES (3, 'a', 0, 'completed', '{"id":7}');`);
    const before = ['notifications', 'notification_deliveries', 'workflow_runs', 'workflow_steps'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY id`).all());
    migrate(db, file, migrations, 20);
    expect(['notifications', 'notification_deliveries', 'workflow_runs', 'workflow_steps'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY id`).all())).toEqual(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // A task of a shared queue (not in this file) may be named now.
    db.exec(`INSERT INTO notifications(task_id, kind, message) VALUES (424242, 'sla', 'shared'); INSERT INTO workflow_runs(workflow, task_id) VALUES ('w', 424242);`);
    // The children still go with their parents, and still need one.
    expect(() => db.exec(`INSERT INTO notification_deliveries(notification_id, channel, rule, subject) VALUES (999, 'log', 'r', 's')`)).toThrow(/FOREIGN KEY/);
    db.exec('DELETE FROM notifications WHERE id = 1; DELETE FROM workflow_runs WHERE id = 3');
    expect(db.prepare('SELECT count(*) FROM notification_deliveries').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM workflow_steps').pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%_rebuilt%'").pluck().get()).toBe(0);
    db.close();
  });

  it('022 keeps every session and event, drops only current_task_id\'s foreign key, and a deleted task still leaves no session on it', () => {
    const { db, file } = withForeignKeysAt(21);
    db.exec(`INSERT INTO projects(id, name, path) VALUES (4, 'p', '/p');
      INSERT INTO tasks(id, type, title) VALUES (7, 'x', 'held by w1'), (8, 'x', 'held by w2');
      INSERT INTO sessions(id, name, server, status, provider, current_task_id, idle_since, last_heartbeat, state_since, cwd, project_id, gone_at)
        VALUES ('default:%1', 'w1', 'default', 'working', 'claude', 7, NULL, '2026-01-02 03:04:05.000', '2026-01-02 03:04:00.000', '/p', 4, NULL),
               ('default:%2', 'w2', 'default', 'idle', 'codex', 8, '2026-01-02 03:00:00.000', NULL, NULL, NULL, NULL, NULL),
               ('b:%3', 'w3', 'b', 'exited', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-01-02 03:05:00.000');
      INSERT INTO sessions(id, name) VALUES ('default:%4', 'w4');
      INSERT INTO session_events(session_id, from_state, to_state, reason) VALUES ('default:%1', 'idle', 'working', 'r1'), ('default:%2', NULL, 'idle', NULL), ('default:%1', 'working', 'idle', 'r2');`);
    // Before: a task the file does not hold (a shared queue's) cannot be named.
    expect(() => db.exec("UPDATE sessions SET current_task_id = 424242 WHERE id = 'default:%4'")).toThrow(/FOREIGN KEY/);
    const rows = () => ['sessions', 'session_events'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY id`).all());
    const shape = (table: string) => ({
      columns: db.prepare('SELECT cid, name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid').all(table),
      indexes: db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? ORDER BY name").all(table),
      keys: db.prepare('SELECT "from", "table", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY "from"').all(table),
      check: /CHECK \(status IN \('working','idle','waiting','error','exited','unknown'\)\)/.test(db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").pluck().get(table) as string),
    });
    const before = rows();
    const sessionsBefore = shape('sessions');
    const eventsBefore = shape('session_events');
    expect(sessionsBefore.keys).toHaveLength(2);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name IN ('sessions', 'session_events')").pluck().get()).toBe(0);
    migrate(db, file, migrations, 22);
    expect(rows()).toEqual(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // The same columns, defaults, CHECK and indexes; only the key to tasks is gone.
    expect(shape('sessions')).toEqual({ ...sessionsBefore, keys: sessionsBefore.keys.filter((k) => (k as { table: string }).table !== 'tasks') });
    expect(shape('sessions').keys).toEqual([{ from: 'project_id', table: 'projects', to: 'id', on_update: 'NO ACTION', on_delete: 'SET NULL' }]);
    expect(shape('session_events')).toEqual(eventsBefore);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%_rebuilt%'").pluck().get()).toBe(0);
    // A task of a shared queue (not in this file) may be named now.
    db.exec("UPDATE sessions SET current_task_id = 424242 WHERE id = 'default:%4'");
    // Defaults as before.
    db.exec("INSERT INTO sessions(id, name) VALUES ('default:%5', 'w5')");
    expect(db.prepare("SELECT server, status, updated_at IS NOT NULL AS stamped FROM sessions WHERE id = 'default:%5'").get()).toEqual({ server: 'default', status: 'unknown', stamped: 1 });
    expect(() => db.exec("UPDATE sessions SET status = 'asleep' WHERE id = 'default:%5'")).toThrow(/CHECK/);
    // A task deleted from the file leaves no session pointing at it (what ON DELETE SET NULL did).
    db.exec('DELETE FROM tasks WHERE id = 7');
    const current = () => db.prepare('SELECT id, current_task_id AS t FROM sessions ORDER BY id').all();
    expect(current()).toEqual([{ id: 'b:%3', t: null }, { id: 'default:%1', t: null }, { id: 'default:%2', t: 8 }, { id: 'default:%4', t: 424242 }, { id: 'default:%5', t: null }]);
    db.exec('DELETE FROM tasks');
    expect(current().map((r) => (r as { t: number | null }).t)).toEqual([null, null, null, 424242, null]);
    // The other key and the cascade still hold.
    db.exec('DELETE FROM projects WHERE id = 4');
    expect(db.prepare("SELECT project_id FROM sessions WHERE id = 'default:%1'").pluck().get()).toBeNull();
    expect(() => db.exec("INSERT INTO session_events(session_id, to_state) VALUES ('nope', 'idle')")).toThrow(/FOREIGN KEY/);
    db.exec("DELETE FROM sessions WHERE id = 'default:%1'");
    expect(db.prepare('SELECT session_id FROM session_events ORDER BY id').pluck().all()).toEqual(['default:%2']);
    db.close();
  });

  it('applies the rest on top of an older database and is a no-op the second time', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, file, migrations, 2);
    expect(migrate(db, file, migrations).applied).toEqual(migrations.slice(2).map((m) => m.name));
    expect(migrate(db, file, migrations).applied).toEqual([]);
    db.close();
  });

  it('a failing migration leaves the database at its old version (one transaction)', () => {
    const file = tempDb();
    const db = new Database(file);
    migrate(db, file, migrations, 1);
    const broken = [...migrations, { version: migrations.length + 1, name: 'broken', sql: 'CREATE TABLE zz(a); SELECT nope FROM nowhere;', postgres: '' }];
    expect(() => migrate(db, file, broken)).toThrow(new RegExp(`migration ${String(migrations.length + 1).padStart(3, '0')}_broken failed`));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).not.toContain('sessions');
    expect(tables(db)).not.toContain('zz');
    db.close();
  });

  it('refuses a database from a newer version, naming the file and both versions', () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma(`user_version = ${migrations.length + 3}`);
    db.close();
    let error: unknown;
    try {
      openStore({ path: file, logger: silentLogger });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain(`version ${migrations.length + 3}`);
    expect((error as Error).message).toContain(`(${migrations.length})`);
  });

  it('opens with WAL, NORMAL sync, foreign keys and a read-only reader', () => {
    const file = tempDb();
    const store = openStore({ path: file, logger: silentLogger });
    expect(store.writer.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.writer.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.writer.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(() => store.reader.exec("INSERT INTO projects(name, path) VALUES ('x', '/x')")).toThrow(/readonly/);
    store.close();
  });
});
