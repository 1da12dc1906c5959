import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { rebuildDerivedCounts } from '../../../src/main/store/derived-counts.js';
import { seedDatabase, seededRandom } from '../../../src/main/store/seed.js';
import type { Store } from '../../../src/main/store/store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { tempStore } from './temp-store.js';

// task_performance_by_type (config/base/queries.yaml) reads the per-type, per-creation-hour
// sums that migration 019's triggers keep, plus the boundary hour's own tasks. It must
// give the seed's query's numbers (the seed's SQL, which users may keep in their own
// queries.yaml) on the same data, and the sums must follow every write to tasks.

const shippedFile = QueriesFile.parse(parse(fs.readFileSync(path.resolve('config/base/queries.yaml'), 'utf8'))).queries;
const shipped = QueriesFile.parse(parse(fs.readFileSync(path.resolve('config/base/queries.yaml'), 'utf8'))).queries.task_performance_by_type!.sql;
const seeds = QueriesFile.parse(parse(fs.readFileSync(path.resolve('test/integration/store/fixtures/seed-queries.yaml'), 'utf8'))).queries.task_performance_by_type!.sql;
const WEEK = 7 * 24 * 3600 * 1000;
const STATUSES = ['pending', 'assigned', 'in_progress', 'blocked', 'completed', 'failed', 'cancelled'] as const;

type Row = { type: string; total: number; completed: number; failed: number; avg_duration_minutes: number | null; avg_priority: number };

let store: Store;
let remove: () => void;
beforeEach(() => {
  ({ store, remove } = tempStore());
});
afterEach(() => remove());

const byType = (rows: Row[]): Row[] => [...rows].sort((a, b) => a.type.localeCompare(b.type));

describe('task_performance_by_type from the per-hour sums (migration 019)', () => {
  it("gives the seed's query's numbers on the same data, the boundary hour's tasks on both sides of the 7-day bound included", () => {
    const now = Date.now();
    // The seed spreads its tasks over the week before now: the 7-day bound falls in its first hour.
    seedDatabase(store, { tasks: 3000, sessions: 6, seed: 19, now: new Date(now) });
    const random = seededRandom(190);
    const insert = store.writer.prepare('INSERT INTO tasks(type, title, prompt, priority, status, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    store.transaction(() => {
      // Far enough from the bound (30 s and more) that the moment between the two queries cannot move a task across it.
      for (const offset of [-3_700_000, -3_500_000, -600_000, -30_000, 30_000, 600_000, 3_500_000, 3_700_000]) {
        for (const status of STATUSES) {
          const created = now - WEEK + offset + Math.floor(random() * 1000);
          const finished = ['completed', 'failed', 'cancelled'].includes(status) ? toSqlTime(new Date(created + Math.floor(random() * 5_000_000))) : null;
          insert.run(['git', 'shell', 'odd type'][Math.floor(random() * 3)]!, 't', 'p', Math.floor(random() * 11), status, toSqlTime(new Date(created)), toSqlTime(new Date(created)), finished);
        }
      }
    });
    const theirs = byType(store.writer.prepare(seeds).all() as Row[]);
    const ours = byType(store.writer.prepare(shipped).all() as Row[]);
    expect(ours.map((r) => r.type)).toEqual(theirs.map((r) => r.type));
    expect(theirs.length).toBe(11);
    for (const [i, r] of ours.entries()) {
      const t = theirs[i]!;
      // Counts and the mean priority exactly; the mean duration up to the last bits of a
      // double (the seed's AVG adds each task's minutes, ours divides the sum of seconds once).
      expect({ ...r, avg_duration_minutes: 0 }, r.type).toEqual({ ...t, avg_duration_minutes: 0 });
      expect(Math.abs(r.avg_duration_minutes! - t.avg_duration_minutes!), r.type).toBeLessThan(1e-9 * Math.abs(t.avg_duration_minutes!));
    }
    // Not vacuous: some tasks of the bound's hour are in the week and some are not.
    const hour = toSqlTime(new Date(now - WEEK)).slice(0, 13);
    const inHour = store.writer.prepare("SELECT count(*) FROM tasks WHERE substr(created_at, 1, 13) = ? AND created_at > datetime('now', '-7 days')").pluck();
    expect(inHour.get(hour)).toBeGreaterThan(0);
    expect(store.writer.prepare('SELECT count(*) FROM tasks WHERE substr(created_at, 1, 13) = ?').pluck().get(hour)).toBeGreaterThan(inHour.get(hour) as number);
    // And the plan reads no task outside that hour.
    const plan = (store.writer.prepare(`EXPLAIN QUERY PLAN ${shipped}`).all() as { detail: string }[]).map((p) => p.detail);
    expect(plan.filter((d) => / t\b| tasks\b/.test(d)).every((d) => d.includes('idx_tasks_created (created_at>? AND created_at<?)')), plan.join(' | ')).toBe(true);
  });

  it('the sums follow inserts, completions, failures, retries, edits and deletes, and a claim does not touch them', () => {
    const db = store.writer;
    const random = seededRandom(1019);
    const insert = db.prepare('INSERT INTO tasks(type, title, prompt, priority, status, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (let k = 0; k < 500; k++) {
      const created = Date.parse('2026-12-06T08:00:00Z') + Math.floor(random() * 5 * 3_600_000);
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      const finished = ['completed', 'failed', 'cancelled'].includes(status) ? toSqlTime(new Date(created + Math.floor(random() * 9_000_000))) : null;
      insert.run(['git', 'shell', 'deploy'][k % 3]!, `t${k}`, 'p', k % 11, status, toSqlTime(new Date(created)), toSqlTime(new Date(created)), finished);
    }
    const sums = (): unknown => db.prepare('SELECT * FROM task_type_hours WHERE total <> 0 ORDER BY hour, type').all();
    const recount = (): unknown => {
      db.exec('SAVEPOINT recount');
      rebuildDerivedCounts(db);
      const copy = sums();
      db.exec('ROLLBACK TO recount; RELEASE recount');
      return copy;
    };
    const ids = (where: string): number[] => db.prepare(`SELECT id FROM tasks WHERE ${where} ORDER BY id LIMIT 30`).pluck().all() as number[];
    const run = (sql: string, where: string): void => {
      const stmt = db.prepare(sql);
      for (const id of ids(where)) stmt.run(id);
    };
    expect(sums()).toEqual(recount());
    // A claim (completed_at set to NULL again, as the task queue's claim does) and a start write nothing here.
    const changes = db.prepare('SELECT total_changes()').pluck();
    const claim = db.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 'w1', completed_at = NULL WHERE id = ?");
    const start = db.prepare("UPDATE tasks SET status = 'in_progress' WHERE id = ?");
    const claimAndStart = (id: number): number => {
      const was = changes.get() as number;
      claim.run(id);
      start.run(id);
      return (changes.get() as number) - was;
    };
    const pending = ids("status = 'pending'");
    db.exec('SAVEPOINT without; DROP TRIGGER trg_task_type_hours_insert; DROP TRIGGER trg_task_type_hours_delete; DROP TRIGGER trg_task_type_hours_update');
    const baseline = claimAndStart(pending[0]!);
    db.exec('ROLLBACK TO without; RELEASE without');
    for (const id of pending) expect(claimAndStart(id)).toBe(baseline);
    expect(sums()).toEqual(recount());
    run("UPDATE tasks SET status = 'completed', completed_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '+17 minutes') WHERE id = ?", "status IN ('assigned', 'in_progress')");
    run("UPDATE tasks SET status = 'failed', completed_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '+3 minutes') WHERE id = ?", "status = 'pending'");
    run("UPDATE tasks SET status = 'pending', completed_at = NULL WHERE id = ?", "status IN ('failed', 'cancelled')");
    run('UPDATE tasks SET priority = priority + 1 WHERE id = ?', "status = 'completed'");
    run("UPDATE tasks SET type = 'bug_fix' WHERE id = ?", "status = 'completed'");
    run("UPDATE tasks SET created_at = '2026-12-05 23:59:59.999' WHERE id = ?", "status = 'blocked'");
    run('DELETE FROM tasks WHERE id = ?', "status IN ('pending', 'completed')");
    expect(sums()).toEqual(recount());
    expect((sums() as unknown[]).length).toBeGreaterThan(10);
  });

  it("stats_dashboard's completed_today is the seed's count to the second, the bound's own minute included", () => {
    const now = Date.now();
    seedDatabase(store, { tasks: 2000, sessions: 4, seed: 20, now: new Date(now) });
    const insert = store.writer.prepare("INSERT INTO tasks(type, title, prompt, status, created_at, updated_at, completed_at) VALUES ('git', 't', 'p', 'completed', ?, ?, ?)");
    store.transaction(() => {
      // Every 5 s within 95 s either side of the 24 h bound: its minute holds tasks on both sides of it.
      for (let offset = -95_000; offset <= 95_000; offset += 5_000) {
        if (offset === 0) continue;
        const at = toSqlTime(new Date(now - 24 * 3_600_000 + offset));
        insert.run(at, at, at);
      }
    });
    const seedSql = QueriesFile.parse(parse(fs.readFileSync(path.resolve('config/base/queries.yaml'), 'utf8'))).queries.stats_dashboard_seed!.sql;
    const theirs = store.writer.prepare(seedSql).get() as Record<string, number>;
    const ours = store.writer.prepare(shippedFile.stats_dashboard!.sql).get() as Record<string, number>;
    expect(ours).toEqual(theirs);
    expect(ours.completed_today).toBeGreaterThan(19);
  });
});
