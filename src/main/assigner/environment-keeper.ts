// Keeps track of the environments (port + worktree) open tasks hold, so each is
// released exactly once when its task ends, however it ends: completed,
// requeued, or cancelled by the operator from another console. Over the asynchronous
// task store, so the single console (SQLite) and a console on a shared queue
// (PostgreSQL) keep them the same way; each console keeps the environments of the
// tasks it dispatched (its worktrees and ports are on its machine).
import type { RouteRule } from '../config/schemas/routing.js';
import type { Logger } from '../log/logger.js';
import {
  createEnvironment,
  environmentOf,
  environmentPreamble,
  needsEnvironment,
  releaseEnvironment,
  type TaskEnvironment,
} from './environment.js';
import { isHeldStatus } from '../../shared/task-status.js';
import type { ClaimedTask } from '../store/task-queue.js';
import type { TaskStore } from '../store/task-store.js';

type EnvironmentTasks = Pick<TaskStore, 'heldMetadataWithEnv' | 'metadata' | 'setMetadata' | 'record' | 'status'>;

export class EnvironmentKeeper {
  private readonly live = new Map<number, TaskEnvironment>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly tasks: EnvironmentTasks,
    private readonly log: Logger,
    private readonly clock: () => Date,
  ) {}

  /**
   * Environments of tasks still held when the console starts (it may have been
   * restarted mid-task): one query over the held tasks whose metadata mentions an
   * environment (a partial index), never a read per held task.
   */
  async load(): Promise<void> {
    for (const task of await this.tasks.heldMetadataWithEnv()) {
      const env = environmentOf(task.metadata);
      if (env && (env.worktree || env.port !== null)) this.live.set(task.id, env);
    }
  }

  /** Sets up the task's environment when its route asks for one; returns the text the agent reads first. */
  async prepare(task: ClaimedTask, rule: RouteRule | undefined): Promise<string> {
    if (!rule || !needsEnvironment(rule)) return '';
    const taken = new Set([...this.live.values()].map((e) => e.port).filter((p): p is number => p !== null));
    const env = await createEnvironment(task.id, rule, task.projectPath, taken);
    this.live.set(task.id, env);
    const now = this.clock();
    await this.tasks.setMetadata(task.id, { ...(await this.tasks.metadata(task.id)), env }, now);
    const parts = [env.worktree ? `worktree ${env.worktree}` : null, env.port !== null ? `port ${env.port}` : null].filter(Boolean);
    await this.tasks.record(
      {
        kind: 'dispatch',
        taskId: task.id,
        session: null,
        decision: 'environment',
        reason: `environment: ${parts.join(', ') || 'none'}${env.note ? ` (${env.note})` : ''}`,
      },
      now,
    );
    return environmentPreamble(env, rule.merge_via_pr);
  }

  /** Releases a task's environment in the background; the trail records what happened to the worktree. */
  release(taskId: number): void {
    const env = this.live.get(taskId);
    if (!env) return;
    this.live.delete(taskId);
    const done = releaseEnvironment(env)
      .then((what) => this.tasks.record({ kind: 'lifecycle', taskId, session: null, decision: 'environment released', reason: `environment released: ${what}` }, this.clock()))
      .catch((err: unknown) => this.log.warn('cannot release a task environment', { task: taskId, err }))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Tasks closed by someone else (cancelled from the CLI) still hold their environment: free it. */
  releaseClosed(): void {
    if (this.live.size === 0) return;
    const done = (async () => {
      for (const taskId of [...this.live.keys()]) {
        const status = await this.tasks.status(taskId);
        if (status === null || !isHeldStatus(status)) this.release(taskId);
      }
    })()
      .catch((err: unknown) => this.log.warn('cannot look at the tasks holding environments', { err }))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  /** Resolves once every release under way (and any it started) is done. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
