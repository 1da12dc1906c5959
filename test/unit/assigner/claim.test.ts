import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskQueue } from '../../../src/main/store/task-queue.js';
import { tempStore } from './fixture.js';

// Two consoles (two connections, as two processes would have) on one database file.
describe('claiming a task for a session', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  it('a task goes to one session only, and a session gets one task only, whoever asks', () => {
    const a = new TaskQueue(t.store);
    const b = new TaskQueue(t.open());
    const now = new Date();
    const t1 = t.store.tasks.add({ type: 'x', title: 'one' });
    const t2 = t.store.tasks.add({ type: 'x', title: 'two' });
    expect(a.claim(t1.id, 's1', 'console A', now)).not.toBeNull();
    expect(b.claim(t1.id, 's2', 'console B', now)).toBeNull(); // already taken
    expect(b.claim(t2.id, 's1', 'console B', now)).toBeNull(); // s1 is busy
    expect(b.claim(t2.id, 's2', 'console B', now)).not.toBeNull();
    expect(t.store.decisions.forTask(t1.id)).toHaveLength(1);
  });

  it('random interleavings of two consoles never double-assign', () => {
    const queues = [new TaskQueue(t.store), new TaskQueue(t.open())];
    const sessions = ['s1', 's2', 's3', 's4'];
    const ids = Array.from({ length: 40 }, (_, i) => t.store.tasks.add({ type: 'x', title: `t${i}` }).id);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const now = new Date();
    for (let step = 0; step < 400; step++) {
      const q = queues[rand(2)]!;
      const id = ids[rand(ids.length)]!;
      const s = sessions[rand(sessions.length)]!;
      if (rand(3) === 0) {
        // A session finishes what it holds, freeing it.
        const held = q.heldTasks().find((h) => h.session === s);
        if (held) {
          q.start(held.id, s, 'working', now);
          q.complete(held.id, s, 'done', now);
        }
      } else q.claim(id, s, 'race', now);
      const held = queues[0]!.heldTasks();
      expect(new Set(held.map((h) => h.session)).size).toBe(held.length);
    }
    const counts = t.store.writer.prepare("SELECT id, COUNT(*) AS n FROM decisions WHERE decision = 'assigned' GROUP BY task_id HAVING n > 1").all();
    expect(counts).toEqual([]);
  });
});

describe('recent load (least_loaded)', () => {
  it('counts what each session holds now and what it finished since the window opened, nothing older and nothing else', () => {
    const t = tempStore();
    try {
      const q = new TaskQueue(t.store);
      const hourAgo = new Date('2026-01-01T11:00:00.000Z');
      const before = new Date('2026-01-01T10:30:00.000Z');
      const within = new Date('2026-01-01T11:30:00.000Z');
      // One task through claim → start → complete, for `session`, finished at `at`.
      const finish = (session: string, at: Date) => {
        const id = t.store.tasks.add({ type: 'x', title: `${session} ${at.toISOString()}` }).id;
        expect(q.claim(id, session, 'test', at)).not.toBeNull();
        expect(q.start(id, session, 'test', at)).toBe(true);
        expect(q.complete(id, session, 'test', at)).toBe(true);
      };
      finish('s1', before); // finished before the window: not counted
      finish('s1', within);
      finish('s2', within);
      finish('s2', within);
      const held = t.store.tasks.add({ type: 'x', title: 'held' }).id;
      expect(q.claim(held, 's3', 'test', before)).not.toBeNull(); // held since before the window: counted
      const requeued = t.store.tasks.add({ type: 'x', title: 'requeued' }).id;
      expect(q.claim(requeued, 's4', 'test', within)).not.toBeNull();
      expect(q.requeue(requeued, 's4', { reason: 'test', error: null, notBefore: null, kind: 'lifecycle' }, within)).toBe(true);

      expect(Object.fromEntries(q.recentLoad(hourAgo))).toEqual({ s1: 1, s2: 2, s3: 1 });
    } finally {
      t.cleanup();
    }
  });
});
