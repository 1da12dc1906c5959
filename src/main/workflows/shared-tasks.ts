// A workflow's task writes on a shared PostgreSQL queue (issue 17). The run's
// checkpoints live in the console's own file and the tasks in PostgreSQL, so a write
// and its checkpoint cannot commit together. Instead the step's checkpoint first keeps
// a once-key (a new random key, in its input), then the write and a row of
// workflow_task_writes under that key (with the step's output) commit together in one
// PostgreSQL unit of work, and only then is the step checkpointed as done. A console
// killed between the two commits resumes the step with the same key, finds it, and
// takes the output written then instead of writing again; killed before the first, it
// finds nothing and writes. The checks, defaults and messages are the single
// console's (tasks/service.ts: workflowNewTask, workflowStatusChange).
import { randomUUID } from 'node:crypto';
import type { Task } from '../../shared/api.js';
import { isFinishedStatus, isOpenStatus } from '../../shared/task-status.js';
import type { PostgresTaskStore } from '../store/postgres/task-store.js';
import { checkInsert, readable, whereOf, type DatabaseOutput } from '../store/workflow-writes.js';
import type { TaskFields } from '../store/tasks.js';
import { pick, workflowNewTask, workflowStatusChange, type TaskDefaults } from '../tasks/service.js';
import { settleBlocked } from '../tasks/writes.js';
import type { RouteTaskResult, Row } from './types.js';

/** A new once-key for a step attempt's task write. */
export function newOnceKey(): string {
  return `workflow-write:${randomUUID()}`;
}

export class SharedWorkflowTasks {
  constructor(
    private readonly store: PostgresTaskStore,
    private readonly defaults: (type: string) => TaskDefaults,
    /** The shared queue's assigner in this console: woken by a write, waited for by a route step. */
    private readonly assigner: { kick(): void; settled(): Promise<void> },
  ) {}

  private changed(): void {
    this.assigner.kick();
  }

  /**
   * A route step (route_task_to_session, reassign_task), as the single console's: urgent
   * puts it ahead of the queue, toSession takes it from its holder for that session
   * only; then this console's assigner has its round, and the step hears where the task
   * is (another console's agent may take it first: it is then held there).
   */
  async route(taskId: number, o: { urgent?: boolean; toSession?: string }): Promise<RouteTaskResult> {
    if (o.urgent && !o.toSession) await this.store.markUrgent(taskId, 'a workflow', new Date());
    else if (o.toSession) {
      const sent = await this.store.sendTo(taskId, o.toSession, { kind: 'route', who: 'a workflow' }, new Date());
      if (sent.outcome === 'refused') return { queued: `not sent to ${o.toSession}: ${sent.reason}` };
    }
    this.assigner.kick();
    await this.assigner.settled();
    const held = (await this.store.heldTasks()).find((t) => t.id === taskId);
    if (held) return { sessionName: held.session };
    const task = await this.store.get(taskId);
    return { queued: task ? `${task.status}: ${task.statusReason ?? 'waiting for an idle session'}` : `task ${taskId} does not exist` };
  }

  /**
   * A `database` step on tasks, once per key: the write and its once-key row in one
   * unit of work; a key already there gives back what was written under it.
   */
  async write(onceKey: string, action: 'insert' | 'update', data: Row, where: Row, reason: string): Promise<DatabaseOutput> {
    const result = await this.store.transaction(async (unit) => {
      const tx = unit as PostgresTaskStore;
      const done = await tx.onceOutput(onceKey);
      if (done !== undefined) return { output: done as DatabaseOutput, wrote: false };
      const output = action === 'insert' ? await this.insert(tx, data) : await this.update(tx, data, where, reason);
      await tx.keepOnce(onceKey, output);
      return { output, wrote: true };
    });
    if (result.wrote) this.changed();
    return result.output;
  }

  /** A task's row as a step reads it (`${steps.create_task.status}`), JSON columns parsed; null when gone. */
  async row(id: number): Promise<Row | null> {
    const row = await this.store.fields(id);
    return row ? readable(row) : null;
  }

  get(id: number): Promise<Task | null> {
    return this.store.get(id);
  }

  /**
   * Undoes a task write (`action: rollback`), as TaskService.compensateWorkflow does: a
   * task it created is cancelled, fields it changed get their old values back. Each
   * undo is safe to run again (a rollback a crash interrupted runs again whole).
   */
  async compensate(output: DatabaseOutput, reason: string): Promise<void> {
    await this.store.transaction(async (unit) => {
      const tx = unit as PostgresTaskStore;
      if (output.action === 'insert') {
        const task = await tx.get(output.id);
        if (task && isOpenStatus(task.status)) await tx.cancel(output.id, reason);
        return;
      }
      for (const row of output.before) {
        const fields = Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'id'));
        if (Object.keys(fields).length === 0 || !(await tx.fields(Number(row.id)))) continue;
        await tx.writeFields(Number(row.id), fields as TaskFields, reason);
      }
    });
    this.changed();
  }

  /** A route step taken back: the task returns to the queue if that session still holds it (no try counted). */
  async unassign(taskId: number, session: string, reason: string, now: Date): Promise<boolean> {
    const moved = await this.store.requeue(taskId, session, { reason, error: null, notBefore: null, kind: 'route', charge: false }, now);
    if (moved) this.changed();
    return moved;
  }

  private async insert(tx: PostgresTaskStore, data: Row): Promise<DatabaseOutput> {
    checkInsert('tasks', data);
    const input = workflowNewTask(data);
    const type = input.type.trim();
    const projectId = input.project === null || input.project === undefined ? null : await tx.projectId(String(input.project), () => false);
    const task = await tx.add({ type, title: input.title, prompt: input.prompt, priority: input.priority ?? this.defaults(type).priority, projectId, metadata: input.metadata });
    return { action: 'insert', table: 'tasks', id: task.id, row: readable((await tx.fields(task.id)) ?? {}) };
  }

  private async update(tx: PostgresTaskStore, data: Row, where: Row, reason: string): Promise<DatabaseOutput> {
    whereOf('tasks', data, where);
    const before: Row[] = [];
    const finished: number[] = [];
    for (const id of await tx.idsWhere(where)) {
      const current = await tx.fields(id);
      if (!current) continue;
      const status = workflowStatusChange(id, current.status, data);
      before.push(pick({ ...current }, ['id', ...Object.keys(data)]));
      await tx.writeFields(id, data as TaskFields, reason);
      if (status !== undefined && status !== current.status && isFinishedStatus(status)) finished.push(id);
    }
    // A task finishing moves the tasks waiting on it, as in the single console's core.
    for (const id of finished) {
      for (const dependant of await tx.blockedDependants(id)) await settleBlocked(tx, dependant, `task ${id} ${String(data.status)}`);
    }
    return { action: 'update', table: 'tasks', changed: before.length, before };
  }
}
