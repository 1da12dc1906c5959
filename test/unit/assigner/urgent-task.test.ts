import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planRound } from '../../../src/main/assigner/round-plan.js';
import { TaskService } from '../../../src/main/tasks/service.js';
import { RULES, TestClock, addTasks, session, tempStore } from './fixture.js';

// A task marked urgent through the task core (route_task_to_session's `urgent`) is
// read and routed before the head of a long queue, even when the round reads only a
// window of it that the task is far behind.

describe('an urgent task', () => {
  let t: ReturnType<typeof tempStore>;
  let tasks: TaskService;
  const clock = new TestClock();
  beforeEach(() => {
    t = tempStore();
    tasks = new TaskService({ store: t.store, config: () => ({ routing: RULES }) });
  });
  afterEach(() => t.cleanup());

  it('comes first out of a queue of 500 higher-priority tasks, in a round reading 10', () => {
    addTasks(t.store, 500, { type: 'infrastructure', priority: 9 });
    const late = tasks.create({ type: 'infrastructure', title: 'late', prompt: 'p', priority: 0 });
    const idle = [session('dev_worker1')];
    expect(planRound(tasks.queue, RULES, idle, clock.now(), { limit: 10 }).decisions.find((d) => d.kind === 'assigned')?.taskId).not.toBe(late.id);

    expect(tasks.markUrgent(late.id, 'a test', clock.now())).toBe(true);
    expect(tasks.markUrgent(late.id, 'a test', clock.now())).toBe(false);
    const head = tasks.queue.pendingTasks(10, []);
    expect(head).toHaveLength(10);
    expect(head[0]).toMatchObject({ id: late.id, urgent: true });
    expect(new Set(head.map((p) => p.id)).size).toBe(10);
    const round = planRound(tasks.queue, RULES, idle, clock.now(), { limit: 10 });
    expect(round.decisions.filter((d) => d.kind === 'assigned')).toEqual([expect.objectContaining({ taskId: late.id, session: 'dev_worker1', urgent: true })]);
  });

  it('ranks with the urgent types, before the rest; a finished task cannot be marked', () => {
    addTasks(t.store, 3, { type: 'feature_development', priority: 10 });
    const mine = tasks.create({ type: 'feature_development', title: 'mine', prompt: 'p', priority: 1 });
    tasks.markUrgent(mine.id, 'a test', clock.now());
    const bug = tasks.create({ type: 'bug_fix', title: 'bug', prompt: 'p' });
    // Both urgent: bug_fix by its rule (priority 9), mine by its mark (priority 1).
    const order = tasks.queue.pendingTasks(100, ['bug_fix']).map((p) => p.id);
    expect(order.slice(0, 2).sort()).toEqual([mine.id, bug.id].sort());
    expect(order).toHaveLength(5);
    tasks.cancel(bug.id);
    expect(tasks.markUrgent(bug.id, 'a test', clock.now())).toBe(false);
  });
});
