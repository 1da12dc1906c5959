import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/api.js';
import { SlaWatcher } from '../../../src/main/alerts/sla-watcher.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { fromSqlTime } from '../../../src/main/store/time.js';
import { TestClock, addTasks, tempStore } from '../assigner/fixture.js';

// The SLA watcher after its start-up pass: it wakes when the next task crosses a
// level and reads only what crossed (or changed) — never every open task again.
const RULES = SlaFile.parse({
  version: '1.0',
  sla_targets: {
    shell: { target_minutes: 5, warning_percent: 80, critical_percent: 100 },
    claude_task: { target_minutes: 60, warning_percent: 80, critical_percent: 100 },
    default: { target_minutes: 10, warning_percent: 80, critical_percent: 100 },
  },
  escalation_rules: [
    { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard'] },
    { condition: 'percent_used >= critical_percent', action: 'highlight_task', color: 'red' },
    { condition: 'percent_used >= warning_percent', action: 'highlight_task', color: 'yellow' },
  ],
});
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

    await w.fullPass(); // the start-up pass: every open task once
    expect(w.rowsRead).toBe(OTHERS + 1);
    expect(w.highlights.size).toBe(0);
    expect(w.nextWakeAt()).toBe(created + 4 * MINUTE);

    // Just before the warning: nothing crossed, nothing read.
    clock.ms = created + 4 * MINUTE - 1_000;
    expect(w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(OTHERS + 1);
    expect(w.highlights.get(task.id)).toBeUndefined();

    // At the warning: that task alone is read; it turns yellow; the next wake is its critical.
    clock.ms = created + 4 * MINUTE;
    expect(w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(OTHERS + 2);
    expect(w.highlights.get(task.id)).toBe('yellow');
    expect(w.levels.get(task.id)).toMatchObject({ level: 'warning', targetMinutes: 5 });
    expect(w.nextWakeAt()).toBe(created + 5 * MINUTE);

    // At the critical: one alert, red; the next wake is when the first claude_task warns (48 min).
    clock.ms = created + 5 * MINUTE;
    expect(w.runDue().map((a) => [a.taskId, a.level])).toEqual([[task.id, 'critical']]);
    expect(w.rowsRead).toBe(OTHERS + 3);
    expect(w.highlights.get(task.id)).toBe('red');
    expect(dashboard.map((a) => a.level)).toEqual(['critical']);
    const firstOther = Date.parse(fromSqlTime(t.store.writer.prepare("SELECT min(created_at) FROM tasks WHERE type = 'claude_task'").pluck().get() as string));
    expect(w.nextWakeAt()).toBe(firstOther + 48 * MINUTE);

    // Waking again changes nothing and raises nothing again.
    clock.ms += 1_000;
    expect(w.runDue()).toEqual([]);
    expect(w.alerts.countOpen()).toBe(1);

    // A status change is seen (task_events), and only that task is read: cancelled, it is off the board.
    t.store.tasks.cancel(task.id);
    expect(w.runDue()).toEqual([]);
    expect(w.rowsRead).toBe(OTHERS + 4);
    expect(w.highlights.get(task.id)).toBeUndefined();
    expect(w.levels.get(task.id)).toBeUndefined();
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
    expect(w.runDue().map((a) => a.taskId)).toEqual([task.id]);
  });
});
