import type { CommandParams, CommandResult, Task, TaskRow, TaskSla } from '../../shared/api.js';
import { ApiError } from '../api/dispatch.js';
import type { ConfigService } from '../config/service.js';
import { evaluateSla } from '../sla/evaluate.js';
import type { Store } from '../store/store.js';
import { TaskListing } from '../store/task-listing.js';
import { InvalidTaskError, TaskFinishedError, TaskNotFoundError } from '../store/tasks.js';
import type { TaskService } from '../tasks/service.js';
import { fromSqlTime } from '../store/time.js';
import { createManyLocal } from '../tasks/create-many.js';

type Names = 'tasks.list' | 'tasks.get' | 'tasks.create' | 'tasks.createMany' | 'tasks.types' | 'tasks.cancel' | 'tasks.retry' | 'tasks.setPriority' | 'tasks.hold' | 'tasks.release';
/** Through the task core's unit of work (tasks/writes.ts), the same on both engines: asynchronous. */
type AsyncNames = 'tasks.hold' | 'tasks.release';
type TaskCommands = { [N in Exclude<Names, AsyncNames>]: (p: CommandParams<N>) => CommandResult<N> } & {
  [N in AsyncNames]: (p: CommandParams<N>) => Promise<CommandResult<N>>;
};

export interface TasksFeature {
  commands: TaskCommands;
  /** Adds a task the way every entry point does (UI, CLI via the same rules, API, workflows). */
  create(p: CommandParams<'tasks.create'>): Task;
}

/** The task queue's commands, over the task core (which tells clients and the assigner what changed). */
export function setupTasks(opts: {
  store: Store;
  config: ConfigService;
  tasks: TaskService;
  /** The SLA watcher's highlight colors (highlight_task). */
  highlightOf?: (task: Task) => string | null;
}): TasksFeature {
  const { store } = opts;
  const listing = new TaskListing(store.reader);

  const withSla = (task: Task, now: Date): TaskRow => {
    const snapshot = opts.config.snapshot();
    const e = snapshot ? evaluateSla(task, snapshot.sla, now) : null;
    const sla: TaskSla | null = e
      ? { targetMinutes: e.targetMinutes, elapsedMinutes: e.elapsedMinutes, percentUsed: e.percentUsed, level: e.level, highlight: opts.highlightOf?.(task) ?? null }
      : null;
    return { ...task, sla };
  };

  const userError = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof TaskFinishedError || err instanceof InvalidTaskError) {
        throw new ApiError('invalid_params', err.message);
      }
      throw err;
    }
  };
  const changing = userError;
  const changingAsync = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TaskNotFoundError || err instanceof TaskFinishedError || err instanceof InvalidTaskError) {
        throw new ApiError('invalid_params', err.message);
      }
      throw err;
    }
  };

  // A task without its own priority takes its route's (routing_rules.yaml): the task core's defaults, as from the CLI.
  const create = (p: CommandParams<'tasks.create'>): Task =>
    changing(() => opts.tasks.create({ type: p.type, title: p.title, prompt: p.prompt, priority: p.priority, project: p.project, dependsOn: p.dependsOn }));

  return {
    create,
    commands: {
      'tasks.list': (p) => {
        const now = new Date();
        const { tasks, total } = listing.list({ status: p.status, type: p.type, search: p.search, sort: p.sort, limit: p.limit, offset: p.offset });
        return { tasks: tasks.map((t) => withSla(t, now)), total, counts: store.tasks.counts() };
      },
      'tasks.get': (p) => {
        const task = store.tasks.get(p.id);
        if (!task) throw new ApiError('invalid_params', `task ${p.id} does not exist`);
        return {
          task: withSla(task, new Date()),
          history: store.tasks.history(p.id).map((e) => ({ at: fromSqlTime(e.at), from: e.fromStatus, to: e.toStatus, reason: e.reason })),
          decisions: store.decisions.forTask(p.id).map((d) => ({ ...d, at: fromSqlTime(d.at) })),
          dependsOn: opts.tasks.dependencies(p.id).map((d) => ({ id: d.id, title: d.title, status: d.status })),
          maxAttempts: opts.tasks.maxAttempts(task.type),
        };
      },
      'tasks.create': (p) => create(p),
      'tasks.createMany': (p) => changing(() => ({ tasks: createManyLocal(store, opts.tasks, p.tasks, (i) => `tasks[${i}]`) })),
      'tasks.types': () => {
        const snapshot = opts.config.snapshot();
        if (!snapshot) return { types: [] };
        const routes = snapshot.routing.environment_routing;
        const targets = snapshot.sla.sla_targets;
        const names = [...new Set([...Object.keys(routes), ...Object.keys(targets)])].filter((n) => n !== 'default').sort();
        return {
          types: names.map((name) => ({
            name,
            priority: routes[name]?.priority ?? null,
            targetMinutes: targets[name]?.target_minutes ?? null,
            description: routes[name]?.description ?? targets[name]?.description ?? null,
          })),
        };
      },
      'tasks.cancel': (p) => changing(() => opts.tasks.cancel(p.id, p.reason ?? 'cancelled by operator')),
      'tasks.retry': (p) => changing(() => opts.tasks.retry(p.id)),
      'tasks.setPriority': (p) => changing(() => opts.tasks.setPriority(p.id, p.priority)),
      'tasks.hold': (p) => changingAsync(() => opts.tasks.hold(p.id, p.reason ?? 'held from the console')),
      'tasks.release': (p) => changingAsync(() => opts.tasks.release(p.id)),
    },
  };
}
