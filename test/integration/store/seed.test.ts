import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDatabase, seededRandom } from '../../../src/main/store/seed.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

/** Above the size where the seed sets the task indexes and insert triggers aside. */
const BULK_TASKS = 60_000;

let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

const schemaOfTasks = () =>
  store.writer.prepare("SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'tasks' ORDER BY type, name").all();

describe('seedDatabase', () => {
  it('the PRNG gives the same sequence for the same seed, another for another', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const c = seededRandom(6);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('a bulk seed restores every index and trigger and leaves the kept counts exact', () => {
    const before = schemaOfTasks();
    const progress: number[] = [];
    seedDatabase(store, { tasks: BULK_TASKS, sessions: 10, seed: 9, onProgress: (done) => progress.push(done) });
    expect(schemaOfTasks()).toEqual(before);
    expect(progress.at(-1)).toBe(BULK_TASKS);

    const scanned = Object.fromEntries(
      (store.writer.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]),
    );
    expect(store.tasks.counts()).toMatchObject(scanned);
    const completions = store.writer.prepare('SELECT SUM(n) FROM task_completions').pluck().get();
    expect(completions).toBe(scanned.completed);
    const open = scanned.pending! + scanned.assigned! + scanned.in_progress! + scanned.blocked!;
    expect(store.writer.prepare('SELECT SUM(n) FROM task_open_counts').pluck().get()).toBe(open);
    expect(store.writer.prepare('SELECT SUM(n) FROM task_open_minutes').pluck().get()).toBe(open);
    // Per session and creation hour (migration 021): every task with a session, its latest update exact.
    expect(store.writer.prepare('SELECT SUM(total) FROM task_session_hours').pluck().get()).toBe(store.writer.prepare('SELECT COUNT(*) FROM tasks WHERE assigned_to IS NOT NULL').pluck().get());
    expect(store.writer.prepare('SELECT COUNT(*) FROM task_session_hours WHERE stale <> 0').pluck().get()).toBe(0);

    // The insert triggers are back: a new task is counted.
    const pending = store.tasks.counts().pending;
    store.tasks.add({ type: 'shell', title: 'after the seed' });
    expect(store.tasks.counts().pending).toBe(pending + 1);
    expect(store.writer.pragma('integrity_check', { simple: true })).toBe('ok');
    // Every status and type is represented, timestamps within the past week.
    expect(Object.keys(scanned).sort()).toEqual(['assigned', 'blocked', 'cancelled', 'completed', 'failed', 'in_progress', 'pending']);
    expect(store.writer.prepare('SELECT COUNT(DISTINCT type) FROM tasks').pluck().get()).toBe(10);
    expect(store.writer.prepare("SELECT COUNT(*) FROM tasks WHERE created_at < datetime('now', '-7 days', '-1 minute')").pluck().get()).toBe(0);
  });
});
