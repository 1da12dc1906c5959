// Many tasks added at once, all or none, in one unit of work — one commit (and on a
// shared queue one NOTIFY) instead of one per task: the API's `tasks.createMany` and
// `architect tasks add --from FILE`, on both engines. Each item is what `tasks.create`
// takes; one the store refuses rolls the whole batch back, and the error names it.
import type { CommandParams, Task } from '../../shared/api.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import { RefusedTaskError, type PostgresTaskStore } from '../store/postgres/task-store.js';
import type { Store } from '../store/store.js';
import { InvalidTaskError } from '../store/tasks.js';
import { taskDefaults, type TaskService } from './service.js';

export type NewTaskItem = CommandParams<'tasks.create'>;

/** A task the store refused, named by where it came from; the batch adds nothing. */
export function refusedAt(err: unknown, where: string): unknown {
  return err instanceof InvalidTaskError ? new InvalidTaskError(`${where}: ${err.message}; nothing was added`) : err;
}

/** The console's own file: through the task core (the type's defaults, its listeners), in one transaction. */
export function createManyLocal(store: Store, core: TaskService, items: readonly NewTaskItem[], where: (index: number) => string): Task[] {
  return store.transaction(() =>
    items.map((item, i) => {
      try {
        return core.create({ type: item.type, title: item.title, prompt: item.prompt, priority: item.priority, project: item.project, dependsOn: item.dependsOn });
      } catch (err) {
        throw refusedAt(err, where(i));
      }
    }),
  );
}

/** A shared queue: the projects resolved first, then every task in one transaction of the task store (multi-row INSERTs). */
export async function createManyShared(
  store: PostgresTaskStore,
  snapshot: Pick<ConfigSnapshot, 'routing' | 'sla'> | null,
  items: readonly NewTaskItem[],
  where: (index: number) => string,
  isFolder: (abs: string) => boolean,
): Promise<Task[]> {
  const projects = new Map<string, number>();
  for (const [i, item] of items.entries()) {
    if (item.project === undefined || projects.has(item.project)) continue;
    projects.set(item.project, await store.projectId(item.project, isFolder).catch((err: unknown) => Promise.reject(refusedAt(err, where(i)))));
  }
  const records = items.map((item) => {
    const type = item.type.trim();
    return {
      type,
      title: item.title,
      prompt: item.prompt,
      priority: item.priority ?? taskDefaults(snapshot, type).priority,
      projectId: item.project === undefined ? null : projects.get(item.project)!,
      dependsOn: item.dependsOn,
    };
  });
  try {
    return await store.addMany(records);
  } catch (err) {
    throw err instanceof RefusedTaskError ? refusedAt(err.reason, where(err.index)) : err;
  }
}
