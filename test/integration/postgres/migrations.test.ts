import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, migrate } from '../../../src/main/store/migrate.js';
import { migrations, type Migration } from '../../../src/main/store/migrations/index.js';
import { migratePostgres, SCHEMA_TABLE, schemaVersion } from '../../../src/main/store/postgres/migrate.js';
import { openPool } from '../../../src/main/store/postgres/pool.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { postgresMissing, TestPostgres } from '../../support/postgres.js';
import { postgresShape, sqliteShape } from './schema-shape.js';

// One file per migration, both dialects in it: every migration applied to a real
// PostgreSQL by the same rule as SQLite's runner, and after each one the schema has
// the same tables, columns, indexes, constraints and triggers as SQLite's at that
// version. Then the triggers do the same things on both.
const missing = postgresMissing();

describe.skipIf(missing)(`migrations on PostgreSQL${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let cluster: TestPostgres;
  const pools: pg.Pool[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    cluster = await TestPostgres.start();
  });
  afterEach(async () => {
    for (const p of pools.splice(0)) await p.end();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function freshPool(): Promise<{ pool: pg.Pool; url: string }> {
    const url = await cluster.createDatabase();
    const pool = await openPool(parsePostgresUrl(url, 'test'));
    pools.push(pool);
    return { pool, url };
  }

  function freshSqlite(): Database.Database {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-pgmig-'));
    dirs.push(dir);
    return new Database(path.join(dir, 'architect.db'));
  }

  it('every migration applies in turn, and after each one the schema matches SQLite\'s at that version', async () => {
    const { pool, url } = await freshPool();
    const lite = freshSqlite();
    for (const m of migrations) {
      const report = await migratePostgres(pool, url, migrations, m.version);
      expect(report).toEqual({ from: m.version - 1, to: m.version, applied: [m.name] });
      migrate(lite, 'sqlite', migrations, m.version);
      const client = await pool.connect();
      try {
        expect(await schemaVersion(client)).toBe(m.version);
        const got = await postgresShape(client, [SCHEMA_TABLE]);
        expect(got, `after ${String(m.version).padStart(3, '0')}_${m.name}`).toEqual(sqliteShape(lite));
      } finally {
        client.release();
      }
    }
    // The full schema really was compared (not two empty objects).
    const shape = sqliteShape(lite);
    expect(Object.keys(shape.tables)).toContain('tasks');
    expect(shape.tables.tasks!.triggers.length).toBeGreaterThan(3);
    lite.close();
  });

  it('applies everything pending in one go, and nothing the second time', async () => {
    const { pool, url } = await freshPool();
    expect(await migratePostgres(pool, url, migrations)).toMatchObject({ from: 0, to: migrations.length });
    expect(await migratePostgres(pool, url, migrations)).toEqual({ from: migrations.length, to: migrations.length, applied: [] });
  });

  it('two consoles starting together: one migrates, the other waits and finds nothing to do', async () => {
    const { pool: a, url } = await freshPool();
    const b = await openPool(parsePostgresUrl(url, 'test'));
    pools.push(b);
    const reports = await Promise.all([migratePostgres(a, url, migrations), migratePostgres(b, url, migrations)]);
    expect(reports.map((r) => r.applied.length).sort()).toEqual([0, migrations.length]);
  });

  it('a failing migration leaves the database at its old version (one transaction), naming it', async () => {
    const { pool, url } = await freshPool();
    await migratePostgres(pool, url, migrations, 1);
    const broken: Migration[] = [...migrations, { version: migrations.length + 1, name: 'broken', sql: '', postgres: 'CREATE TABLE zz(a int); SELECT nope FROM nowhere;' }];
    await expect(migratePostgres(pool, url, broken)).rejects.toThrow(new RegExp(`${url}: migration ${String(migrations.length + 1).padStart(3, '0')}_broken failed: relation "nowhere" does not exist`));
    const tables = (await pool.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = current_schema()')).rows.map((r) => r.t);
    expect(tables).not.toContain('zz');
    expect(tables).not.toContain('sessions');
    const client = await pool.connect();
    expect(await schemaVersion(client)).toBe(1);
    client.release();
  });

  it('refuses a database a newer Architect migrated, naming it and both versions, and changes nothing', async () => {
    const { pool, url } = await freshPool();
    await migratePostgres(pool, url, migrations);
    await pool.query(`UPDATE ${SCHEMA_TABLE} SET version = $1`, [migrations.length + 3]);
    const error = await migratePostgres(pool, url, migrations).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toContain(`version ${migrations.length + 3} is newer than this Architect knows (${migrations.length})`);
    expect((await pool.query(`SELECT version FROM ${SCHEMA_TABLE}`)).rows[0].version).toBe(migrations.length + 3);
  });

  it('the triggers keep history, counts and completions per minute as SQLite\'s do', async () => {
    const { pool, url } = await freshPool();
    await migratePostgres(pool, url, migrations);
    const lite = freshSqlite();
    migrate(lite, 'sqlite', migrations);
    // The same writes on both engines (no parameters: the placeholders differ).
    const script = [
      "INSERT INTO tasks(type, title) VALUES ('bug_fix', 'a'), ('bug_fix', 'b'), ('docs', 'c')",
      "INSERT INTO tasks(type, title, status, completed_at) VALUES ('docs', 'd', 'completed', '2026-01-02 03:04:05.000')",
      "UPDATE tasks SET status = 'assigned', assigned_to = 'w1', status_reason = 'claimed' WHERE title = 'a'",
      "UPDATE tasks SET status = 'completed', completed_at = '2026-01-02 03:04:59.000', status_reason = 'done' WHERE title = 'a'",
      "UPDATE tasks SET status = 'completed', completed_at = '2026-01-02 03:05:00.000' WHERE title = 'b'",
      "UPDATE tasks SET completed_at = '2026-01-02 03:04:30.000' WHERE title = 'b'",
      "UPDATE tasks SET status = 'pending', status_reason = 'requeued' WHERE title = 'd'",
      "DELETE FROM tasks WHERE title = 'c'",
      "UPDATE tasks SET title = 'a2', updated_at = '2000-01-01 00:00:00.000' WHERE title = 'a'",
      "UPDATE tasks SET priority = 7 WHERE title = 'a2'",
      "INSERT INTO tasks(type, title, created_at) VALUES ('git', 'e', '2026-01-02 03:04:05.000'), ('git', 'f', '2026-01-02 03:04:59.999')",
      "UPDATE tasks SET type = 'shell' WHERE title = 'e'",
      "UPDATE tasks SET status = 'cancelled', completed_at = '2026-01-02 03:06:00.000' WHERE title = 'f'",
      // Per session and creation hour (migration 021): a start time, a task moved to another session, one deleted.
      "UPDATE tasks SET started_at = '2026-01-02 03:00:00.000' WHERE title = 'a2'",
      "INSERT INTO tasks(type, title, status, assigned_to, created_at, updated_at, started_at, completed_at) VALUES ('git', 'g', 'completed', 'w2', '2026-01-02 03:10:00.000', '2026-01-02 03:11:00.250', '2026-01-02 03:10:00.500', '2026-01-02 03:11:00.250')",
      "INSERT INTO tasks(type, title, status, assigned_to, created_at, updated_at) VALUES ('git', 'h', 'in_progress', 'w2', '2026-01-02 03:20:00.000', '2026-01-02 03:21:00.000')",
      "UPDATE tasks SET assigned_to = 'w3', updated_at = '2026-01-02 03:30:00.000' WHERE title = 'g'",
      "DELETE FROM tasks WHERE title = 'h'",
      // Many rows in one statement (what a round's claim is on PostgreSQL):
      // tasks moved both ways at once, a statement moving no status, a multi-row delete.
      "INSERT INTO tasks(type, title, status) VALUES ('docs', 'm1', 'pending'), ('docs', 'm2', 'failed'), ('docs', 'm3', 'pending'), ('git', 'm4', 'blocked')",
      "UPDATE tasks SET status = CASE status WHEN 'pending' THEN 'failed' WHEN 'failed' THEN 'pending' ELSE status END WHERE title IN ('m1', 'm2', 'm3', 'm4')",
      "UPDATE tasks SET priority = priority + 1 WHERE title LIKE 'm%'",
      // Sessions on tasks (migration 022): one on a task of a shared queue (no such row here).
      "INSERT INTO sessions(id, name, current_task_id) SELECT 'p' || title, 'w' || title, id FROM tasks WHERE title IN ('e', 'm1', 'm3')",
      "INSERT INTO sessions(id, name, current_task_id) VALUES ('pshared', 'wshared', 424242)",
      "DELETE FROM tasks WHERE title IN ('m1', 'm2')",
    ];
    for (const sql of script) {
      lite.exec(sql);
      await pool.query(sql);
    }
    const reads = [
      'SELECT status, n FROM task_counts ORDER BY status',
      'SELECT minute, n FROM task_completions WHERE n <> 0 ORDER BY minute',
      'SELECT type, project_id, n FROM task_open_counts WHERE n <> 0 ORDER BY type, project_id',
      'SELECT type, project_id, minute, n FROM task_open_minutes ORDER BY type, project_id, minute',
      'SELECT hour, type, total, completed, failed, priority_sum, finished FROM task_type_hours WHERE total <> 0 ORDER BY hour, type',
      // Durations only of the tasks created at a time the script gives (the others' created_at is each engine's own now).
      "SELECT hour, type, duration_s, duration_ms FROM task_type_hours WHERE hour < '2026-06' ORDER BY hour, type",
      'SELECT hour, session, total, completed, failed, active, timed, duration_ms, stale FROM task_session_hours ORDER BY hour, session',
      "SELECT hour, session, last_updated FROM task_session_hours WHERE hour < '2026-06' ORDER BY hour, session",
      'SELECT t.title, e.from_status, e.to_status, e.reason FROM task_events e JOIN tasks t ON t.id = e.task_id ORDER BY e.id',
      // A deleted task leaves no session on it; the others keep theirs.
      "SELECT s.id, coalesce(t.title, CASE WHEN s.current_task_id IS NULL THEN 'none' ELSE 'elsewhere' END) AS task FROM sessions s LEFT JOIN tasks t ON t.id = s.current_task_id ORDER BY s.id",
    ];
    for (const sql of reads) expect((await pool.query(sql)).rows, sql).toEqual(lite.prepare(sql).all());
    expect((await pool.query('SELECT id, current_task_id IS NULL AS cleared FROM sessions ORDER BY id')).rows).toEqual([
      { id: 'pe', cleared: false }, { id: 'pm1', cleared: true }, { id: 'pm3', cleared: false }, { id: 'pshared', cleared: false },
    ]);
    // The counters are the tasks' own counts.
    const recount = "SELECT status, count(*)::int AS n FROM tasks GROUP BY status ORDER BY status";
    expect((await pool.query("SELECT status, n::int AS n FROM task_counts WHERE n <> 0 ORDER BY status")).rows).toEqual((await pool.query(recount)).rows);
    // updated_at: kept when a writer sets it, refreshed when a writer forgets it.
    const touched = "SELECT updated_at > '2000-01-01 00:00:00.000' AS later FROM tasks WHERE title = 'a2'";
    expect((await pool.query(touched)).rows[0].later).toBe(true);
    expect((lite.prepare(touched).get() as { later: number }).later).toBe(1);
    // Timestamps in the store's one format on both engines.
    const created = (await pool.query<{ created_at: string }>("SELECT created_at FROM tasks WHERE title = 'a2'")).rows[0]!.created_at;
    expect(created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    lite.close();
  });

  it("session_workload's postgres variant gives the scan's numbers, the 7-day bound's hour and tasks that left a session included", async () => {
    const { pool, url } = await freshPool();
    await migratePostgres(pool, url, migrations);
    const variant = (parse(fs.readFileSync(path.resolve('config/base/queries.yaml'), 'utf8')) as { queries: Record<string, { postgres: string }> }).queries.session_workload!.postgres;
    const scan = `SELECT assigned_to AS session, COUNT(*) AS total,
        COUNT(CASE WHEN status = 'completed' THEN 1 END) AS completed, COUNT(CASE WHEN status = 'failed' THEN 1 END) AS failed,
        COUNT(CASE WHEN status IN ('assigned', 'in_progress') THEN 1 END) AS active,
        AVG(CASE WHEN status = 'completed' AND started_at IS NOT NULL
          THEN EXTRACT(EPOCH FROM completed_at::timestamp - started_at::timestamp) END)::float8 AS avg_duration_seconds,
        MAX(updated_at) AS last_activity
      FROM tasks WHERE assigned_to IS NOT NULL
        AND created_at > to_char((now() AT TIME ZONE 'UTC') - make_interval(days => :days), 'YYYY-MM-DD HH24:MI:SS.MS')
      GROUP BY assigned_to ORDER BY total DESC, session LIMIT :limit`;
    const at = (offset: string) => `to_char((now() AT TIME ZONE 'UTC') + interval '${offset}', 'YYYY-MM-DD HH24:MI:SS.MS')`;
    // Tasks from 8 days ago to now, every 7 minutes, four sessions, every status; 30 s and more from the bound.
    await pool.query(`INSERT INTO tasks(type, title, status, assigned_to, created_at, updated_at, started_at, completed_at)
      SELECT 'git', 't' || k, (ARRAY['pending','assigned','in_progress','completed','failed','cancelled','blocked'])[1 + k % 7],
        (ARRAY['w1','w2','w3','w4', NULL])[1 + k % 5],
        ${at("-8 days").replace("interval '-8 days'", "interval '-8 days' + k * interval '7 minutes' + interval '31 seconds'")},
        ${at('-8 days').replace("interval '-8 days'", "interval '-8 days' + k * interval '7 minutes' + (k % 13) * interval '17 minutes'")},
        ${at('-8 days').replace("interval '-8 days'", "interval '-8 days' + k * interval '7 minutes' + interval '40 seconds'")},
        ${at('-8 days').replace("interval '-8 days'", "interval '-8 days' + k * interval '7 minutes' + (k % 11) * interval '1234.567 seconds'")}
      FROM generate_series(0, 1645) k`);
    // Requeued and claimed by another session, retried, deleted: rows of task_session_hours that lost their latest task.
    await pool.query(`UPDATE tasks SET assigned_to = 'w9', updated_at = ${at('-1 minute')} WHERE id % 17 = 0 AND assigned_to IS NOT NULL`);
    await pool.query(`UPDATE tasks SET assigned_to = NULL WHERE id % 19 = 0`);
    await pool.query(`DELETE FROM tasks WHERE id IN (SELECT id FROM tasks WHERE assigned_to IS NOT NULL ORDER BY updated_at DESC LIMIT 40)`);
    expect((await pool.query('SELECT count(*)::int AS n FROM task_session_hours WHERE stale = 1')).rows[0].n).toBeGreaterThan(0);
    for (const [days, limit] of [[7, 100], [2, 3], [30, 100]] as const) {
      const bind = (sql: string) => sql.replaceAll(':days', String(days)).replaceAll(':limit', String(limit));
      const [ours, theirs] = await Promise.all([pool.query(bind(variant)), pool.query(bind(scan))]);
      expect(ours.rows.length).toBe(Math.min(limit, 5));
      expect(ours.rows.map((r) => ({ ...r, avg_duration_seconds: Math.round(r.avg_duration_seconds * 1000) }))).toEqual(
        theirs.rows.map((r) => ({ ...r, avg_duration_seconds: Math.round(r.avg_duration_seconds * 1000) })),
      );
    }
  });

  it('rejects text that is not JSON where SQLite does (json_valid), and ids are never reused', async () => {
    const { pool, url } = await freshPool();
    await migratePostgres(pool, url, migrations);
    await expect(pool.query("INSERT INTO tasks(type, title, metadata) VALUES ('x', 'y', '{nope')")).rejects.toThrow(/tasks_metadata_check/);
    await pool.query("INSERT INTO tasks(type, title, metadata) VALUES ('x', 'y', '{\"ok\": true}')");
    const first = (await pool.query<{ id: number }>('SELECT max(id) AS id FROM tasks')).rows[0]!.id;
    expect(typeof first).toBe('number');
    await pool.query('DELETE FROM tasks');
    const again = (await pool.query<{ id: number }>("INSERT INTO tasks(type, title) VALUES ('x', 'z') RETURNING id")).rows[0]!.id;
    expect(again).toBeGreaterThan(first);
  });
});
