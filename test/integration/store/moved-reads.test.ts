import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../../src/main/demo/seed.js';
import { openTaskCountsByStatusAndType, sessionCount, taskMetadataText } from '../../../src/main/store/one-off-reads.js';
import { ProjectHealthReads } from '../../../src/main/store/project-health.js';
import { RouteOutcomeReads } from '../../../src/main/store/route-outcome.js';
import { SessionReads } from '../../../src/main/store/session-reads.js';
import { readTablePage } from '../../../src/main/store/table-page.js';
import type { Store } from '../../../src/main/store/store.js';
import { tempStore } from './temp-store.js';

// Reads moved out of setup/ into the store (issue 14): against a real SQLite file, on the reader.
let store: Store;
let remove: () => void;
beforeEach(() => ({ store, remove } = tempStore()));
afterEach(() => remove());

describe('ProjectHealthReads', () => {
  it('counts a project’s open tasks and open errors about its tasks, and lists errors open first', () => {
    const api = store.projects.add('/srv/api');
    const web = store.projects.add('/srv/web');
    const a = store.tasks.add({ type: 'bug_fix', title: 'a', projectId: api.id });
    const b = store.tasks.add({ type: 'bug_fix', title: 'b', projectId: api.id });
    store.tasks.add({ type: 'bug_fix', title: 'c', projectId: web.id });
    store.tasks.cancel(b.id);
    const first = store.errors.record('test', 'first problem', { taskId: a.id });
    store.errors.record('test', 'second problem', { taskId: a.id });
    store.errors.resolve(first.id);

    // Another type, and a task held by a session: open too (counted from task_open_counts, every type of the project).
    const d = store.tasks.add({ type: 'docs', title: 'd', projectId: api.id });
    store.writer.prepare("UPDATE tasks SET status = 'in_progress', assigned_to = 'w1' WHERE id = ?").run(d.id);
    store.tasks.add({ type: 'docs', title: 'e' });

    const reads = new ProjectHealthReads(store.reader);
    expect(reads.openTaskCount(api.id)).toBe(2);
    expect(reads.openTaskCount(web.id)).toBe(1);
    expect(reads.openTaskCount(api.id + web.id + 1)).toBe(0);
    expect(reads.openErrorCount(api.id)).toBe(1);
    expect(reads.openErrorCount(web.id)).toBe(0);
    expect(reads.liveSessionCount(api.id)).toBe(0);
    expect(reads.recentErrorRows().map((e) => [e.message, e.resolved, e.taskId])).toEqual([
      ['second problem', 0, a.id],
      ['first problem', 1, a.id],
    ]);
  });
});

describe('RouteOutcomeReads', () => {
  it('says no session holds a pending task, and gives its latest decision’s reason', () => {
    const t = store.tasks.add({ type: 'bug_fix', title: 'a' });
    const reads = new RouteOutcomeReads(store.reader);
    expect(reads.heldBy(t.id)).toBeNull();
    expect(reads.lastDecisionReason(t.id)).toBeNull();
    store.decisions.append({ kind: 'route', taskId: t.id, decision: 'queued', reason: 'no idle session' });
    store.decisions.append({ kind: 'route', taskId: t.id, decision: 'queued', reason: 'still no idle session' });
    expect(reads.lastDecisionReason(t.id)).toBe('still no idle session');
  });
});

describe('SessionReads', () => {
  const pane = { id: 'default:%3', name: 'dev_worker1', server: 'default', provider: 'claude', cwd: '/srv/api' };

  it('gives a session’s held task, its latest state changes oldest first, and the timeline since a time', () => {
    store.sessions.upsert(pane);
    store.sessions.recordTransition(pane.id, 'unknown', 'idle', 'prompt seen', new Date('2026-01-01T10:00:00Z'));
    store.sessions.recordTransition(pane.id, 'idle', 'working', 'output', new Date('2026-01-01T10:06:00Z'));
    store.sessions.recordTransition(pane.id, 'working', 'idle', 'prompt seen', new Date('2026-01-01T10:09:00Z'));
    const reads = new SessionReads(store.reader);

    expect(reads.stateHistory(pane.id, 2).map((e) => [e.from, e.to, e.at])).toEqual([
      ['idle', 'working', '2026-01-01T10:06:00.000Z'],
      ['working', 'idle', '2026-01-01T10:09:00.000Z'],
    ]);
    // The state at 10:07 (the change at 10:06) and everything after it.
    expect(reads.timelineSince(new Date('2026-01-01T10:07:00Z')).map((e) => [e.sessionId, e.to, e.reason])).toEqual([
      [pane.id, 'working', 'output'],
      [pane.id, 'idle', 'prompt seen'],
    ]);

    expect(reads.heldTask(pane.name)).toBeNull();
    const t = store.tasks.add({ type: 'bug_fix', title: 'a' });
    store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = ?, assigned_at = '2026-01-01 10:10:00.000' WHERE id = ?").run(pane.name, t.id);
    expect(reads.heldTask(pane.name)).toBe(t.id);
    store.tasks.cancel(t.id);
    expect(reads.heldTask(pane.name)).toBeNull();
  });
});

describe('readTablePage', () => {
  it('searches (LIKE wildcards taken literally), filters, sorts and pages a table', () => {
    for (const title of ['fix 100% cpu', 'fix login', 'add_user', 'adduser', 'docs']) store.tasks.add({ type: title.startsWith('fix') ? 'bug_fix' : 'feature', title });
    const page = (q: Partial<Parameters<typeof readTablePage>[1]>) =>
      readTablePage(store.reader, { table: 'tasks', fields: ['id', 'title', 'type'], search: null, filters: [], sort: { field: 'title', order: 'asc' }, limit: 10, offset: 0, ...q });

    expect(page({}).total).toBe(5);
    expect(page({ search: '100%' }).rows.map((r) => r.title)).toEqual(['fix 100% cpu']);
    expect(page({ search: 'add_' }).rows.map((r) => r.title)).toEqual(['add_user']);
    expect(page({ filters: [['type', 'bug']] }).rows.map((r) => r.title)).toEqual(['fix 100% cpu', 'fix login']);
    const second = page({ sort: { field: 'title', order: 'desc' }, limit: 2, offset: 2 });
    expect(second).toEqual({ total: 5, rows: [expect.objectContaining({ title: 'docs' }), expect.objectContaining({ title: 'adduser' })] });
    expect(Object.keys(second.rows[0]!)).toEqual(['id', 'title', 'type']);
  });
});

describe('seedDemo through DemoWrites', () => {
  it('writes a day of finished history, the open demo tasks, and the one its busy agent is on', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(seedDemo(store, { projectDir: '/srv/demo', now })).toEqual({ tasks: 248 });
    const counts = store.tasks.counts();
    expect(counts).toMatchObject({ completed: 240 - 27, failed: 27, pending: 7, in_progress: 1 });
    const working = store.tasks.list({ status: 'in_progress' }).tasks[0]!;
    expect(working).toMatchObject({ type: 'performance_optimization', assignedTo: 'dev_worker2', startedAt: '2026-03-01T11:48:00.000Z' });
    const history = store.tasks.list({ status: 'failed', limit: 1 }).tasks[0]!;
    expect(history).toMatchObject({ assignedTo: expect.any(String), projectId: store.projects.list()[0]!.id });
    expect(history.completedAt! <= '2026-03-01T11:59:00.000Z').toBe(true);
  });
});

describe('one-off reads', () => {
  it('counts open tasks by status and type, reads a task’s metadata, counts sessions', () => {
    const a = store.tasks.add({ type: 'bug_fix', title: 'a', metadata: { env: { worktree: '/w' } } });
    store.tasks.add({ type: 'bug_fix', title: 'b' });
    const c = store.tasks.add({ type: 'feature', title: 'c' });
    store.tasks.cancel(c.id);
    expect(openTaskCountsByStatusAndType(store.reader)).toEqual([{ status: 'pending', type: 'bug_fix', n: 2 }]);
    expect(JSON.parse(taskMetadataText(store.reader, a.id)!)).toEqual({ env: { worktree: '/w' } });
    expect(taskMetadataText(store.reader, 999)).toBeUndefined();
    expect(sessionCount(store.reader)).toBe(0);
    store.sessions.upsert({ id: 'default:%1', name: 'w1', server: 'default', provider: 'claude', cwd: '/srv' });
    expect(sessionCount(store.reader)).toBe(1);
  });
});
