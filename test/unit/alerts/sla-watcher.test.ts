import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/api.js';
import { AlertNotFoundError } from '../../../src/main/store/alerts.js';
import { SlaWatcher } from '../../../src/main/alerts/sla-watcher.js';
import { TaskQueue } from '../../../src/main/store/task-queue.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { SlaFile } from '../../../src/main/config/schemas/sla.js';
import { route } from '../../../src/main/routing/route.js';
import type { Store } from '../../../src/main/store/store.js';
import { TestClock, tempStore } from '../assigner/fixture.js';
import { createLogger } from '../../../src/main/log/logger.js';

const RULES = SlaFile.parse({
  version: '1.0',
  sla_targets: { default: { target_minutes: 10, warning_percent: 80, critical_percent: 100 } },
  escalation_rules: [
    { condition: 'percent_used >= critical_percent', action: 'alert_user', notification_channels: ['dashboard', 'desktop', 'log'] },
    // Bounded above, so the warning rule does not fire again at the critical level.
    { condition: 'percent_used >= warning_percent && percent_used < critical_percent', action: 'alert_user', notification_channels: ['dashboard'] },
    { condition: 'percent_used >= critical_percent', action: 'highlight_task', color: 'red' },
    { condition: 'percent_used >= warning_percent', action: 'highlight_task', color: 'yellow' },
  ],
});

describe('SlaWatcher', () => {
  let t: ReturnType<typeof tempStore>;
  let clock: TestClock;
  let dashboard: Alert[];
  let desktop: string[];
  let rules: SlaFile;

  beforeEach(() => {
    t = tempStore();
    clock = new TestClock();
    dashboard = [];
    desktop = [];
    rules = RULES;
  });
  afterEach(() => t.cleanup());

  const watcher = (store: Store = t.store) =>
    new SlaWatcher({
      store,
      getSnapshot: () => ({ sla: rules }),
      clock: clock.now,
      onAlert: (a) => dashboard.push(a),
      notify: (title, body) => desktop.push(`${title}: ${body}`),
    });

  it('warning and critical fire once each, with the highlight color from config', async () => {
    const w = watcher();
    const task = t.store.tasks.add({ type: 'anything', title: 'slow' });
    const color = () => w.highlightOf(t.store.tasks.get(task.id)!, clock.now());
    expect(await w.tick()).toEqual([]);
    expect(color()).toBeNull();

    clock.advanceMinutes(8.5);
    expect((await w.tick()).map((a) => a.level)).toEqual(['warning']);
    expect(await w.tick()).toEqual([]);
    expect(color()).toBe('yellow');

    clock.advanceMinutes(2);
    expect((await w.tick()).map((a) => a.level)).toEqual(['critical']);
    expect(await w.tick()).toEqual([]);
    expect(color()).toBe('red');
    expect(dashboard.map((a) => a.level)).toEqual(['warning', 'critical']);
    expect(desktop).toHaveLength(1);
    expect(desktop[0]).toMatch(/task #1 critical: task #1 \(anything\) is at \d+% of its 10 min SLA \(critical\)/);
    expect(w.alerts.countOpen()).toBe(2);
  });

  it('a restart (a new watcher on the same database) or a reload does not re-send, and acknowledged stays acknowledged', async () => {
    const task = t.store.tasks.add({ type: 'anything', title: 'slow' });
    clock.advanceMinutes(11);
    const first = watcher();
    expect(await first.tick()).toHaveLength(1);
    clock.advanceMinutes(-2);
    expect(await first.tick()).toHaveLength(1); // the clock going back to warning: a new level, once
    clock.advanceMinutes(2);
    const [latest] = first.alerts.list();
    first.alerts.acknowledge(latest!.id);

    const restarted = watcher(t.open());
    expect(await restarted.tick()).toEqual([]);
    rules = SlaFile.parse(JSON.parse(JSON.stringify(RULES))); // a reload: equal content, new snapshot object
    expect(await restarted.tick()).toEqual([]);
    expect(restarted.alerts.countOpen()).toBe(1);
    const all = restarted.alerts.list({ includeAcknowledged: true });
    expect(all.find((a) => a.id === latest!.id)?.acknowledgedAt).not.toBeNull();
    expect(all.every((a) => a.taskId === task.id)).toBe(true);
    expect(dashboard).toHaveLength(2);
  });

  it('acknowledging an unknown alert is a clear error; acknowledging twice keeps the first time', async () => {
    const w = watcher();
    expect(() => w.alerts.acknowledge(999)).toThrow(AlertNotFoundError);
    expect(() => w.alerts.acknowledge(999)).toThrow('alert 999 does not exist');
    t.store.tasks.add({ type: 'anything', title: 'slow' });
    clock.advanceMinutes(9);
    const [alert] = await w.tick();
    w.alerts.acknowledge(alert!.id, new Date('2026-01-01T00:00:00Z'));
    w.alerts.acknowledge(alert!.id, new Date('2026-02-01T00:00:00Z'));
    expect(w.alerts.list({ includeAcknowledged: true })[0]?.acknowledgedAt).toBe('2026-01-01T00:00:00.000Z'); // the first time, in the API's ISO form
  });

  it('closed tasks never alert', async () => {
    const w = watcher();
    const task = t.store.tasks.add({ type: 'anything', title: 'quick' });
    t.store.tasks.cancel(task.id);
    clock.advanceMinutes(60);
    expect(await w.tick()).toEqual([]);
  });

  it('reassign takes the task from its session once, even across a restart', async () => {
    rules = SlaFile.parse({
      version: '1.0',
      sla_targets: { default: { target_minutes: 10 } },
      escalation_rules: [{ condition: 'percent_used >= critical_percent', action: 'reassign' }],
    });
    const task = t.store.tasks.add({ type: 'anything', title: 'stuck' });
    const queue = new TaskQueue(t.store);
    expect(queue.claim(task.id, 'w1', 'test', clock.now())).not.toBeNull();
    clock.advanceMinutes(11);
    await watcher().tick();
    expect(t.store.tasks.get(task.id)?.status).toBe('pending');
    expect(queue.claim(task.id, 'w2', 'test', clock.now())).not.toBeNull();
    await watcher(t.open()).tick();
    expect(t.store.tasks.get(task.id)).toMatchObject({ status: 'assigned', assignedTo: 'w2' });
    expect(t.store.decisions.forTask(task.id).filter((d) => d.reason.startsWith('back to the queue: reassigned by SLA'))).toHaveLength(1);
  });

  it('reassign with to_session takes the task from its holder for that session only, once', async () => {
    rules = SlaFile.parse({
      version: '1.0',
      sla_targets: { default: { target_minutes: 10 } },
      escalation_rules: [{ condition: 'percent_used >= critical_percent', action: 'reassign', to_session: 'senior' }],
    });
    const task = t.store.tasks.add({ type: 'anything', title: 'stuck' });
    const queue = new TaskQueue(t.store);
    expect(queue.claim(task.id, 'w1', 'test', clock.now())).not.toBeNull();
    clock.advanceMinutes(11);
    const kicked: number[] = [];
    await new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: rules }), clock: clock.now, onReassign: (id) => kicked.push(id) }).tick();
    expect(kicked).toEqual([task.id]);
    expect(t.store.tasks.get(task.id)?.status).toBe('pending');
    expect(t.store.tasks.history(task.id).at(-1)?.reason).toBe('back to the queue: SLA (critical) sent it to senior, taken from w1');

    // The router gives it to senior only: w1 and w2 idle do not get it, senior busy keeps it queued.
    const [head] = queue.pendingTasks(10);
    expect(head?.routeTo).toBe('senior');
    const sessions = (senior: 'idle' | 'working') => [
      { name: 'w1', agent: 'claude', state: 'idle' as const },
      { name: 'w2', agent: 'claude', state: 'idle' as const },
      { name: 'senior', agent: 'codex', state: senior },
    ];
    const routing = RoutingFile.parse({ version: '1', environment_routing: {}, supported_providers: ['claude'], fallback_rules: [{ condition: 'task_type_unknown', action: 'route_to_default', default_session: 'w1' }] });
    expect(route({ tasks: [head!], sessions: sessions('working'), rules: routing, now: clock.now() }).decisions[0]).toMatchObject({ kind: 'queued', reason: 'queued: sent to senior by name; senior is working' });
    const d = route({ tasks: [head!], sessions: sessions('idle'), rules: routing, now: clock.now() }).decisions[0];
    expect(d).toMatchObject({ kind: 'assigned', session: 'senior' });
    expect(queue.claim(task.id, 'senior', d!.reason, clock.now())).not.toBeNull();
    // Claimed: the name is forgotten, and the same level never reassigns it again.
    expect(t.store.writer.prepare('SELECT route_to FROM tasks WHERE id = ?').pluck().get(task.id)).toBeNull();
    await watcher(t.open()).tick();
    expect(t.store.tasks.get(task.id)).toMatchObject({ status: 'assigned', assignedTo: 'senior' });
    expect(t.store.decisions.forTask(task.id).filter((x) => x.reason.startsWith('SLA critical reassign to senior'))).toHaveLength(1);
  });

  it('a backlog past its SLA is stored in full, but the log and the desktop get a bounded number', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', console: { write: (l: string) => (lines.push(l), true) } as unknown as NodeJS.WritableStream });
    const w = new SlaWatcher({ store: t.store, getSnapshot: () => ({ sla: rules }), clock: clock.now, logger: log, onAlert: (a) => dashboard.push(a), notify: (title) => desktop.push(title) });
    t.store.transaction(() => {
      for (let i = 0; i < 150; i++) t.store.tasks.add({ type: 'anything', title: `old ${i}` });
    });
    clock.advanceMinutes(30);
    expect(await w.tick()).toHaveLength(150);
    expect(w.alerts.countOpen()).toBe(150);
    expect(desktop.length).toBeLessThanOrEqual(3);
    const slaLines = lines.filter((l) => l.includes('SLA critical'));
    expect(slaLines.length).toBeLessThanOrEqual(20);
    expect(lines.some((l) => l.includes('130 more alert(s)'))).toBe(true);
  });
});
