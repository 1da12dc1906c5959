// The task queue's commands on a shared PostgreSQL queue (issue 17): the console's
// task table, a task's page, adding, cancelling, retrying and re-prioritising, through
// the PostgreSQL task store (every change announced to every console by NOTIFY). The
// same defaults (routing_rules.yaml) and SLA columns as on SQLite; hold and release
// through the task core's writes both engines share (tasks/writes.ts).
import fs from 'node:fs';
import type { CommandParams, CommandResult, Task, TaskRow, TaskSla } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import type { ConfigService } from '../config/service.js';
import { evaluateSla } from '../sla/evaluate.js';
import type { PostgresTaskStore } from '../store/postgres/task-store.js';
import { InvalidTaskError, TaskFinishedError, TaskNotFoundError } from '../store/tasks.js';
import { fromSqlTime } from '../store/time.js';
import { taskDefaults } from '../tasks/service.js';
import { holdTask, releaseTask, settleBlocked } from '../tasks/writes.js';
import { createManyShared } from '../tasks/create-many.js';

type Names = 'tasks.list' | 'tasks.get' | 'tasks.create' | 'tasks.createMany' | 'tasks.cancel' | 'tasks.retry' | 'tasks.setPriority' | 'tasks.hold' | 'tasks.release';
type SharedTaskCommands = { [N in Names]: (p: CommandParams<N>) => Promise<CommandResult<N>> };

export function setupSharedTasks(opts: { store: PostgresTaskStore; config: ConfigService; queueName: string; changed: () => void }): SharedTaskCommands {
  const { store } = opts;
  const withSla = (task: Task, now: Date): TaskRow => {
    const snapshot = opts.config.snapshot();
    const e = snapshot ? evaluateSla(task, snapshot.sla, now) : null;
    const sla: TaskSla | null = e ? { targetMinutes: e.targetMinutes, elapsedMinutes: e.elapsedMinutes, percentUsed: e.percentUsed, level: e.level, highlight: null } : null;
    return { ...task, sla };
  };
  const changing = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      const result = await fn();
      opts.changed();
      return result;
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof TaskFinishedError || err instanceof InvalidTaskError) throw new ApiError('invalid_params', err.message);
      throw err;
    }
  };
  return {
    'tasks.list': async (p) => {
      const now = new Date();
      const { tasks, total } = await store.page({ status: p.status, type: p.type, search: p.search, sort: p.sort, limit: p.limit, offset: p.offset });
      return { tasks: tasks.map((t) => withSla(t, now)), total, counts: await store.counts() };
    },
    'tasks.get': async (p) => {
      const task = await store.get(p.id);
      if (!task) throw new ApiError('invalid_params', `task ${p.id} does not exist`);
      return {
        task: withSla(task, new Date()),
        history: (await store.history(p.id)).map((e) => ({ at: fromSqlTime(e.at), from: e.fromStatus, to: e.toStatus, reason: e.reason })),
        decisions: (await store.decisionsFor(p.id)).map((d) => ({ ...d, at: fromSqlTime(d.at) })),
        dependsOn: (await store.dependencies(p.id)).map((d) => ({ id: d.id, title: d.title, status: d.status })),
        maxAttempts: taskDefaults(opts.config.snapshot(), task.type).maxAttempts,
      };
    },
    'tasks.create': (p) =>
      changing(async () => {
        const type = p.type.trim();
        const projectId = p.project ? await store.projectId(p.project, (abs) => fs.existsSync(abs) && fs.statSync(abs).isDirectory()) : null;
        return store.add({ type, title: p.title, prompt: p.prompt, priority: p.priority ?? taskDefaults(opts.config.snapshot(), type).priority, projectId, dependsOn: p.dependsOn });
      }),
    'tasks.createMany': (p) =>
      changing(async () => ({
        tasks: await createManyShared(store, opts.config.snapshot(), p.tasks, (i) => `tasks[${i}]`, (abs) => fs.existsSync(abs) && fs.statSync(abs).isDirectory()),
      })),
    // As the single console's core: the tasks waiting on a cancelled one say so (blocked until it is retried and completes).
    'tasks.cancel': (p) =>
      changing(async () => {
        const task = await store.cancel(p.id, p.reason ?? 'cancelled by operator');
        for (const dependant of await store.blockedDependants(p.id)) await settleBlocked(store, dependant, `task ${p.id} cancelled`);
        return task;
      }),
    'tasks.retry': (p) => changing(() => store.retry(p.id, 'retried by operator')),
    'tasks.setPriority': (p) => changing(() => store.setPriority(p.id, p.priority)),
    'tasks.hold': (p) => changing(async () => (await holdTask(store, p.id, p.reason ?? 'held from the console')).task),
    'tasks.release': (p) => changing(async () => (await releaseTask(store, p.id)).task),
  };
}
