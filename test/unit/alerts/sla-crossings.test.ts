import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/api.js';
import { BACKLOG_ALERTS, SlaWatcher } from '../../../src/main/alerts/sla-watcher.js';
import { TaskQueue } from '../../../src/main/store/task-queue.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { fromSqlTime, toSqlTime } from '../../../src/main/store/time.js';
import { slaRules } from '../../support/sla-rules.js';
import { TestClock, addTasks, tempStore } from '../assigner/fixture.js';

// The SLA watcher after its start-up pass: it wakes when the next task crosses a
// level and reads only what crossed (or changed) — never every open task again.
const RULES = slaRules(
  [
    { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard'] },
    { condition: 'percent_used >= critical_percent', action: 'highlight_task', color: 'red' },
    { condition: 'percent_used >= warning_percent', action: 'highlight_task', color: 'yellow' },
  ],
  ['shell', 'claude_task', 'default'],
);
const MINUTE = 60_000;
const OTHERS = 5_000;

describe('SLA levels from due times', () => {
  let t: ReturnType<typeof tempStore>;
  let dashboard: Alert[];
  beforeEach(() => {
    t = tempStore();
    dashboard = [];
  });
  afterEach(() => t.cleanup());

  it('a task crosses warning and critical at the right times, and a wake reads only that task', async () => {
    // Thousands of open tasks far from any level, and one shell task (5 min: warning at 4, critical at 5).
    addTasks(t.store, OTHERS, { type: 'claude_task' });
    const task = t.store.tasks.add({ type: 'shell', title: 'the one that will be late', prompt: 'sleep' });
    const created = Date.parse(fromSqlTime(t.store.writer.prepare('SELECT created_at FROM tasks WHERE id = ?').pluck().get(task.id) as string));
    const clock = new TestClock(created + 10_000);
    const w = new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: RULES }), clock: clock.now, onAlert: (a) => dashboard.push(a) });
    const color = () => w.highlightOf(t.store.tasks.get(task.id)!, clock.now());

    await w.fullPass(); // the start-up pass: every open task counted once, in groups (none alerts: no task read one by one)
    expect(w.rowsRead).toBe(0);
    expect(w.groupsRead).toBeLessThan(10);
    expect(color()).toBeNull();
    expect(w.nextWakeAt()).toBe(created + 4 * MINUTE);

    // Just before the warning: nothing crossed, nothing read.
    clock.ms = created + 4 * MINUTE - 1_000;
    expect(await w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(0);
    expect(color()).toBeNull();

    // At the warning: that task alone is read; it turns yellow; the next wake is its critical.
    clock.ms = created + 4 * MINUTE;
    expect(await w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(1);
    expect(color()).toBe('yellow');
    expect(w.nextWakeAt()).toBe(created + 5 * MINUTE);

    // At the critical: one alert, red; the next wake is when the first claude_task warns (48 min).
    clock.ms = created + 5 * MINUTE;
    expect((await w.runDue()).map((a) => [a.taskId, a.level])).toEqual([[task.id, 'critical']]);
    expect(w.rowsRead).toBe(2);
    expect(color()).toBe('red');
    expect(dashboard.map((a) => a.level)).toEqual(['critical']);
    const firstOther = Date.parse(fromSqlTime(t.store.writer.prepare("SELECT min(created_at) FROM tasks WHERE type = 'claude_task'").pluck().get() as string));
    expect(w.nextWakeAt()).toBe(firstOther + 48 * MINUTE);

    // Waking again changes nothing and raises nothing again.
    clock.ms += 1_000;
    expect(await w.runDue()).toEqual([]);
    expect(w.alerts.countOpen()).toBe(1);

    // A status change that cannot alter its steps is not read: cancelled, it is off the board.
    t.store.tasks.cancel(task.id);
    expect(await w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(2);
    // Retried, it is open again (task_events): that task alone is read; its alert was raised already.
    t.store.tasks.retry(task.id);
    expect(await w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(3);
    expect(w.alerts.countOpen()).toBe(1);
  });

  it('a burst of requeued tasks is not read one by one; they still cross their levels on time, and a retried task is read', async () => {
    // The start-up recovery of the 1M seed gives back ~45k held tasks: each a status
    // change in task_events. Their levels come from created_at, and no condition names
    // a column a requeue changes, so the wake leaves them in SQL: a few statements over
    // the history, no task read, no condition evaluated. Before, it read and evaluated each.
    const N = 2_000;
    addTasks(t.store, N, { type: 'claude_task' });
    t.store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 'worker', assigned_at = created_at").run();
    const late = t.store.tasks.add({ type: 'shell', title: 'cancelled before its critical', prompt: 'sleep' });
    const created = Date.parse(fromSqlTime(t.store.writer.prepare('SELECT min(created_at) FROM tasks').pluck().get() as string));
    const clock = new TestClock(created + 10_000);
    const w = new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: RULES }), clock: clock.now, onAlert: (a) => dashboard.push(a) });
    await w.fullPass();
    t.store.tasks.cancel(late.id);

    // The recovery: every held task back in the queue, in batches (as the write worker commits them).
    const requeue = t.store.writer.prepare("UPDATE tasks SET status = 'pending', assigned_to = NULL, assigned_at = NULL WHERE id IN (SELECT id FROM tasks WHERE status = 'assigned' LIMIT 500)");
    for (let i = 0; i < N / 500; i++) {
      requeue.run();
      clock.ms += 1_000;
      expect(await w.runDue()).toEqual([]);
    }
    expect(t.store.writer.prepare("SELECT count(*) FROM tasks WHERE status = 'pending' AND type = 'claude_task'").pluck().get()).toBe(N);
    expect(w.eventsScanned).toBe(N + 1); // the history was looked at (in SQL)…
    expect(w.rowsRead).toBe(0); // …and no task read or evaluated
    expect(w.nextWakeAt()).toBe(Date.parse(fromSqlTime(t.store.writer.prepare('SELECT min(created_at) FROM tasks WHERE id <> ?').pluck().get(late.id) as string)) + 48 * MINUTE);

    // They cross warning and critical at the right time: read then, once each, all N alerted at critical.
    const color = (id: number) => w.highlightOf(t.store.tasks.get(id)!, clock.now());
    const first = (t.store.writer.prepare("SELECT min(id) FROM tasks WHERE type = 'claude_task'").pluck().get() as number);
    const newest = Date.parse(fromSqlTime(t.store.writer.prepare("SELECT max(created_at) FROM tasks WHERE type = 'claude_task'").pluck().get() as string));
    clock.ms = newest + 48 * MINUTE;
    expect(await w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(N);
    expect(color(first)).toBe('yellow');
    clock.ms = newest + 60 * MINUTE;
    expect((await w.runDue()).length).toBe(N);
    expect(w.rowsRead).toBe(2 * N);
    expect(color(first)).toBe('red');

    // The shell task crossed its critical while cancelled (not read then); retried, it is read and alerted once.
    t.store.tasks.retry(late.id);
    expect((await w.runDue()).map((a) => [a.taskId, a.level])).toEqual([[late.id, 'critical']]);
    expect(w.rowsRead).toBe(2 * N + 1);
    expect(dashboard.length).toBe(N + 1);
  });

  it('when a condition names the status, a requeued task is read and evaluated again', async () => {
    const rules = SlaFile.parse({
      ...RULES,
      escalation_rules: [{ condition: "status == 'pending' && percent_used >= warning_percent", action: 'alert_user', notification_channels: ['dashboard'] }],
    });
    const task = t.store.tasks.add({ type: 'shell', title: 'held past its warning', prompt: 'sleep' });
    t.store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 'worker', assigned_at = created_at WHERE id = ?").run(task.id);
    const created = Date.parse(fromSqlTime(t.store.writer.prepare('SELECT created_at FROM tasks WHERE id = ?').pluck().get(task.id) as string));
    const clock = new TestClock(created);
    const w = new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: rules }), clock: clock.now });
    await w.fullPass();
    clock.ms = created + 4 * MINUTE; // the warning, while held: the condition does not hold
    expect(await w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(1);
    t.store.writer.prepare("UPDATE tasks SET status = 'pending', assigned_to = NULL WHERE id = ?").run(task.id);
    expect((await w.runDue()).map((a) => a.taskId)).toEqual([task.id]);
    expect(w.rowsRead).toBe(2);
  });

  it('a number an escalation condition names is a crossing too (not only warning and critical)', async () => {
    const rules = SlaFile.parse({
      ...RULES,
      escalation_rules: [{ condition: 'percent_used >= 50', action: 'alert_user', notification_channels: ['dashboard'] }],
    });
    const task = t.store.tasks.add({ type: 'shell', title: 'half way', prompt: 'sleep' });
    const created = Date.parse(fromSqlTime(t.store.writer.prepare('SELECT created_at FROM tasks WHERE id = ?').pluck().get(task.id) as string));
    const clock = new TestClock(created);
    const w = new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: rules }), clock: clock.now });
    await w.fullPass();
    expect(w.nextWakeAt()).toBe(created + 2.5 * MINUTE); // 50 % of 5 min
    clock.ms = created + 2.5 * MINUTE;
    expect((await w.runDue()).map((a) => a.taskId)).toEqual([task.id]);
  });
});

describe('the start-up pass on a backlog', () => {
  let t: ReturnType<typeof tempStore>;
  afterEach(() => t.cleanup());

  it('a backlog of one type gets one summary alert that covers it; a few tasks get one each; later crossings get their own; a restart repeats nothing', async () => {
    t = tempStore();
    const rules = slaRules(
      [
        { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard'] },
        { condition: 'percent_used >= warning_percent', action: 'highlight_task', color: 'yellow' },
      ],
      ['shell', 'default'],
    );
    const BACKLOG = 2 * BACKLOG_ALERTS + 7;
    addTasks(t.store, BACKLOG, { type: 'anything' });
    addTasks(t.store, 3, { type: 'shell' });
    const clock = new TestClock(Date.now() + 30 * MINUTE); // every one of them is past critical
    const dashboard: Alert[] = [];
    const watcher = () => new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: rules }), clock: clock.now, onAlert: (a) => dashboard.push(a) });
    const w = watcher();

    await w.fullPass();
    // Evaluated in groups: only the three shell tasks were read one by one (an alert each).
    expect(w.groupsRead).toBeLessThan(10);
    expect(w.rowsRead).toBe(3);
    const alerts = w.alerts.list({ limit: 1000 });
    const summary = alerts.filter((a) => a.taskId === null);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ level: 'critical', kind: 'sla' });
    expect(summary[0]!.message).toContain(`${BACKLOG} open anything tasks were already critical`);
    const shellIds = t.store.writer.prepare("SELECT id FROM tasks WHERE type = 'shell' ORDER BY id").pluck().all() as number[];
    expect(alerts.filter((a) => a.taskId !== null).map((a) => a.taskId).sort((a, b) => a! - b!)).toEqual(shellIds);
    expect(dashboard).toHaveLength(4);
    // Colors are computed when a row is read: the backlog's tasks are highlighted.
    expect(w.highlightOf(t.store.tasks.get(1)!, clock.now())).toBe('yellow');

    // A backlog task whose status changes (claimed, or requeued by recovery) is covered: no alert of its own.
    const queue = new TaskQueue(t.store);
    expect(queue.claim(1, 'w1', 'test', clock.now())).not.toBeNull();
    expect(await w.runDue()).toEqual([]);
    expect(w.alerts.countOpen()).toBe(4);

    // A task that crosses critical after the pass gets its own alert, at its crossing.
    const late = t.store.tasks.add({ type: 'anything', title: 'late' });
    t.store.writer.prepare('UPDATE tasks SET created_at = ? WHERE id = ?').run(toSqlTime(clock.now()), late.id);
    clock.ms += 10 * MINUTE;
    expect((await w.runDue()).map((a) => a.taskId)).toEqual([late.id]);

    // A restart: the pass counts again and finds the backlog covered; it reads only the
    // four tasks with alerts of their own (their dedupe keys stop a repeat) and raises nothing.
    const again = watcher();
    await again.fullPass();
    expect(again.rowsRead).toBe(4);
    expect(again.alerts.countOpen()).toBe(5);
  });

  it('a wake over a burst of changed tasks lets the event loop run between its slices', async () => {
    // A burst of status changes a condition reads (it names the status): the wake reads
    // and evaluates each, a slice per turn of the event loop (as the start-up pass
    // does), not in one long turn that keeps requests out.
    const BURST = 1_000;
    t = tempStore();
    addTasks(t.store, BURST, { type: 'claude_task' });
    const clock = new TestClock();
    const rules = SlaFile.parse({ ...RULES, escalation_rules: [{ condition: "status == 'assigned' && percent_used >= critical_percent", action: 'alert_user', notification_channels: ['dashboard'] }] });
    const w = new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: rules }), clock: clock.now });
    await w.fullPass();
    t.store.writer.prepare("UPDATE tasks SET status = 'assigned', assigned_to = 'worker', assigned_at = created_at WHERE type = 'claude_task'").run();

    let turns = 0;
    let watching = true;
    const count = (): void => {
      if (!watching) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const read = w.rowsRead;
    await w.runDue();
    watching = false;
    expect(w.rowsRead - read).toBe(BURST);
    // Every changed task was evaluated, 100 per turn: the loop ran between the slices.
    expect(turns).toBeGreaterThanOrEqual(BURST / 100 - 1);
  });
});
