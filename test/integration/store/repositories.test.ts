import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskStatus } from '../../../src/shared/api.js';
import { InvalidTaskError, TaskFinishedError, TaskNotFoundError } from '../../../src/main/store/tasks.js';
import { SessionNotFoundError } from '../../../src/main/store/sessions.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

/** What COUNT(*) says, to check task_counts against. */
function countedByScan(s: Store): Record<string, number> {
  const counts = Object.fromEntries(TaskStatus.options.map((st) => [st, 0]));
  for (const r of s.writer.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status').all() as { status: string; n: number }[]) counts[r.status] = r.n;
  return counts;
}

describe('tasks', () => {
  it('adds a task and returns the camelCase Task shape', () => {
    const project = store.projects.add('/srv/api');
    const t = store.tasks.add({ type: 'bug_fix', title: 'Fix login', prompt: 'fix it', priority: 8, projectId: project.id });
    expect(t).toMatchObject({ type: 'bug_fix', title: 'Fix login', prompt: 'fix it', priority: 8, status: 'pending', projectId: project.id, assignedTo: null, completedAt: null });
    expect(t.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/); // ISO 8601 UTC in the API
    expect(store.tasks.get(t.id)).toEqual(t);
  });

  it.each([
    [{ type: 'x', title: 't', priority: 11 }, /priority must be an integer from 0 to 10/],
    [{ type: 'x', title: 't', priority: 2.5 }, /priority/],
    [{ type: ' ', title: 't' }, /needs a type/],
    [{ type: 'x', title: '' }, /needs a title/],
  ])('refuses an invalid task %j', (input, message) => {
    expect(() => store.tasks.add(input)).toThrow(InvalidTaskError);
    expect(() => store.tasks.add(input)).toThrow(message);
    expect(store.tasks.counts().pending).toBe(0);
  });

  it('refuses a project that does not exist (foreign keys are on)', () => {
    expect(() => store.tasks.add({ type: 'x', title: 't', projectId: 999 })).toThrow(/FOREIGN KEY/);
  });

  it('task_counts stay equal to a full count through inserts, updates and deletes', () => {
    const ids = Array.from({ length: 30 }, (_, i) => store.tasks.add({ type: 'shell', title: `t${i}`, priority: i % 11 }).id);
    expect(store.tasks.counts()).toEqual(countedByScan(store));
    store.writer.prepare("UPDATE tasks SET status = 'in_progress' WHERE id % 3 = 0").run();
    store.writer.prepare("UPDATE tasks SET status = 'completed' WHERE id % 5 = 0").run();
    store.writer.prepare('UPDATE tasks SET priority = 1 WHERE id % 2 = 0').run(); // not a status change
    store.tasks.cancel(ids[1]!);
    expect(store.tasks.counts()).toEqual(countedByScan(store));
    store.writer.prepare('DELETE FROM tasks WHERE id % 4 = 0').run();
    expect(store.tasks.counts()).toEqual(countedByScan(store));
    expect(Object.values(store.tasks.counts()).reduce((a, b) => a + b, 0)).toBe(store.tasks.list().total);
  });

  it('task_completions per minute stay equal to the completed tasks through every change', () => {
    const byMinute = () => ({
      kept: store.writer.prepare('SELECT minute, n FROM task_completions WHERE n != 0 ORDER BY minute').all(),
      scanned: store.writer.prepare("SELECT substr(completed_at, 1, 16) AS minute, COUNT(*) AS n FROM tasks WHERE status = 'completed' AND completed_at IS NOT NULL GROUP BY 1 ORDER BY 1").all(),
    });
    const ids = Array.from({ length: 20 }, (_, i) => store.tasks.add({ type: 'shell', title: `t${i}` }).id);
    const done = store.writer.prepare("UPDATE tasks SET status = 'completed', completed_at = ? WHERE id = ?");
    ids.forEach((id, i) => done.run(`2026-01-01 10:0${i % 3}:1${i % 7}.000`, id));
    expect(byMinute().kept.length).toBe(3);
    store.writer.prepare("UPDATE tasks SET completed_at = '2026-01-02 00:00:00.000' WHERE id % 4 = 0").run();
    store.writer.prepare("UPDATE tasks SET status = 'failed' WHERE id % 5 = 0").run();
    store.writer.prepare("INSERT INTO tasks(type, title, status, completed_at) VALUES ('x', 'y', 'completed', '2026-01-01 10:00:59.000')").run();
    store.writer.prepare('DELETE FROM tasks WHERE id % 3 = 0').run();
    const { kept, scanned } = byMinute();
    expect(kept).toEqual(scanned);
    expect(scanned.map((r) => (r as { minute: string }).minute)).toContain('2026-01-02 00:00');
  });

  it('lists in queue order, filtered by status, with limit and offset', () => {
    store.tasks.add({ type: 'a', title: 'low', priority: 1 });
    store.tasks.add({ type: 'a', title: 'high', priority: 9 });
    const mid = store.tasks.add({ type: 'a', title: 'mid', priority: 5 });
    store.tasks.cancel(mid.id);
    expect(store.tasks.list().tasks.map((t) => t.title)).toEqual(['high', 'mid', 'low']);
    expect(store.tasks.list({ status: 'pending' })).toMatchObject({ total: 2, tasks: [{ title: 'high' }, { title: 'low' }] });
    expect(store.tasks.list({ limit: 1, offset: 1 }).tasks.map((t) => t.title)).toEqual(['mid']);
  });

  it('cancels an open task, keeps its history, and refuses a finished or unknown one', () => {
    const t = store.tasks.add({ type: 'a', title: 't' });
    const cancelled = store.tasks.cancel(t.id, 'duplicate');
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.completedAt).not.toBeNull();
    expect(() => store.tasks.cancel(t.id)).toThrow(TaskFinishedError);
    expect(() => store.tasks.cancel(t.id)).toThrow(`task ${t.id} is already cancelled`);
    expect(() => store.tasks.cancel(4242)).toThrow(TaskNotFoundError);
    expect(store.tasks.history(t.id).map((e) => [e.fromStatus, e.toStatus, e.reason])).toEqual([
      [null, 'pending', 'created'],
      ['pending', 'cancelled', 'duplicate'],
    ]);
    expect(store.tasks.history(t.id).every((e) => /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(e.at))).toBe(true);
  });

  it('sets priority and bumps updated_at', () => {
    const t = store.tasks.add({ type: 'a', title: 't' });
    store.writer.prepare("UPDATE tasks SET updated_at = '2000-01-01 00:00:00.000' WHERE id = ?").run(t.id);
    const changed = store.tasks.setPriority(t.id, 9);
    expect(changed.priority).toBe(9);
    expect(changed.updatedAt > '2000-01-01 00:00:00.000').toBe(true);
    expect(() => store.tasks.setPriority(t.id, 99)).toThrow(InvalidTaskError);
    expect(() => store.tasks.setPriority(777, 3)).toThrow(TaskNotFoundError);
  });
});

describe('sessions', () => {
  const pane = { id: 'default:%3', name: 'dev_worker1', server: 'default', provider: 'claude', cwd: '/srv/api' };

  it('records a transition and its event together, tracking idle_since', () => {
    store.sessions.upsert(pane);
    store.sessions.recordTransition(pane.id, 'unknown', 'idle', 'prompt seen', new Date('2026-01-01T10:00:00Z'));
    store.sessions.recordTransition(pane.id, 'idle', 'idle', 'still idle', new Date('2026-01-01T10:05:00Z'));
    expect(store.sessions.get(pane.id)).toMatchObject({ status: 'idle', idleSince: '2026-01-01 10:00:00.000', stateSince: '2026-01-01 10:05:00.000' });
    store.sessions.recordTransition(pane.id, 'idle', 'working', 'output', new Date('2026-01-01T10:06:00Z'));
    expect(store.sessions.get(pane.id)).toMatchObject({ status: 'working', idleSince: null });
    expect(store.sessions.events(pane.id).map((e) => e.toState)).toEqual(['idle', 'idle', 'working']);
  });

  it('refuses a transition for an unknown session and writes no event', () => {
    expect(() => store.sessions.recordTransition('nope:%1', 'idle', 'working', null)).toThrow(SessionNotFoundError);
    expect(store.writer.prepare('SELECT COUNT(*) FROM session_events').pluck().get()).toBe(0);
  });

  it('an invalid state rolls the whole transition back', () => {
    store.sessions.upsert(pane);
    expect(() => store.sessions.recordTransition(pane.id, 'unknown', 'sleeping' as never, null)).toThrow(/CHECK/);
    expect(store.sessions.get(pane.id)?.status).toBe('unknown');
    expect(store.sessions.events(pane.id)).toEqual([]);
  });

  it('marks a gone pane exited once, and discovery bringing it back clears gone_at', () => {
    store.sessions.upsert(pane);
    store.sessions.markGone(pane.id);
    store.sessions.markGone(pane.id);
    expect(store.sessions.get(pane.id)).toMatchObject({ status: 'exited' });
    expect(store.sessions.get(pane.id)?.goneAt).not.toBeNull();
    expect(store.sessions.events(pane.id)).toHaveLength(1);
    store.sessions.upsert(pane);
    expect(store.sessions.get(pane.id)?.goneAt).toBeNull();
  });
});

describe('errors', () => {
  it('the same problem with different numbers is one row with a count; resolved reopens on recurrence', () => {
    const a = store.errors.record('tmux', 'pane %12 vanished after 300 ms', { sessionId: 'default:%12' });
    const b = store.errors.record('tmux', 'pane %40 vanished after 12 ms');
    expect(b.id).toBe(a.id);
    expect(b.count).toBe(2);
    const other = store.errors.record('router', 'pane %12 vanished after 300 ms');
    expect(other.id).not.toBe(a.id);
    store.errors.resolve(a.id);
    expect(store.errors.listOpen().map((e) => e.id)).toEqual([other.id]);
    store.errors.record('tmux', 'pane %1 vanished after 1 ms', { taskId: 7 });
    expect(store.errors.get(a.id)).toMatchObject({ count: 3, resolved: false, sessionId: 'default:%12', taskId: 7, message: 'pane %1 vanished after 1 ms' });
    expect(() => store.errors.resolve(9999)).toThrow(/error 9999 does not exist/);
  });
});

describe('projects', () => {
  it('maps a cwd to the deepest project folder, on folder boundaries', () => {
    const app = store.projects.add('/src/app/');
    const nested = store.projects.add('/src/app/packages/ui', 'ui');
    store.projects.add('/src/app_50%');
    expect(store.projects.add('/src/app').id).toBe(app.id);
    expect(store.projects.findForCwd('/src/app')?.id).toBe(app.id);
    expect(store.projects.findForCwd('/src/app/lib/x')?.id).toBe(app.id);
    expect(store.projects.findForCwd('/src/app/packages/ui/src')?.id).toBe(nested.id);
    expect(store.projects.findForCwd('/src/application')).toBeNull();
    expect(store.projects.findForCwd('/src/app_50%/x')?.path).toBe('/src/app_50%');
    // An unknown folder (tmux reports '' while it cannot read a pane's) is in no project,
    // not in the one holding the console's own working folder.
    store.projects.add(process.cwd(), 'console-folder');
    expect(store.projects.findForCwd('')).toBeNull();
    expect(store.projects.find('ui')?.id).toBe(nested.id);
    expect(store.projects.find(String(app.id))?.path).toBe('/src/app');
  });
});

describe('decisions', () => {
  it('appends decisions and reads a task trail in order', () => {
    const t = store.tasks.add({ type: 'a', title: 't' });
    store.decisions.append({ kind: 'route', taskId: t.id, decision: 'queued', reason: 'no idle session' });
    store.decisions.append({ kind: 'route', taskId: t.id, sessionId: 'default:%1', decision: 'assigned', reason: 'preferred_sessions[0] idle' });
    expect(store.decisions.forTask(t.id).map((d) => d.decision)).toEqual(['queued', 'assigned']);
  });
});
