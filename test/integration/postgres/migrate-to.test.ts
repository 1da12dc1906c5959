import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index.js';
import { capturedIo } from '../../support/captured-io.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';

// `architect db migrate-to postgres://…` against a real cluster: a seeded SQLite
// database (every table holding rows) copied into an empty PostgreSQL one, compared
// row by row; a target that is not empty refused with nothing changed; a copy that
// fails half-way leaving nothing behind.
const missing = postgresMissing();

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capturedIo();
  const code = await main(argv, io, new Promise(() => {}));
  return { code, out: io.out(), err: io.err() };
}

describe.skipIf(missing)(`architect db migrate-to${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  let dir: string;
  let source: string;
  beforeAll(async () => {
    cluster = await TestPostgres.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A seeded SQLite database, with a row in every table the seed leaves empty. */
  async function seeded(tasks = 2500): Promise<string> {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-migrate-to-'));
    source = path.join(dir, 'architect.db');
    const seed = await cli(['--db', source, 'db', 'seed', '--tasks', String(tasks), '--sessions', '12', '--seed', '7']);
    expect(seed.code, seed.err).toBe(0);
    const db = new Database(source);
    const taskId = db.prepare('SELECT min(id) FROM tasks').pluck().get() as number;
    const sessionId = db.prepare('SELECT min(id) FROM sessions').pluck().get() as string;
    db.exec(`
      INSERT INTO session_events(session_id, from_state, to_state, reason) VALUES ('${sessionId}', 'idle', 'working', 'prompt');
      INSERT INTO decisions(kind, task_id, session_id, decision, reason) VALUES ('route', ${taskId}, '${sessionId}', 'assign', 'rule bug_fix');
      INSERT INTO notifications(task_id, kind, level, message, channels, dedupe_key, event, session_id, payload)
        VALUES (${taskId}, 'sla', 'warning', 'late', '["log"]', 'sla:1', 'task.late', '${sessionId}', '{"task": 1}');
      INSERT INTO notification_deliveries(notification_id, channel, rule, subject) VALUES (1, 'log', 'rules[0]', 'task:1');
      INSERT INTO workflow_runs(workflow, params, context, task_id) VALUES ('release', '{"v": 1}', '{}', ${taskId});
      INSERT INTO workflow_steps(run_id, step, seq, input) VALUES (1, 'build', 1, '{}');
      INSERT INTO workflow_task_writes(once_key, output) VALUES ('1:build:1', '{"id": 1}');
      INSERT INTO config_indexes(name, table_name, definition) VALUES ('idx_x', 'tasks', 'CREATE INDEX idx_x ON tasks(title)');
      INSERT INTO attention_episodes(session_id, event, fingerprint, started_at) VALUES ('${sessionId}', 'waiting', 'f', '2026-01-01 00:00:00.000');
      INSERT INTO unread_sessions(session_id, event, detail, since) VALUES ('${sessionId}', 'waiting', 'a dialog', '2026-01-01 00:00:00.000');
      INSERT INTO attention_cursors(source, position) VALUES ('task_events', 12);
      INSERT INTO task_dependencies(task_id, depends_on) SELECT min(id), ${taskId} FROM tasks WHERE id > ${taskId};
      INSERT INTO task_leases(task_id, holder, expires_at) VALUES (${taskId}, 'console A', '2026-01-01 00:00:00.000');
      INSERT INTO errors(fingerprint, source, message) SELECT 'extra', 'test', 'x' WHERE NOT EXISTS (SELECT 1 FROM errors);
      INSERT INTO projects(name, path) SELECT 'p', '/p' WHERE NOT EXISTS (SELECT 1 FROM projects);
      -- History: a task changes status (the trigger writes task_events), and one is deleted,
      -- so the highest id SQLite gave is above the highest left (AUTOINCREMENT).
      UPDATE tasks SET status = CASE status WHEN 'cancelled' THEN 'pending' ELSE 'cancelled' END, status_reason = 'test' WHERE id = ${taskId};
      DELETE FROM tasks WHERE id = (SELECT max(id) FROM tasks);
    `);
    const empty = tableNames(db).filter((t) => (db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number) === 0);
    expect(empty, 'every table holds rows, so every table is really copied').toEqual([]);
    db.close();
    return source;
  }

  function tableNames(db: Database.Database): string[] {
    return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  }

  /** Every row of a table, in one order, with values as JSON gives them. */
  function rowsKey(rows: Record<string, unknown>[]): string[] {
    return rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]))).sort();
  }

  it('copies every table into an empty database, row for row, verified by counts', async () => {
    const file = await seeded();
    const url = await cluster.createDatabase();
    const res = await cli(['--db', file, 'db', 'migrate-to', url, '--batch', '257']);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(new RegExp(`^copied \\d+ rows in \\d+ tables from ${file} into ${url} in [\\d.]+ s; every table's row count verified\\n$`));
    expect(res.err).toMatch(/ {2}tasks +2499 rows/);

    const db = new Database(file, { readonly: true });
    const dbName = url.split('/').pop();
    for (const table of tableNames(db)) {
      const lite = db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
      const pg = await cluster.sql(`SELECT * FROM "${table}"`, [], dbName);
      expect(pg.length, table).toBe(lite.length);
      expect(rowsKey(pg), table).toEqual(rowsKey(lite));
    }

    // Ids go on after the highest SQLite ever gave (the deleted task's too).
    const highest = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'tasks'").pluck().get() as number;
    const [added] = await cluster.sql<{ id: number }>("INSERT INTO tasks(type, title) VALUES ('x', 'after the copy') RETURNING id", [], dbName);
    expect(added!.id).toBe(highest + 1);
    const nextEvent = db.prepare('SELECT max(id) FROM task_events').pluck().get() as number;
    // The triggers are on again: a status change is history and moves the counters.
    await cluster.sql("UPDATE tasks SET status = 'completed', completed_at = '2026-02-02 02:02:02.000', status_reason = 'done' WHERE id = $1", [added!.id], dbName);
    const [event] = await cluster.sql<{ id: number; to_status: string }>('SELECT id, to_status FROM task_events WHERE task_id = $1', [added!.id], dbName);
    expect(event).toEqual({ id: nextEvent + 1, to_status: 'completed' });
    const counts = await cluster.sql<{ status: string; n: number; actual: number }>(
      'SELECT c.status, c.n, (SELECT count(*) FROM tasks t WHERE t.status = c.status) AS actual FROM task_counts c',
      [],
      dbName,
    );
    for (const c of counts) expect(c.n, c.status).toBe(c.actual);
    db.close();

    // `db info` reads it back through --db postgres://…
    const info = await cli(['--db', url, 'db', 'info', '--json']);
    expect(info.code, info.err).toBe(0);
    expect(JSON.parse(info.out)).toMatchObject({ database: url, schemaVersion: expect.any(Number), sessions: 12 });
  });

  it('refuses a target that already holds data, and changes nothing', async () => {
    const file = await seeded(300);
    const url = await cluster.createDatabase();
    expect((await cli(['--db', file, 'db', 'migrate-to', url])).code).toBe(0);
    const dbName = url.split('/').pop();
    const before = await cluster.sql<{ n: number }>('SELECT count(*) AS n FROM tasks', [], dbName);
    const again = await cli(['--db', file, 'db', 'migrate-to', url]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(new RegExp(`${url} already holds data \\(.*tasks: 299 rows.*\\): migrate-to copies into an empty database only .*nothing was changed`));
    expect(await cluster.sql('SELECT count(*) AS n FROM tasks', [], dbName)).toEqual(before);
  });

  it('refuses a database holding tables that are not Architect\'s, and creates nothing there', async () => {
    const file = await seeded(50);
    const url = await cluster.createDatabase();
    const dbName = url.split('/').pop();
    await cluster.sql('CREATE TABLE invoices (id int)', [], dbName);
    const res = await cli(['--db', file, 'db', 'migrate-to', url]);
    expect(res.code).toBe(1);
    expect(res.err).toContain(`${url} holds tables that are not Architect's (invoices)`);
    const tables = await cluster.sql<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()', [], dbName);
    expect(tables.map((r) => r.t)).toEqual(['invoices']);
  });

  it('a copy that fails half-way leaves the target as it was (one transaction)', async () => {
    const file = await seeded(50);
    // PostgreSQL text cannot hold a NUL character; SQLite's can.
    const db = new Database(file);
    db.prepare('UPDATE tasks SET title = ? WHERE id = (SELECT max(id) FROM tasks)').run('bad\u0000title');
    db.close();
    const url = await cluster.createDatabase();
    const res = await cli(['--db', file, 'db', 'migrate-to', url]);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/0x00/);
    const tables = await cluster.sql('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()', [], url.split('/').pop());
    expect(tables).toEqual([]);
  });

  it('says what is wrong with the target or the source, and what does not run on PostgreSQL yet', async () => {
    const file = await seeded(10);
    const url = await cluster.createDatabase();
    const cases: [string[], number, RegExp][] = [
      [['--db', file, 'db', 'migrate-to'], 2, /migrate-to needs the PostgreSQL database/],
      [['--db', file, 'db', 'migrate-to', '/tmp/other.db'], 2, /the target is a postgres:\/\/user@host:port\/dbname URL/],
      [['--db', file, 'db', 'migrate-to', 'postgres://u:secret@127.0.0.1:5/'], 2, /postgres:\/\/u:\*\*\*@127\.0\.0\.1:5\/: the URL names no database/],
      [['--db', path.join(dir, 'none.db'), 'db', 'migrate-to', url], 2, /there is no SQLite database at .*none\.db to copy/],
      [['--db', file, 'db', 'migrate-to', `postgres://architect@127.0.0.1:${cluster.port}/no_such_db`], 1, /cannot connect to the database postgres:\/\/architect@127\.0\.0\.1:\d+\/no_such_db: database "no_such_db" does not exist/],
      [['--db', url, 'explain', '1'], 2, new RegExp(`architect explain: ${url}: this command does not run on PostgreSQL yet \\(what does: .*architect db migrate-to`)],
      [['--db', url, 'db', 'seed', '--tasks', '1', '--sessions', '1'], 2, /architect db: .*does not run on PostgreSQL yet/],
    ];
    for (const [argv, code, message] of cases) {
      const res = await cli(argv);
      expect(res.err, argv.join(' ')).toMatch(message);
      expect(res.code, argv.join(' ')).toBe(code);
      expect(res.err).not.toContain('secret');
    }
  });
});
