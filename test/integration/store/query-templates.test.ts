import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { QueryService } from '../../../src/main/queries/service.js';
import { applyConfigIndexes } from '../../../src/main/store/config-indexes.js';
import { seedDatabase } from '../../../src/main/store/seed.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

// Every query template shipped in config/base/queries.yaml (15+, as the seed
// promised), run on seeded data: its rows are what the data says (computed here the
// slow, obvious way), and its plan reads the index it is documented to need rather
// than scanning the table.

const shipped = QueriesFile.parse(parse(fs.readFileSync(path.resolve('config/base/queries.yaml'), 'utf8')));

interface TaskRow {
  id: number;
  type: string;
  status: string;
  priority: number;
  assigned_to: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/** Each template: its parameters for the run, the index its plan must use, and the check of its rows. */
interface Case {
  params: Record<string, unknown>;
  /** Index names, any of which the plan may use ('' for queries over tiny tables only). */
  index: string[];
  check(rows: Record<string, unknown>[]): void;
}

let store: Store;
let remove: () => void;
let service: QueryService;
let tasks: TaskRow[];
const sqlTime = (msAgo: number): string => new Date(Date.now() - msAgo).toISOString().replace('T', ' ').replace('Z', '');

beforeAll(() => {
  ({ store, remove } = tempStore());
  seedDatabase(store, { tasks: 4000, sessions: 8, seed: 11 });
  // History and decisions for task 1 (the seed inserts, so it has none of its own).
  store.writer.exec(`UPDATE tasks SET status = 'blocked', status_reason = 'test' WHERE id = 1`);
  store.writer.exec(`UPDATE tasks SET status = 'pending', status_reason = 'test again' WHERE id = 1`);
  store.writer.prepare(`INSERT INTO decisions(kind, task_id, session_id, decision, reason) VALUES ('route', 1, 'default:%1', 'queued', 'no idle session')`).run();
  store.writer.prepare(`INSERT INTO decisions(kind, task_id, session_id, decision, reason) VALUES ('route', 2, 'default:%1', 'assign', 'preferred')`).run();
  tasks = store.writer.prepare('SELECT id, type, status, priority, assigned_to, created_at, started_at, completed_at FROM tasks').all() as TaskRow[];
  expect(applyConfigIndexes(store, shipped.indexes).problems).toEqual([]);
  service = new QueryService(store, { logger: silentLogger });
  expect(service.load(shipped)).toEqual([]);
});
afterAll(async () => {
  await service?.close();
  remove?.();
});

const count = (pred: (t: TaskRow) => boolean): number => tasks.filter(pred).length;
const ids = (rows: Record<string, unknown>[]): number[] => rows.map((r) => r.id as number);
const descending = (xs: number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1]! >= x);
const weekAgo = sqlTime(7 * 24 * 3600_000);
const session = (): string => tasks.find((t) => t.assigned_to !== null)!.assigned_to!;

const CASES: Record<string, Case> = {
  tasks_by_status: {
    params: { status: 'pending', limit: 20 },
    index: ['idx_tasks_pending_priority'],
    check: (rows) => {
      expect(rows).toHaveLength(Math.min(20, count((t) => t.status === 'pending')));
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      expect(descending(rows.map((r) => r.priority as number))).toBe(true);
    },
  },
  tasks_pending_high_priority: {
    params: { min_priority: 8 },
    index: ['idx_tasks_pending_priority'],
    check: (rows) => {
      expect(rows).toHaveLength(Math.min(50, count((t) => t.status === 'pending' && t.priority >= 8)));
      expect(rows.every((r) => (r.priority as number) >= 8)).toBe(true);
    },
  },
  tasks_by_id: {
    params: { id: 42 },
    index: ['PRIMARY KEY', 'INTEGER PRIMARY KEY'],
    check: (rows) => expect(ids(rows)).toEqual([42]),
  },
  sessions_active: {
    params: {},
    index: ['idx_sessions_status_heartbeat'],
    check: (rows) => {
      const expected = store.writer.prepare(`SELECT count(*) FROM sessions WHERE status IN ('idle','working') AND last_heartbeat > datetime('now', '-5 minutes')`).pluck().get() as number;
      expect(rows).toHaveLength(expected);
    },
  },
  stats_dashboard: {
    params: {},
    index: [''],
    check: (rows) => {
      expect(rows[0]!.pending_tasks).toBe(count((t) => t.status === 'pending'));
      expect(rows[0]!.active_tasks).toBe(count((t) => t.status === 'in_progress'));
    },
  },
  stats_dashboard_seed: {
    params: {},
    index: ['idx_tasks_pending_priority', 'idx_tasks_recent_completed'],
    check: (rows) => expect(rows[0]!.pending_tasks).toBe(count((t) => t.status === 'pending')),
  },
  task_performance_by_type: {
    params: {},
    index: ['idx_tasks_created'],
    check: (rows) => {
      for (const r of rows) expect(r.total).toBe(count((t) => t.type === r.type && t.created_at > weekAgo.slice(0, 19)));
      expect(rows.reduce((n, r) => n + (r.total as number), 0)).toBeGreaterThan(0);
    },
  },
  completed_per_hour: {
    params: {},
    index: ['PRIMARY KEY'],
    check: (rows) => {
      const since = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 23 * 3_600_000).toISOString().replace('T', ' ').slice(0, 16);
      for (const r of rows) {
        expect(r.completed).toBe(count((t) => t.status === 'completed' && t.completed_at !== null && `${t.completed_at.slice(0, 13)}:00` === r.hour));
      }
      expect(rows.reduce((n, r) => n + (r.completed as number), 0)).toBe(count((t) => t.status === 'completed' && t.completed_at !== null && t.completed_at.slice(0, 16) >= since));
    },
  },
  session_workload: {
    params: {},
    // The per-session hours (migration 021) by their key, and the bound's hour of tasks.
    index: ['USING PRIMARY KEY (hour>?)'],
    check: (rows) => {
      expect(rows.length).toBe(8);
      for (const r of rows) {
        const mine = tasks.filter((t) => t.assigned_to === r.session && t.created_at > weekAgo);
        expect(r.total).toBe(mine.length);
        expect(r.completed).toBe(mine.filter((t) => t.status === 'completed').length);
        expect(r.failed).toBe(mine.filter((t) => t.status === 'failed').length);
        expect(r.active).toBe(mine.filter((t) => t.status === 'assigned' || t.status === 'in_progress').length);
      }
    },
  },
  tasks_by_type: {
    params: { type: 'bug_fix', limit: 1000 },
    index: ['idx_tasks_type'],
    check: (rows) => {
      expect(rows).toHaveLength(Math.min(1000, count((t) => t.type === 'bug_fix')));
      expect(descending(ids(rows))).toBe(true);
    },
  },
  tasks_by_session: {
    params: { session: '', hours: 72, limit: 1000 },
    index: ['idx_tasks_held'],
    check: (rows) => {
      const cutoff = sqlTime(72 * 3600_000);
      const mine = (t: TaskRow): boolean =>
        t.assigned_to === session() && (t.status === 'assigned' || t.status === 'in_progress' || (t.status === 'completed' && t.completed_at !== null && t.completed_at > cutoff));
      expect(rows).toHaveLength(count(mine));
      expect(rows.length).toBeGreaterThan(0);
      expect(descending(ids(rows))).toBe(true);
    },
  },
  tasks_stuck: {
    params: { minutes: 30, limit: 1000 },
    index: ['idx_tasks_pending_priority', 'idx_tasks_held'],
    check: (rows) => {
      const cutoff = sqlTime(30 * 60_000);
      expect(rows).toHaveLength(count((t) => t.status === 'in_progress' && t.started_at !== null && t.started_at < cutoff));
      expect(rows.every((r) => (r.running_minutes as number) >= 30)).toBe(true);
    },
  },
  tasks_failed_recent: {
    params: { hours: 48, limit: 1000 },
    index: ['idx_tasks_failed'],
    check: (rows) => {
      const cutoff = sqlTime(48 * 3600_000);
      expect(rows).toHaveLength(count((t) => t.status === 'failed' && t.completed_at !== null && t.completed_at > cutoff));
      expect(rows.length).toBeGreaterThan(0);
    },
  },
  queue_depth_by_type: {
    params: {},
    index: ['idx_tasks_queue_type', 'idx_tasks_pending_priority'],
    check: (rows) => {
      for (const r of rows) expect(r.pending).toBe(count((t) => t.status === 'pending' && t.type === r.type));
      expect(rows.reduce((n, r) => n + (r.pending as number), 0)).toBe(count((t) => t.status === 'pending'));
    },
  },
  task_history: {
    params: { id: 1 },
    index: ['idx_task_events_task'],
    check: (rows) => expect(rows.map((r) => r.to_status)).toEqual(['blocked', 'pending']),
  },
  task_decisions: {
    params: { id: 1 },
    index: ['idx_decisions_task'],
    check: (rows) => expect(rows.map((r) => r.decision)).toEqual(['queued']),
  },
  errors_open: {
    params: {},
    index: ['idx_errors_open'],
    check: (rows) => {
      expect(rows).toHaveLength(store.writer.prepare('SELECT count(*) FROM errors WHERE resolved = 0').pluck().get() as number);
      expect(rows.length).toBeGreaterThan(0);
    },
  },
  sessions_by_state: {
    params: {},
    index: ['idx_sessions_status_heartbeat'],
    check: (rows) => expect(rows.reduce((n, r) => n + (r.sessions as number), 0)).toBe(8),
  },
};

describe('the shipped query templates', () => {
  it('are 15 or more, and every one has a case here', () => {
    const names = Object.keys(shipped.queries);
    expect(names.length).toBeGreaterThanOrEqual(15);
    expect(names.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: rows match the data, and the plan reads ${c.index.filter(Boolean).join(' or ') || 'no large table'}`, async () => {
      const params = name === 'tasks_by_session' ? { ...c.params, session: session() } : c.params;
      const result = await service.run(name, params);
      c.check(result.results);

      // The plan, with the parameters the service bound.
      const def = shipped.queries[name]!;
      const bound: Record<string, unknown> = {};
      for (const p of def.params) bound[p.name] = params[p.name] ?? p.default ?? null;
      const plan = (store.reader.prepare(`EXPLAIN QUERY PLAN ${def.sql}`).all(bound) as { detail: string }[]).map((r) => r.detail);
      const bigTables = /^SCAN (tasks|task_events|decisions)\b(?! USING)/;
      expect(plan.filter((d) => bigTables.test(d)), plan.join(' | ')).toEqual([]);
      if (c.index[0] !== '') expect(plan.some((d) => c.index.some((i) => d.includes(i))), plan.join(' | ')).toBe(true);
    });
  }
});
