import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexDef } from '../../../src/main/config/schemas/queries.js';
import { applyConfigIndexes, planConfigIndexes, reportJob } from '../../../src/main/store/config-indexes.js';
import { IndexBuilder } from '../../../src/main/store/index-builder.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

const defs = (...list: unknown[]): IndexDef[] => list.map((d) => IndexDef.parse(d));
const indexSql = (name: string): string | undefined =>
  store.writer.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck().get(name) as string | undefined;

describe('applyConfigIndexes', () => {
  const seedIndexes = defs(
    { table: 'tasks', name: 'idx_tasks_status_priority', columns: ['status', 'priority', 'created_at'] },
    { table: 'tasks', name: 'idx_tasks_type_status', columns: ['type', 'status'] },
    { table: 'sessions', name: 'idx_sessions_status_heartbeat', columns: ['status', 'last_heartbeat'] },
    { table: 'prompts', name: 'idx_prompts_status_priority', columns: ['status', 'priority', 'created_at'] },
  );

  it("creates the seed's indexes, reports the one on a missing table, and does nothing on reload", () => {
    const first = applyConfigIndexes(store, seedIndexes);
    expect(first.created).toEqual(['idx_tasks_status_priority', 'idx_tasks_type_status', 'idx_sessions_status_heartbeat']);
    expect(first.problems).toEqual([{ indexName: 'idx_prompts_status_priority', message: 'table "prompts" does not exist; index not created' }]);
    expect(indexSql('idx_tasks_type_status')).toContain('(type, status)');
    expect(store.writer.prepare('SELECT name FROM config_indexes ORDER BY name').pluck().all()).toEqual([
      'idx_sessions_status_heartbeat', 'idx_tasks_status_priority', 'idx_tasks_type_status',
    ]);
    const again = applyConfigIndexes(store, seedIndexes);
    expect(again).toMatchObject({ created: [], dropped: [], unchanged: ['idx_tasks_status_priority', 'idx_tasks_type_status', 'idx_sessions_status_heartbeat'] });
  });

  it('recreates a changed index and drops one that left the file', () => {
    applyConfigIndexes(store, seedIndexes.slice(0, 2));
    const changed = defs(
      { table: 'tasks', name: 'idx_tasks_status_priority', columns: ['status', 'priority DESC', 'created_at'] },
    );
    const report = applyConfigIndexes(store, changed);
    expect(report).toMatchObject({ created: ['idx_tasks_status_priority'], dropped: ['idx_tasks_type_status'], problems: [] });
    expect(indexSql('idx_tasks_status_priority')).toContain('priority DESC');
    expect(indexSql('idx_tasks_type_status')).toBeUndefined();
  });

  it('a config index identical to a migration index is accepted as is and never dropped', () => {
    const same = defs({ table: 'tasks', name: 'idx_tasks_pending_priority', columns: ['status', 'priority DESC', 'created_at'] });
    expect(applyConfigIndexes(store, same)).toMatchObject({ created: [], unchanged: ['idx_tasks_pending_priority'], problems: [] });
    expect(applyConfigIndexes(store, [])).toMatchObject({ dropped: [] });
    expect(indexSql('idx_tasks_pending_priority')).toBeDefined();
    const ascending = defs({ table: 'tasks', name: 'idx_tasks_pending_priority', columns: ['status', 'priority', 'created_at'] });
    expect(applyConfigIndexes(store, ascending).problems).toHaveLength(1);
  });

  it('never touches an index a migration owns, and a bad WHERE is a problem not a crash', () => {
    const report = applyConfigIndexes(store, defs(
      { table: 'tasks', name: 'idx_tasks_pending_priority', columns: ['status'] },
      { table: 'tasks', name: 'idx_bad_where', columns: ['status'], where: 'no_such_column = 1' },
    ));
    expect(report.problems.map((p) => p.indexName)).toEqual(['idx_tasks_pending_priority', 'idx_bad_where']);
    expect(report.problems[1]!.message).toMatch(/could not create index: no such column/);
    expect(indexSql('idx_tasks_pending_priority')).toContain('priority DESC');
    applyConfigIndexes(store, []);
    expect(indexSql('idx_tasks_pending_priority')).toBeDefined();
  });
});

describe('the console builds config indexes in a worker thread', () => {
  it('runs the same plan there, each job its own transaction; a bad one is reported alone; the console writes meanwhile', async () => {
    // Enough rows that building the index is real work for the worker's own connection.
    store.transaction(() => {
      for (let i = 0; i < 20_000; i++) store.tasks.add({ type: i % 2 ? 'a' : 'b', title: `t${i}` });
    });
    const builder = new IndexBuilder({ dbPath: store.path });
    try {
      const { report, jobs } = planConfigIndexes(store, defs(
        { table: 'tasks', name: 'idx_tasks_type_title', columns: ['type', 'title'] },
        { table: 'tasks', name: 'idx_bad_where', columns: ['status'], where: 'no_such_column = 1' },
        { table: 'prompts', name: 'idx_prompts', columns: ['status'] },
      ));
      // Planning reads the schema only: nothing is built yet, the missing table is already a problem.
      expect(report.problems.map((p) => p.indexName)).toEqual(['idx_prompts']);
      expect(jobs.map((j) => j.name)).toEqual(['idx_tasks_type_title', 'idx_bad_where']);
      expect(indexSql('idx_tasks_type_title')).toBeUndefined();
      expect(builder.building).toBe(false);
      const running = builder.run(jobs);
      // Writes that can wait in memory do while it builds (setup/sessions.ts).
      expect(builder.building).toBe(true);
      // The console's own connection still writes (it waits for the build's commit at most).
      store.tasks.add({ type: 'a', title: 'added while the worker builds' });
      const results = await running;
      expect(builder.building).toBe(false);
      for (const r of results) reportJob(report, r.job, r.error);
      expect(report.created).toEqual(['idx_tasks_type_title']);
      expect(report.problems.map((p) => p.indexName)).toEqual(['idx_prompts', 'idx_bad_where']);
      expect(report.problems[1]!.message).toMatch(/could not create index: no such column/);
      expect(indexSql('idx_tasks_type_title')).toContain('(type, title)');
      expect(store.writer.prepare('SELECT name FROM config_indexes').pluck().all()).toEqual(['idx_tasks_type_title']);
      // The index the worker built is used by this connection's queries.
      const plan = (store.writer.prepare("EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE type = 'a' AND title = 't1'").all() as Array<{ detail: string }>).map((r) => r.detail).join();
      expect(plan).toContain('idx_tasks_type_title');
      expect(store.writer.prepare("SELECT count(*) FROM tasks WHERE title = 'added while the worker builds'").pluck().get()).toBe(1);
      // Nothing more to do the second time.
      expect(planConfigIndexes(store, defs({ table: 'tasks', name: 'idx_tasks_type_title', columns: ['type', 'title'] })).jobs).toEqual([]);
      // With nothing left to build the thread is gone (its isolate counts in the console's
      // RSS); a later change starts another.
      expect(builder.running).toBe(false);
      const later = planConfigIndexes(store, defs({ table: 'tasks', name: 'idx_tasks_title', columns: ['title'] }));
      const [again] = await builder.run(later.jobs);
      expect(again!.error).toBeNull();
      expect(indexSql('idx_tasks_title')).toContain('(title)');
      expect(builder.running).toBe(false);
    } finally {
      builder.stop();
    }
  });
});
