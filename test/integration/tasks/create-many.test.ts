// The API's tasks.createMany on both engines (SQLite always; PostgreSQL when its
// binaries are here): every item added in one unit of work with its type's defaults, or
// — when the store refuses one — none, the error naming the item.
import { describe, expect, it } from 'vitest';
import type { CommandParams, CommandResult } from '../../../src/shared/api.js';
import type { ConfigService } from '../../../src/main/config/service.js';
import { setupSharedTasks } from '../../../src/main/setup/shared-tasks.js';
import { setupTasks } from '../../../src/main/setup/tasks.js';
import { PostgresTaskStore } from '../../../src/main/store/postgres/task-store.js';
import { TaskService } from '../../../src/main/tasks/service.js';
import { storeEngines } from '../../support/engines.js';

type CreateMany = (p: CommandParams<'tasks.createMany'>) => CommandResult<'tasks.createMany'> | Promise<CommandResult<'tasks.createMany'>>;
interface Engine {
  createMany: CreateMany;
  count: () => Promise<number>;
  /** Rows of task_dependencies. */
  edges: () => Promise<number>;
  changed: () => number;
}

const config = { snapshot: () => null } as unknown as ConfigService;

const { engines } = storeEngines<Engine>({
  sqlite: ({ store }) => {
    const core = new TaskService({ store, config: () => null });
    let changes = 0;
    core.onChange(() => changes++);
    const rpc = setupTasks({ store, config, tasks: core });
    return { createMany: rpc.commands['tasks.createMany'], count: async () => store.writer.prepare('SELECT count(*) FROM tasks').pluck().get() as number, edges: async () => store.writer.prepare('SELECT count(*) FROM task_dependencies').pluck().get() as number, changed: () => changes };
  },
  postgres: ({ pool, url }) => {
    let changes = 0;
    const rpc = setupSharedTasks({ store: new PostgresTaskStore(pool), config, queueName: url, changed: () => changes++ });
    return { createMany: rpc['tasks.createMany'], count: async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM tasks')).rows[0]!.n), edges: async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM task_dependencies')).rows[0]!.n), changed: () => changes };
  },
});

describe.each(engines)('tasks.createMany on %s', (_name, open, skip) => {
  it.skipIf(skip)('adds every item in one go, with its defaults; an item the store refuses adds none and is named', async () => {
    const e = await open();
    try {
      const { tasks } = await e.createMany({
        tasks: [
          { type: 'bug_fix', title: 'a', prompt: 'fix a', priority: 9 },
          { type: 'docs', title: 'b', prompt: 'write b' },
          ...Array.from({ length: 498 }, (_, i) => ({ type: 'shell', title: `s${i}`, prompt: 'true' })),
        ],
      });
      expect(tasks).toHaveLength(500);
      expect(tasks.slice(0, 2).map((t) => [t.type, t.title, t.priority, t.status])).toEqual([
        ['bug_fix', 'a', 9, 'pending'],
        ['docs', 'b', 5, 'pending'],
      ]);
      expect(new Set(tasks.map((t) => t.id)).size).toBe(500);
      expect(await e.count()).toBe(500);
      expect(e.changed()).toBeGreaterThan(0);

      // The second item waits on a task that does not exist: nothing of the batch is added.
      const refused = Promise.resolve().then(() =>
        e.createMany({ tasks: [{ type: 'x', title: 'first', prompt: 'p' }, { type: 'x', title: 'second', prompt: 'p', dependsOn: [999_999] }] }),
      );
      await expect(refused).rejects.toThrow(/^tasks\[1\]: .*999999.*; nothing was added$/);
      expect(await e.count()).toBe(500);
    } finally {
      await e.close();
    }
  }, 60_000);

  it.skipIf(skip)('2,500 items (several INSERTs on PostgreSQL): ids in the order given, dependencies and blocked reasons kept; a refused item past the first thousand is named, and nothing is added', async () => {
    const e = await open();
    try {
      const [first] = (await e.createMany({ tasks: [{ type: 'setup', title: 'first', prompt: 'p' }] })).tasks;
      const { tasks } = await e.createMany({
        tasks: Array.from({ length: 2_500 }, (_, i) => ({ type: 'shell', title: `t${i}`, prompt: 'true', ...(i % 100 === 99 ? { dependsOn: [first!.id] } : {}) })),
      });
      expect(tasks.map((t) => t.title)).toEqual(Array.from({ length: 2_500 }, (_, i) => `t${i}`));
      expect(tasks.every((t, i) => i === 0 || t.id > tasks[i - 1]!.id)).toBe(true);
      const blocked = tasks.filter((t) => t.status === 'blocked');
      expect(blocked.map((t) => t.title)).toEqual(Array.from({ length: 25 }, (_, i) => `t${i * 100 + 99}`));
      expect(blocked[0]!.statusReason).toBe(`blocked: waiting on task ${first!.id} to complete (depends_on)`);
      expect(tasks.filter((t) => t.status === 'pending')).toHaveLength(2_475);
      expect(await e.edges()).toBe(25);
      expect(await e.count()).toBe(2_501);

      const refused = Promise.resolve().then(() =>
        e.createMany({ tasks: Array.from({ length: 2_500 }, (_, i) => ({ type: 'shell', title: `u${i}`, prompt: 'true', ...(i === 2_345 ? { dependsOn: [999_999] } : {}) })) }),
      );
      await expect(refused).rejects.toThrow(/^tasks\[2345\]: .*999999.*; nothing was added$/);
      const untitled = Promise.resolve().then(() => e.createMany({ tasks: [{ type: 'shell', title: 'ok', prompt: 'p' }, { type: 'shell', title: ' ', prompt: 'p' }] }));
      await expect(untitled).rejects.toThrow(/^tasks\[1\]: .*title.*; nothing was added$/);
      expect(await e.count()).toBe(2_501);
    } finally {
      await e.close();
    }
  }, 120_000);
});
