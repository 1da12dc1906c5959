import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QueriesFile } from '../../../src/main/config/schemas/queries.js';
import { rebuildDerivedCounts } from '../../../src/main/store/derived-counts.js';
import { seedDatabase, seededRandom } from '../../../src/main/store/seed.js';
import type { Store } from '../../../src/main/store/store.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { SESSION_WORKLOAD_SCAN } from './session-workload-scan.js';
import { tempStore } from './temp-store.js';

// session_workload (config/base/queries.yaml, the Overview's "Work by Session") reads the
// per-session, per-creation-hour sums that migration 021's triggers keep, plus the
// boundary hour's own tasks. It must give the scan's numbers (the query as it was, which
// users may keep in their own queries.yaml) on the same data, last_activity included
// after tasks left a session (re-claimed elsewhere, retried, deleted), and the sums must
// follow every write to tasks.

const shipped = QueriesFile.parse(parse(fs.readFileSync(path.resolve('config/base/queries.yaml'), 'utf8'))).queries.session_workload!.sql;

const WEEK = 7 * 24 * 3600 * 1000;
const STATUSES = ['pending', 'assigned', 'in_progress', 'blocked', 'completed', 'failed', 'cancelled'] as const;
const SESSIONS = ['w1', 'w2', 'w3', 'w4'];

type Row = { session: string; total: number; completed: number; failed: number; active: number; avg_duration_seconds: number | null; last_activity: string | null };

let store: Store;
let remove: () => void;
beforeEach(() => {
  ({ store, remove } = tempStore());
});
afterEach(() => remove());

/** Ours equals the scan: counts and last_activity exactly, the mean duration to well under a millisecond. */
function expectSame(ours: Row[], theirs: Row[], what: string): void {
  expect(ours.map((r) => r.session), what).toEqual(theirs.map((r) => r.session));
  for (const [i, r] of ours.entries()) {
    const t = theirs[i]!;
    expect({ ...r, avg_duration_seconds: 0 }, `${what} ${r.session}`).toEqual({ ...t, avg_duration_seconds: 0 });
    if (t.avg_duration_seconds === null) expect(r.avg_duration_seconds, `${what} ${r.session}`).toBeNull();
    else expect(Math.abs(r.avg_duration_seconds! - t.avg_duration_seconds), `${what} ${r.session}`).toBeLessThan(1e-4);
  }
}

describe('session_workload from the per-session hours (migration 021)', () => {
  it("gives the scan's numbers on the same data, the boundary hour's tasks on both sides of the bound included, and reads no other hour of tasks", () => {
    const now = Date.now();
    seedDatabase(store, { tasks: 3000, sessions: 6, seed: 20, now: new Date(now) });
    const random = seededRandom(200);
    const insert = store.writer.prepare(
      'INSERT INTO tasks(type, title, prompt, status, assigned_to, created_at, updated_at, started_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    store.transaction(() => {
      // Far enough from the bound (30 s and more) that the moment between the two queries cannot move a task across it.
      for (const offset of [-3_700_000, -3_500_000, -600_000, -30_000, 30_000, 600_000, 3_500_000, 3_700_000]) {
        for (const status of STATUSES) {
          for (const session of [...SESSIONS, null]) {
            const created = now - WEEK + offset + Math.floor(random() * 1000);
            const started = status === 'pending' || status === 'blocked' || random() < 0.2 ? null : created + Math.floor(random() * 600_000);
            const finished = ['completed', 'failed', 'cancelled'].includes(status) ? created + 600_000 + Math.floor(random() * 5_000_000) : null;
            const updated = created + Math.floor(random() * 9_000_000);
            const at = (ms: number | null) => (ms === null ? null : toSqlTime(new Date(ms)));
            insert.run('git', 't', 'p', status, session, at(created), at(updated), at(started), at(finished));
          }
        }
      }
    });
    // The seed's six sessions, and w1–w4 whose tasks are only around the 7-day bound.
    for (const [params, rows] of [[{ days: 7, limit: 100 }, 10], [{ days: 7, limit: 3 }, 3], [{ days: 2, limit: 100 }, 6], [{ days: 30, limit: 100 }, 10]] as const) {
      const theirs = store.writer.prepare(SESSION_WORKLOAD_SCAN).all(params) as Row[];
      const ours = store.writer.prepare(shipped).all(params) as Row[];
      expectSame(ours, theirs, JSON.stringify(params));
      expect(theirs.length).toBe(rows);
    }
    // Not vacuous: the bound's hour holds assigned tasks on both sides of it.
    const hour = toSqlTime(new Date(now - WEEK)).slice(0, 13);
    const inHour = store.writer.prepare("SELECT count(*) FROM tasks WHERE substr(created_at, 1, 13) = ? AND assigned_to IS NOT NULL AND created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-7 days')").pluck();
    expect(inHour.get(hour)).toBeGreaterThan(0);
    expect(store.writer.prepare('SELECT count(*) FROM tasks WHERE substr(created_at, 1, 13) = ? AND assigned_to IS NOT NULL').pluck().get(hour)).toBeGreaterThan(inHour.get(hour) as number);
    // The plan reads tasks only by a range of created_at: the bound's hour, and an hour whose latest update must be read again.
    const plan = (store.writer.prepare(`EXPLAIN QUERY PLAN ${shipped}`).all({ days: 7, limit: 100 }) as { detail: string }[]).map((p) => p.detail);
    const taskReads = plan.filter((d) => / t\b| tasks\b/.test(d));
    expect(taskReads.length).toBe(2);
    expect(taskReads.every((d) => d.includes('idx_tasks_created (created_at>? AND created_at<?)')), plan.join(' | ')).toBe(true);
    expect(plan, plan.join(' | ')).toContain('SEARCH h USING PRIMARY KEY (hour>?)');
  });

  it('the sums follow claims, re-claims by another session, starts, completions, failures, retries, edits and deletes; last_activity stays the scan\'s', () => {
    const db = store.writer;
    const random = seededRandom(2020);
    const base = Date.now() - 3 * 3_600_000;
    const insert = db.prepare('INSERT INTO tasks(type, title, prompt, status, assigned_to, created_at, updated_at, started_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    // 600 tasks over 5 hours, a few sessions: every (session, hour) row has several tasks.
    for (let k = 0; k < 600; k++) {
      const created = base - 2 * 3_600_000 + Math.floor(random() * 5 * 3_600_000);
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!;
      const session = status === 'pending' || random() < 0.1 ? null : SESSIONS[k % SESSIONS.length]!;
      const started = session && status !== 'blocked' ? toSqlTime(new Date(created + 60_000)) : null;
      const finished = ['completed', 'failed', 'cancelled'].includes(status) ? toSqlTime(new Date(created + 60_000 + Math.floor(random() * 9_000_000))) : null;
      insert.run('git', `t${k}`, 'p', status, session, toSqlTime(new Date(created)), toSqlTime(new Date(created + Math.floor(random() * 3_600_000))), started, finished);
    }
    const sums = (): unknown => db.prepare('SELECT hour, session, total, completed, failed, active, timed, duration_ms FROM task_session_hours WHERE total <> 0 ORDER BY hour, session').all();
    const recount = (): unknown => {
      db.exec('SAVEPOINT recount');
      rebuildDerivedCounts(db);
      const copy = sums();
      db.exec('ROLLBACK TO recount; RELEASE recount');
      return copy;
    };
    // Each row's last_updated: exact unless marked stale, and never below its tasks' latest.
    const bounds = (): void => {
      const rows = db.prepare(
        `SELECT h.hour, h.session, h.last_updated, h.stale, (SELECT max(updated_at) FROM tasks t WHERE substr(t.created_at, 1, 13) = h.hour AND t.assigned_to = h.session) AS actual
         FROM task_session_hours h WHERE h.total > 0`,
      ).all() as { hour: string; session: string; last_updated: string; stale: number; actual: string }[];
      for (const r of rows) {
        if (r.stale) expect(r.last_updated >= r.actual, `${r.hour} ${r.session}`).toBe(true);
        else expect(r.last_updated, `${r.hour} ${r.session}`).toBe(r.actual);
      }
    };
    const same = (what: string): void => {
      expect(sums(), what).toEqual(recount());
      bounds();
      const params = { days: 1, limit: 100 };
      expectSame(db.prepare(shipped).all(params) as Row[], db.prepare(SESSION_WORKLOAD_SCAN).all(params) as Row[], what);
    };
    const ids = (where: string): number[] => db.prepare(`SELECT id FROM tasks WHERE ${where} ORDER BY id LIMIT 25`).pluck().all() as number[];
    let clock = Date.now() - 3_600_000;
    const tick = (): string => toSqlTime(new Date((clock += 1_000)));
    const run = (sql: string, where: string): void => {
      const stmt = db.prepare(sql);
      for (const id of ids(where)) stmt.run({ id, now: tick(), session: SESSIONS[id % SESSIONS.length]! });
    };
    same('as inserted');
    // The task queue's own statements (src/main/store/task-queue.ts), in the order a task lives.
    run("UPDATE tasks SET status = 'assigned', assigned_to = @session, assigned_at = @now, updated_at = @now, started_at = NULL, completed_at = NULL WHERE id = @id", "status = 'pending'");
    same('claimed');
    run("UPDATE tasks SET status = 'in_progress', started_at = @now, updated_at = @now WHERE id = @id AND @session IS NOT NULL", "status = 'assigned'");
    run("UPDATE tasks SET status = 'completed', completed_at = @now, updated_at = @now WHERE id = @id AND @session IS NOT NULL", "status = 'in_progress'");
    same('started and completed');
    // Requeued (assigned_to stays), then claimed by another session: the task leaves the first one's row.
    run("UPDATE tasks SET status = 'pending', updated_at = @now, assigned_at = NULL, started_at = NULL WHERE id = @id AND @session IS NOT NULL", "status IN ('assigned', 'in_progress')");
    run("UPDATE tasks SET status = 'assigned', assigned_to = 'w9', assigned_at = @now, updated_at = @now WHERE id = @id AND @session IS NOT NULL", "status = 'pending' AND assigned_to IS NOT NULL");
    same('re-claimed by another session');
    run("UPDATE tasks SET status = 'failed', completed_at = @now, updated_at = @now WHERE id = @id AND @session IS NOT NULL", "status = 'assigned'");
    // A retry from the task list clears the session; a writer that forgets updated_at gets it from trg_tasks_touch.
    run("UPDATE tasks SET status = 'pending', assigned_to = NULL, started_at = NULL, completed_at = NULL WHERE id = @id AND @session IS NOT NULL", "status IN ('failed', 'cancelled')");
    same('failed and retried');
    // Edits: another session, another creation hour, an updated_at set back in time.
    run('UPDATE tasks SET assigned_to = @session, updated_at = @now WHERE id = @id', "status = 'completed'");
    run("UPDATE tasks SET created_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '-1 hour'), updated_at = @now WHERE id = @id AND @session IS NOT NULL", 'assigned_to IS NOT NULL AND id % 3 = 0');
    run("UPDATE tasks SET updated_at = '2026-01-01 00:00:00.000' WHERE id = @id AND @session IS NOT NULL", 'assigned_to IS NOT NULL AND id % 5 = 0');
    same('edited');
    // Deletes, the latest-updated task of each session first.
    const latest = db.prepare('SELECT id FROM tasks WHERE assigned_to = ? ORDER BY updated_at DESC LIMIT 3').pluck();
    for (const s of [...SESSIONS, 'w9']) for (const id of latest.all(s) as number[]) db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
    same('the latest deleted');
    run('DELETE FROM tasks WHERE id = @id AND @session IS NOT NULL', 'assigned_to IS NOT NULL');
    same('deleted');
    expect((sums() as unknown[]).length).toBeGreaterThan(10);
    expect(db.prepare('SELECT count(*) FROM task_session_hours WHERE stale = 1').pluck().get()).toBeGreaterThan(0);
  });

  it('a claim, a start and a completion each write one row of task_session_hours, once', () => {
    const db = store.writer;
    const created = toSqlTime(new Date(Date.now() - 60_000));
    for (let k = 0; k < 20; k++) db.prepare("INSERT INTO tasks(type, title, created_at, updated_at) VALUES ('git', ?, ?, ?)").run(`t${k}`, created, created);
    const changes = db.prepare('SELECT total_changes()').pluck();
    let clock = Date.now();
    const steps = [
      "UPDATE tasks SET status = 'assigned', assigned_to = 'w1', assigned_at = @now, updated_at = @now WHERE id = @id",
      "UPDATE tasks SET status = 'in_progress', started_at = @now, updated_at = @now WHERE id = @id",
      "UPDATE tasks SET status = 'completed', completed_at = @now, updated_at = @now WHERE id = @id",
    ].map((s) => db.prepare(s));
    const cost = (id: number): number[] =>
      steps.map((s) => {
        const was = changes.get() as number;
        // Each write a second after the last (the same millisecond twice would run trg_tasks_touch).
        s.run({ id, now: toSqlTime(new Date((clock += 1_000))) });
        return (changes.get() as number) - was;
      });
    for (let id = 1; id <= 19; id++) {
      // The same steps on the same task without this migration's triggers, then with them.
      db.exec('SAVEPOINT without; DROP TRIGGER trg_task_session_hours_insert; DROP TRIGGER trg_task_session_hours_delete; DROP TRIGGER trg_task_session_hours_update');
      const baseline = cost(id);
      db.exec('ROLLBACK TO without; RELEASE without');
      expect(cost(id)).toEqual(baseline.map((n) => n + 1));
    }
    expect(db.prepare("SELECT total, completed, active, timed FROM task_session_hours WHERE session = 'w1'").get()).toEqual({ total: 19, completed: 19, active: 0, timed: 19 });
  });
});
