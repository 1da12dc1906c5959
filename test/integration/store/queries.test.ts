import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { loadConfig } from '../../../src/main/config/load.js';
import { handleQueryHttp } from '../../../src/main/queries/http.js';
import { applyConfigIndexes } from '../../../src/main/store/config-indexes.js';
import { QueryTimeoutError } from '../../../src/main/queries/reader-pool.js';
import { QueryService, UnknownQueryError } from '../../../src/main/queries/service.js';
import { QueryParamError } from '../../../src/main/queries/params.js';
import { seedDatabase } from '../../../src/main/store/seed.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';
import { migrations } from '../../../src/main/store/migrations/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedQueries = QueriesFile.parse(parse(fs.readFileSync(path.join(here, 'fixtures/seed-queries.yaml'), 'utf8')));

let store: Store;
let remove: () => void;
let service: QueryService;
let clock = 0;
beforeEach(() => {
  ({ store, remove } = tempStore());
  clock = 0;
  service = new QueryService(store, { logger: silentLogger, now: () => clock });
});
afterEach(async () => {
  await service.close();
  remove();
});

function file(queries: Record<string, unknown>): QueriesFile {
  return QueriesFile.parse({ version: '1', queries });
}

describe("the seed's five queries over the real schema", () => {
  it('all load and return what the seeded data says', async () => {
    seedDatabase(store, { tasks: 2000, sessions: 12, seed: 7 });
    expect(service.load(seedQueries)).toEqual([]);
    expect(service.list().map((q) => q.name)).toEqual(['sessions_active', 'stats_dashboard', 'task_performance_by_type', 'tasks_by_status', 'tasks_pending_high_priority']);

    const byStatus = await service.run('tasks_by_status', { status: 'pending', limit: '10' });
    expect(byStatus.count).toBe(10);
    expect(byStatus.results.every((r) => r.status === 'pending')).toBe(true);
    const priorities = byStatus.results.map((r) => r.priority as number);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));

    const high = await service.run('tasks_pending_high_priority', {});
    expect(high.count).toBe(Math.min(50, store.writer.prepare("SELECT COUNT(*) FROM tasks WHERE status='pending' AND priority >= 7").pluck().get() as number));
    expect(high.results.every((r) => (r.priority as number) >= 7 && typeof r.elapsed_minutes === 'number' && (r.elapsed_minutes as number) >= 0)).toBe(true);

    const stats = (await service.run('stats_dashboard')).results[0]!;
    const counts = store.tasks.counts();
    expect(stats.pending_tasks).toBe(counts.pending);
    expect(stats.active_tasks).toBe(counts.in_progress);
    expect(stats.completed_today).toBe(
      store.writer.prepare("SELECT COUNT(*) FROM tasks WHERE status='completed' AND completed_at > datetime('now','-1 day')").pluck().get(),
    );
    expect((stats.completed_today as number) > 0 && (stats.completed_today as number) < counts.completed).toBe(true);
    expect((stats.idle_sessions as number) + (stats.working_sessions as number)).toBeGreaterThan(0);
    expect(stats.open_errors).toBeGreaterThan(0);

    const active = await service.run('sessions_active');
    expect(active.count).toBe((stats.idle_sessions as number) + (stats.working_sessions as number));

    const perf = await service.run('task_performance_by_type');
    expect(perf.results.reduce((n, r) => n + (r.total as number), 0)).toBe(2000);
    expect(perf.results.every((r) => typeof r.avg_duration_minutes === 'number' && (r.avg_duration_minutes as number) > 0)).toBe(true);
  });
});

describe("the project's config/base/queries.yaml", () => {
  it('loads without problems and its indexes apply over the real schema', async () => {
    const loaded = loadConfig({ dir: path.resolve(here, '../../../config'), env: null });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const project = loaded.snapshot.queries;
    expect(applyConfigIndexes(store, project.indexes).problems).toEqual([]);
    expect(service.load(project)).toEqual([]);
    seedDatabase(store, { tasks: 100, sessions: 3, seed: 1 });
    for (const q of service.list()) {
      const required = Object.fromEntries(q.params.filter((p) => p.required).map((p) => [p.name, p.type === 'string' ? 'pending' : '1']));
      await expect(service.run(q.name, required)).resolves.toMatchObject({ query: q.name });
    }
  });
});

describe('read-only enforcement', () => {
  const hostile: Record<string, string> = {
    insert: "INSERT INTO projects(name, path) VALUES ('evil', '/evil') RETURNING id",
    delete_returning: 'DELETE FROM projects RETURNING id',
    attach: "ATTACH DATABASE '/tmp/evil.db' AS evil",
    pragma: 'PRAGMA user_version = 99',
    pragma_read: 'PRAGMA table_info(tasks)',
    multi: "SELECT 1; DELETE FROM projects",
    begin: 'BEGIN IMMEDIATE',
  };

  it('each is a problem on field sql, is never executed, and the good query still loads', async () => {
    store.projects.add('/keep/me');
    const problems = service.load(file({ ...Object.fromEntries(Object.entries(hostile).map(([k, sql]) => [k, { sql }])), ok: { sql: 'SELECT COUNT(*) AS n FROM projects' } }));
    expect(problems.map((p) => p.query).sort()).toEqual(Object.keys(hostile).sort());
    expect(problems.every((p) => p.field === 'sql' && p.message.length > 0)).toBe(true);
    expect(problems.find((p) => p.query === 'multi')?.message).toMatch(/several statements/);
    expect(problems.find((p) => p.query === 'attach')?.message).toMatch(/ATTACH is not allowed/);
    expect(service.list().map((q) => q.name)).toEqual(['ok']);
    await expect(service.run('insert')).rejects.toThrow(UnknownQueryError);
    expect((await service.run('ok')).results).toEqual([{ n: 1 }]);
    expect(store.writer.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(store.writer.prepare('SELECT path FROM projects').pluck().all()).toEqual(['/keep/me']);
    // Nothing attached ('temp' is SQLite's own schema, there once a write transaction began).
    expect((store.writer.pragma('database_list') as { name: string }[]).map((d) => d.name).filter((n) => n !== 'temp')).toEqual(['main']);
  });

  it('a query that does not prepare, or uses an undeclared param, is a problem with the reason', () => {
    const problems = service.load(file({
      typo: { sql: 'SELECT * FROM taskz' },
      undeclared: { sql: 'SELECT * FROM tasks WHERE status = :status' },
    }));
    expect(problems).toEqual([
      { query: 'typo', field: 'sql', message: expect.stringMatching(/does not prepare: no such table: taskz/) },
      { query: 'undeclared', field: 'params', message: expect.stringMatching(/status.*declare it under params/) },
    ]);
  });
});

describe('running', () => {
  beforeEach(() => {
    expect(service.load(file({
      pending: { sql: "SELECT id FROM tasks WHERE status = 'pending' ORDER BY id", cache_ttl: 10 },
      by_type: { sql: 'SELECT id FROM tasks WHERE type = :type', params: [{ name: 'type', type: 'string', required: true }], cache_ttl: 10 },
      uncached: { sql: 'SELECT COUNT(*) AS n FROM tasks' },
      slow: {
        sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50000000) SELECT COUNT(*) AS n FROM c',
        timeout_ms: 100,
      },
    }))).toEqual([]);
  });

  it('caches per name and params, until the TTL passes', async () => {
    store.tasks.add({ type: 'a', title: 't' });
    expect((await service.run('pending')).cached).toBe(false);
    expect((await service.run('pending')).cached).toBe(true);
    expect((await service.run('by_type', { type: 'a' })).cached).toBe(false);
    expect((await service.run('by_type', { type: 'b' })).cached).toBe(false);
    expect((await service.run('by_type', { type: 'a' })).cached).toBe(true);
    clock += 9_999;
    expect((await service.run('pending')).cached).toBe(true);
    clock += 2;
    expect((await service.run('pending')).cached).toBe(false);
    expect(service.statsOf('pending')).toMatchObject({ calls: 4, cacheHits: 2, errors: 0 });
    expect((await service.run('uncached')).cached).toBe(false);
    expect((await service.run('uncached')).cached).toBe(false);
  });

  it('a write invalidates the cache, and the new rows are served', async () => {
    store.tasks.add({ type: 'a', title: 't' });
    expect((await service.run('pending')).count).toBe(1);
    store.tasks.add({ type: 'a', title: 'u' });
    const after = await service.run('pending');
    expect(after).toMatchObject({ cached: false, count: 2 });
  });

  it('param errors and unknown queries are typed errors, counted nowhere near the worker', async () => {
    await expect(service.run('by_type', {})).rejects.toThrow(QueryParamError);
    await expect(service.run('by_type', { type: 'a', extra: 1 })).rejects.toThrow(/not declared/);
    await expect(service.run('nope')).rejects.toThrow(UnknownQueryError);
  });

  it('a query past its timeout is stopped and reported; the next query runs on a fresh worker', async () => {
    store.tasks.add({ type: 'a', title: 't' });
    await expect(service.run('slow')).rejects.toThrow(QueryTimeoutError);
    expect(service.statsOf('slow')).toMatchObject({ calls: 1, errors: 1, lastError: expect.stringMatching(/longer than 100 ms/) });
    expect((await service.run('uncached')).results).toEqual([{ n: 1 }]);
  });

  it('serves the seed POC over HTTP: 200, 400, 404', async () => {
    store.tasks.add({ type: 'a', title: 't' });
    expect(await handleQueryHttp(service, 'by_type', new URLSearchParams('type=a'))).toEqual({
      status: 200,
      body: { query: 'by_type', results: [{ id: 1 }], count: 1 },
      // Where its time went (the Server-Timing header's metrics): run on a reader, and the SQL's own part.
      timing: expect.stringMatching(/^query;dur=\d+\.\d\d;desc="run", sql;dur=\d+\.\d\d$/),
    });
    expect(await handleQueryHttp(service, 'by_type', new URLSearchParams(''))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/"type" is required/) } });
    expect(await handleQueryHttp(service, 'by_type', new URLSearchParams('type=a&x=1'))).toMatchObject({ status: 400, body: { error: expect.stringMatching(/"x" is not declared/) } });
    expect(await handleQueryHttp(service, 'by_type', new URLSearchParams('type=a&type=b'))).toMatchObject({ status: 400 });
    expect(await handleQueryHttp(service, 'missing', new URLSearchParams(''))).toMatchObject({ status: 404, body: { error: expect.stringMatching(/no query named "missing"/) } });
  });
});
