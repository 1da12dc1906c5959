// Which task changes wake a routing round (core.ts): the changes the task core really
// emits, read through consumesOnly. A claim and a start take a queued task and free no
// session; everything else may give a round something to place.
import { afterEach, describe, expect, it } from 'vitest';
import { TaskService, type TaskChange } from '../../../src/main/tasks/service.js';
import { consumesOnly } from '../../../src/main/tasks/writes.js';
import { tempStore } from '../assigner/fixture.js';

describe('consumesOnly on the task core’s own changes', () => {
  const t = tempStore();
  afterEach(() => t.cleanup());

  it('claims and starts wake no round; a new task, a requeue, a completion and a cancel do', () => {
    const tasks = new TaskService({ store: t.store, config: () => null });
    const heard: Array<{ change: string; wakes: boolean }> = [];
    tasks.onChange((changes: readonly TaskChange[]) => {
      for (const c of changes) heard.push({ change: `${c.from ?? 'new'} → ${c.to}`, wakes: !consumesOnly(c) });
    });
    const now = new Date();
    const a = tasks.create({ type: 'shell', title: 'a', prompt: 'p' });
    const b = tasks.create({ type: 'shell', title: 'b', prompt: 'p' });
    tasks.claimMany([{ taskId: a.id, session: 'w1', reason: 'assigned to w1' }, { taskId: b.id, session: 'w2', reason: 'assigned to w2' }], [], now);
    tasks.start(a.id, 'w1', 'working', now);
    tasks.complete(a.id, 'w1', 'done', now);
    tasks.requeue(b.id, 'w2', { reason: 'w2 exited', error: 'w2 exited', notBefore: null, kind: 'lifecycle' }, now);
    tasks.cancel(b.id, 'not needed');
    expect(heard).toEqual([
      { change: 'new → pending', wakes: true },
      { change: 'new → pending', wakes: true },
      { change: 'pending → assigned', wakes: false },
      { change: 'pending → assigned', wakes: false },
      { change: 'assigned → in_progress', wakes: false },
      { change: 'in_progress → completed', wakes: true },
      { change: 'assigned → pending', wakes: true },
      { change: 'pending → cancelled', wakes: true },
    ]);
  });
});
