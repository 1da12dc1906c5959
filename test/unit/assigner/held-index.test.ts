import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Assigner } from '../../../src/main/assigner/assigner.js';
import { RULES, TestClock, session, tempStore } from './fixture.js';
import { toSqlTime } from '../../../src/main/store/time.js';
import { HeldIndex } from '../../../src/main/assigner/held-index.js';

// A console started on a backlog: thousands of tasks held for days by sessions long
// gone, past their timeout. Start-up recovery requeues them a batch per round, one
// transaction each; after that a round reads only what changed, never every held task.

const BACKLOG = 1_300;

describe('assigner rounds on a backlog of held tasks', () => {
  let t: ReturnType<typeof tempStore>;
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(() => t.cleanup());

  function holdBacklog(assignedAt: Date): void {
    const insert = t.store.writer.prepare(
      `INSERT INTO tasks(type, title, prompt, priority, status, assigned_to, assigned_at, created_at, updated_at)
       VALUES ('bug_fix', ?, 'p', 5, 'assigned', 'old_worker', ?, ?, ?)`,
    );
    const at = toSqlTime(assignedAt);
    t.store.transaction(() => {
      for (let i = 0; i < BACKLOG; i++) insert.run(`held ${i}`, at, at, at);
    });
  }

  it('requeues the timed-out backlog in batches, a transaction per round, and later rounds read no held task again', () => {
    const clock = new TestClock();
    holdBacklog(new Date(clock.ms - 3 * 24 * 3600_000)); // three days ago; bug_fix times out after 30 min
    const sessions = [session('dev_worker1', 'working', 'claude', '%1')];
    const assigner = new Assigner({ store: t.store, getSnapshot: () => ({ routing: RULES }), getSessions: () => sessions, deliver: async () => ({ outcome: 'taken', reason: 'test' }), clock: clock.now });

    let fullReads = 0;
    const heldTasks = assigner.queue.heldTasks.bind(assigner.queue);
    assigner.queue.heldTasks = () => (fullReads++, heldTasks());
    // Commits: outermost transactions only (a nested one is a savepoint inside it).
    let transactions = 0;
    let depth = 0;
    const transaction = t.store.transaction;
    t.store.transaction = (fn) => {
      if (depth === 0) transactions++;
      depth++;
      try {
        return transaction(fn);
      } finally {
        depth--;
      }
    };
    const held = (): number => t.store.writer.prepare("SELECT count(*) FROM tasks WHERE status = 'assigned'").pluck().get() as number;

    assigner.round();
    expect(held()).toBe(BACKLOG - 50); // one batch
    expect(transactions).toBeLessThanOrEqual(3); // the batch, the round's claims (none), its notes
    for (let round = 0; round < BACKLOG / 50 && held() > 0; round++) assigner.round();
    expect(held()).toBe(0);
    const requeued = t.store.writer.prepare("SELECT count(*) FROM decisions WHERE kind = 'timeout' AND decision = 'requeued'").pluck().get();
    expect(requeued).toBe(BACKLOG);

    // Never read whole: a round reads the tasks of its sessions and a batch past their timeout.
    assigner.round();
    assigner.round();
    expect(fullReads).toBe(0);
  });

  it('reads the tasks past their type\'s timeout oldest first across types, at most the batch, in one statement', () => {
    const clock = new TestClock();
    const insert = t.store.writer.prepare(
      `INSERT INTO tasks(type, title, prompt, priority, status, assigned_to, assigned_at, created_at, updated_at)
       VALUES (?, ?, 'p', 5, 'in_progress', 'old_worker', ?, ?, ?)`,
    );
    const add = (type: string, minutesAgo: number): void => {
      const at = toSqlTime(new Date(clock.ms - minutesAgo * 60_000));
      insert.run(type, `${type} ${minutesAgo}`, at, at, at);
    };
    // bug_fix times out after 30 min, feature_development after 90; chore has no timeout.
    for (const m of [20, 35, 50, 200]) add('bug_fix', m);
    for (const m of [60, 100, 120, 300]) add('feature_development', m);
    add('chore', 10_000);
    const queue = new Assigner({ store: t.store, getSnapshot: () => ({ routing: RULES }), getSessions: () => [], deliver: async () => ({ outcome: 'taken', reason: 'test' }), clock: clock.now }).queue;
    let statements = 0;
    const prepare = t.store.writer.prepare.bind(t.store.writer);
    t.store.writer.prepare = ((sql: string) => (statements++, prepare(sql))) as typeof t.store.writer.prepare;
    const index = new HeldIndex(queue);
    const titles = (limit: number): string[] => index.overdue(RULES, clock.now(), limit).map((h) => t.store.tasks.get(h.id)!.title);
    expect(titles(10)).toEqual(['feature_development 300', 'bug_fix 200', 'feature_development 120', 'feature_development 100', 'bug_fix 50', 'bug_fix 35']);
    expect(titles(3)).toEqual(['feature_development 300', 'bug_fix 200', 'feature_development 120']);
    expect(statements).toBeLessThanOrEqual(1); // prepared once, for this number of types
  });

  it('a session that held a task and is gone gives it back (known sessions only), with the index kept up to date', () => {
    const clock = new TestClock();
    const sessions = [session('dev_worker1', 'idle', 'claude', '%1'), session('dev_worker2', 'idle', 'claude', '%2')];
    const assigner = new Assigner({ store: t.store, getSnapshot: () => ({ routing: RULES }), getSessions: () => sessions, deliver: async () => ({ outcome: 'taken', reason: 'test' }), clock: clock.now });
    const task = t.store.tasks.add({ type: 'infrastructure', title: 'x', prompt: 'p' });
    assigner.round();
    expect(t.store.tasks.get(task.id)?.assignedTo).toBe('dev_worker1');
    sessions.splice(0, 1); // dev_worker1 went away
    assigner.round();
    // Back in the queue, then straight to the session that is left.
    const reasons = t.store.tasks.history(task.id).map((e) => e.reason ?? '');
    expect(reasons.some((r) => r.includes('dev_worker1 is no longer running'))).toBe(true);
    expect(t.store.tasks.get(task.id)?.assignedTo).toBe('dev_worker2');
  });
});
