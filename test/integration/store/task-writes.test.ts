// The task core's writes over the asynchronous task store (src/main/tasks/writes.ts),
// one suite on both engines: SQLite (always) and a real throw-away PostgreSQL (when its
// binaries are here). The unit of work commits all its writes or none; hold and release
// leave the same rows, history and messages on both; a shared-queue console's RPC holds
// and releases through the same core.
import { describe, expect, it } from 'vitest';
import type { ConfigService } from '../../../src/main/config/service.js';
import { setupSharedTasks } from '../../../src/main/setup/shared-tasks.js';
import { listenForTasks, type TaskChange } from '../../../src/main/store/postgres/queue.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { parsePostgresUrl } from '../../../src/main/store/postgres/url.js';
import { SqliteTaskStore, type TaskStore } from '../../../src/main/store/task-store.js';
import { holdTask, releaseTask, TaskTransitionError } from '../../../src/main/tasks/writes.js';
import { storeEngines, withEngine, type Rows } from '../../support/engines.js';
import { pollUntil } from '../../support/poll.js';

interface Engine {
  store: TaskStore;
  rows: Rows;
  url: string | null;
}

const { engines } = storeEngines<Engine>(
  {
    sqlite: ({ store, rows }) => ({ store: new SqliteTaskStore(store), rows, url: null }),
    postgres: ({ pool, rows, url }) => ({ store: new PostgresTaskStore(pool), rows, url }),
  },
  { poolMax: 8 },
);

describe.each(engines)('the task core’s writes on %s', (_name, open, skip) => {
  const use = (fn: (e: Engine) => Promise<void>): Promise<void> => withEngine(open, fn);

  it.skipIf(skip)('a unit of work commits every write or none', async () => {
    await use(async ({ store, rows }) => {
      const a = await store.add({ type: 'x', title: 'a', prompt: 'p', priority: 5 });
      await expect(
        store.transaction(async (tx) => {
          await tx.hold(a.id, 'h', 'held');
          await tx.add({ type: 'x', title: 'inside', prompt: 'p', priority: 5 });
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await store.get(a.id)).toMatchObject({ status: 'pending', holdReason: null });
      expect(await rows("SELECT id FROM tasks WHERE title = 'inside'")).toEqual([]);
      expect(await rows('SELECT to_status FROM task_events WHERE task_id = $1', [a.id])).toEqual([]);

      const made = await store.transaction(async (tx) => {
        await tx.hold(a.id, 'h', 'held');
        // A transaction inside one joins it.
        return tx.transaction(async (inner) => inner.add({ type: 'x', title: 'inside', prompt: 'p', priority: 5 }));
      });
      expect(await store.get(made.id)).toMatchObject({ title: 'inside', status: 'pending' });
      expect(await store.get(a.id)).toMatchObject({ status: 'blocked', holdReason: 'h' });
    });
  });

  it.skipIf(skip)('hold takes a claimed task back (its session and lease free), release queues it again', async () => {
    await use(async ({ store, rows }) => {
      const a = await store.add({ type: 'x', title: 'a', prompt: 'p', priority: 5 });
      const now = new Date();
      await store.claimMany([{ taskId: a.id, session: 'w1', reason: 'assigned to w1' }], [], now, { holder: 'console 1', ttlMs: 30_000 });
      const held = await holdTask(store, a.id, 'design review');
      expect(held.task).toMatchObject({ status: 'blocked', holdReason: 'design review', statusReason: 'held by the operator: design review; taken back from w1' });
      expect(held.changes).toEqual([{ taskId: a.id, from: 'assigned', to: 'blocked', reason: 'held by the operator: design review; taken back from w1' }]);
      expect(await rows('SELECT task_id FROM task_leases')).toEqual([]);
      // w1 holds nothing now: another task can be claimed for it.
      const b = await store.add({ type: 'x', title: 'b', prompt: 'p', priority: 5 });
      expect(await store.claimMany([{ taskId: b.id, session: 'w1', reason: 'assigned to w1' }], [], now)).toHaveLength(1);
      await expect(releaseTask(store, b.id)).rejects.toThrow(`task ${b.id} is not held (it is assigned: assigned to w1); only a held task can be released`);
      await expect(holdTask(store, 99_999)).rejects.toThrow('task 99999 does not exist');
      const released = await releaseTask(store, a.id);
      expect(released.task).toMatchObject({ status: 'pending', holdReason: null, statusReason: 'unblocked: released by the operator' });
      expect(released.changes).toEqual([{ taskId: a.id, from: 'blocked', to: 'pending', reason: 'unblocked: released by the operator' }]);
      expect((await store.history(a.id)).map((e) => `${e.fromStatus ?? '∅'}→${e.toStatus}: ${e.reason}`)).toEqual([
        '∅→pending: created',
        'pending→assigned: assigned to w1',
        'assigned→blocked: held by the operator: design review; taken back from w1',
        'blocked→pending: unblocked: released by the operator',
      ]);
      await store.cancel(b.id, 'done with it');
      await expect(holdTask(store, b.id)).rejects.toThrow(TaskTransitionError);
      await expect(holdTask(store, b.id)).rejects.toThrow(`task ${b.id} is cancelled: it cannot be held (only pending, assigned, in_progress, blocked tasks can)`);
    });
  });

  it.skipIf(skip)('a released task that still waits on another stays blocked, saying on what, and moves when that one completes', async () => {
    await use(async ({ store }) => {
      const first = await store.add({ type: 'x', title: 'first', prompt: 'p', priority: 5 });
      const then = await store.add({ type: 'x', title: 'then', prompt: 'p', priority: 5, dependsOn: [first.id] });
      await holdTask(store, then.id, 'not yet');
      const released = await releaseTask(store, then.id);
      expect(released.task).toMatchObject({ status: 'blocked', holdReason: null, statusReason: `blocked: waiting on task ${first.id} to complete (depends_on)` });
      expect(released.changes).toEqual([]);
      expect(await store.blockedDependants(first.id)).toEqual([then.id]);
    });
  });

  it.skipIf(skip)('sendTo takes a task from its holder for one session (no try counted), queues a pending one for it, and commits with a once-key or not at all', async () => {
    await use(async ({ store, rows }) => {
      const by = { kind: 'sla' as const, who: 'SLA (critical)' };
      const now = new Date();
      const a = await store.add({ type: 'x', title: 'a', prompt: 'p', priority: 5 });
      await store.claimMany([{ taskId: a.id, session: 'w1', reason: 'assigned to w1' }], [], now, { holder: 'console 1', ttlMs: 30_000 });
      // Inside a unit of work with its once-key row; the unit fails, so neither stays.
      await expect(
        store.transaction(async (tx) => {
          await tx.sendTo(a.id, 'w2', by, now);
          await tx.record({ kind: 'sla', taskId: a.id, session: 'w2', decision: 'once-key', reason: 'r' }, now);
          throw new Error('the console died');
        }),
      ).rejects.toThrow('the console died');
      expect(await store.get(a.id)).toMatchObject({ status: 'assigned', assignedTo: 'w1' });
      expect(await rows("SELECT decision FROM decisions WHERE decision = 'once-key'")).toEqual([]);

      const sent = await store.transaction(async (tx) => {
        const s = await tx.sendTo(a.id, 'w2', by, now);
        await tx.record({ kind: 'sla', taskId: a.id, session: 'w2', decision: 'once-key', reason: s.reason }, now);
        return s;
      });
      expect(sent).toEqual({ outcome: 'sent', reason: 'back to the queue: SLA (critical) sent it to w2, taken from w1' });
      expect(await store.get(a.id)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await rows('SELECT route_to FROM tasks WHERE id = $1', [a.id])).toEqual([{ route_to: 'w2' }]);
      expect(await rows('SELECT task_id FROM task_leases')).toEqual([]);
      expect(await rows("SELECT decision FROM decisions WHERE decision = 'once-key'")).toEqual([{ decision: 'once-key' }]);
      // The router gives it to w2 only.
      expect((await store.pendingTasks(10)).find((t) => t.id === a.id)?.routeTo).toBe('w2');
      await store.claimMany([{ taskId: a.id, session: 'w2', reason: 'assigned to w2' }], [], now);
      expect(await store.sendTo(a.id, 'w2', by, now)).toEqual({ outcome: 'already', reason: 'already with w2' });

      const b = await store.add({ type: 'x', title: 'b', prompt: 'p', priority: 5 });
      expect(await store.sendTo(b.id, 'w3', by, now)).toEqual({ outcome: 'sent', reason: 'queued for w3: SLA (critical) sent it there' });
      expect(await rows("SELECT decision, session_id FROM decisions WHERE task_id = $1 AND decision = 'route_to'", [b.id])).toEqual([{ decision: 'route_to', session_id: 'w3' }]);
      await store.cancel(b.id, 'no');
      expect(await store.sendTo(b.id, 'w3', by, now)).toEqual({ outcome: 'refused', reason: 'the task is cancelled' });
      expect(await store.sendTo(99_999, 'w3', by, now)).toEqual({ outcome: 'refused', reason: 'task 99999 does not exist' });
    });
  });

  it.skipIf(skip)('a shared-queue console’s RPC holds and releases through the same core', async () => {
    await use(async ({ store, url }) => {
      if (!(store instanceof PostgresTaskStore)) return; // the SQLite console's RPC is test/integration/tasks/core.test.ts
      const heard: TaskChange[] = [];
      const listener = await listenForTasks(parsePostgresUrl(url!, 'test'), (c) => heard.push(c));
      try {
        let changed = 0;
        const rpc = setupSharedTasks({ store, config: { snapshot: () => null } as unknown as ConfigService, queueName: url!, changed: () => changed++ });
        const a = await rpc['tasks.create']({ type: 'x', title: 'a', prompt: 'p' });
        expect(await rpc['tasks.hold']({ id: a.id, reason: 'wait' })).toMatchObject({ status: 'blocked', statusReason: 'held by the operator: wait' });
        expect(await rpc['tasks.release']({ id: a.id })).toMatchObject({ status: 'pending', statusReason: 'unblocked: released by the operator' });
        await expect(rpc['tasks.release']({ id: a.id })).rejects.toThrow(`task ${a.id} is not held`);
        expect(changed).toBe(3);
        // A task waiting on one the console cancels says so, as on SQLite.
        const first = await rpc['tasks.create']({ type: 'x', title: 'first', prompt: 'p' });
        const then = await rpc['tasks.create']({ type: 'x', title: 'then', prompt: 'p', dependsOn: [first.id] });
        await rpc['tasks.cancel']({ id: first.id });
        expect(await store.get(then.id)).toMatchObject({
          status: 'blocked',
          statusReason: `blocked: task ${first.id} cancelled (cancelled by operator): blocked until it is retried and completes, or this task is cancelled`,
        });
        // Every other console hears both changes (NOTIFY at commit), and routes the released task.
        const statuses = (): string[] => heard.filter((c) => c.id === a.id).map((c) => c.status);
        await pollUntil('the hold and the release heard', async () => statuses().length >= 3 && statuses().at(-1) === 'pending', { limitMs: 10_000, intervalMs: 20 });
        expect(statuses()[0]).toBe('pending');
        expect(statuses()).toContain('blocked');
      } finally {
        await listener.stop();
      }
    });
  });
});
