// What the SLA watch (sla-watcher.ts) needs of the tasks it watches, the same on both
// engines: the console's own file (SQLite, below: its synchronous reads wrapped) or a
// shared PostgreSQL queue (shared-sla-queue.ts). The watch's pass, its crossings, its
// alerts (always in the console's own file) and its backlog rule are one code over this.
import type { EscalationStep } from '../sla/escalate.js';
import { SlaReads, slaGroupsQuery, type SlaGroupRange, type SlaGroupRow, type SlaGroupSpec, type SlaTargetTypes, type SlaTaskRow } from '../store/sla-reads.js';
import type { Store } from '../store/store.js';
import type { DecisionRecord } from '../store/task-queue.js';
import { isHeldStatus } from '../../shared/task-status.js';
import type { TaskService } from '../tasks/service.js';
import { SqliteTaskStore, type TaskStore } from '../store/task-store.js';

/** One level crossing's two reads, for the tasks of one SLA target (prepared once per rules file on SQLite). */
export interface SlaCrossing {
  /** Ids of open tasks created in (from, to]. */
  createdBetween(from: string, to: string): Promise<number[]>;
  /** created_at of the first open task created after `from`, if any. */
  nextCreatedAfter(from: string): Promise<string | undefined>;
}

export interface SlaQueue {
  /** The shared queue's name for messages, or null: the console's own file. */
  readonly shared: string | null;
  /** The newest task_events id (0 when none): where a full pass starts watching changes. */
  lastEventId(): Promise<number>;
  /**
   * The tasks a task_events entry in (afterId, throughId] left open: every such change,
   * or (`reopenedOnly`) only those from a status that was not open. Read in SQL: the
   * changes that cannot matter (a requeue, when no condition names a column) are not returned.
   */
  changedTasks(afterId: number, throughId: number, reopenedOnly: boolean): Promise<number[]>;
  /** The tasks with these ids, whatever their status (a few hundred at a time). */
  byIds(ids: readonly number[]): Promise<SlaTaskRow[]>;
  /** Up to `limit` open tasks with an id above `afterId`, in id order. */
  openAfterId(afterId: number, limit: number): Promise<SlaTaskRow[]>;
  /** The start-up pass's grouped count of the open tasks. */
  groups(spec: SlaGroupSpec): Promise<SlaGroupRow[]>;
  /** One group's open tasks, oldest first, a page at a time. */
  groupTasks(range: SlaGroupRange, cursor: { createdAt: string; id: number } | null, limit: number): Promise<SlaTaskRow[]>;
  crossing(types: SlaTargetTypes): SlaCrossing;
  /** Whether the SLA reassign step with this once-key already ran for the task. */
  reassigned(taskId: number, onceKey: string): Promise<boolean>;
  /** The alert's task_id and text (a shared queue's task is named in the text too: its alerts are read beside other queues'). */
  alertOf(row: SlaTaskRow, message: string): { taskId: number | null; message: string };
  /** An alert in its task's decision trail (null task: a backlog summary); called inside the alert's own transaction. */
  recordAlert(d: DecisionRecord, now: Date): void;
  /** Runs a reassign step's writes (reassignTask) in one unit of work: the move and its once-key decision commit together. */
  reassignUnit<T>(fn: (writes: SlaReassignWrites) => Promise<T>): Promise<T>;
}

/** The task writes a reassign step makes (TaskStore's, or the console's task core on SQLite, which tells its listeners). */
export type SlaReassignWrites = Pick<TaskStore, 'sendTo' | 'requeue' | 'record'>;

/**
 * The console's own tasks. `readGroups` runs the start-up pass's grouped count in a
 * reader process (on the writer when absent: tests, a CLI).
 */
export function localSlaQueue(store: Store, tasks: TaskService, readGroups?: (sql: string, params: Record<string, string>) => Promise<SlaGroupRow[]>): SlaQueue {
  const reads = new SlaReads(store.writer);
  const unit = new SqliteTaskStore(store);
  const writes: SlaReassignWrites = {
    sendTo: async (taskId, session, by, now) => tasks.sendTo(taskId, session, by, now),
    requeue: async (taskId, session, r, now) => tasks.requeue(taskId, session, r, now),
    record: async (d, now) => tasks.record(d, now),
  };
  return {
    shared: null,
    lastEventId: async () => reads.lastEventId(),
    changedTasks: async (afterId, throughId, reopenedOnly) => reads.changedTasks(afterId, throughId, reopenedOnly),
    byIds: async (ids) => reads.byIds(ids),
    openAfterId: async (afterId, limit) => reads.openAfterId(afterId, limit),
    groups: async (spec) => {
      if (!readGroups) return reads.groups(spec);
      const { sql, params } = slaGroupsQuery(spec);
      return readGroups(sql, params);
    },
    groupTasks: async (range, cursor, limit) => reads.groupTasks(range, cursor, limit),
    crossing: (types) => {
      const c = reads.crossing(types);
      return { createdBetween: async (from, to) => c.createdBetween(from, to), nextCreatedAfter: async (from) => c.nextCreatedAfter(from) };
    },
    reassigned: async (taskId, onceKey) => reads.reassigned(taskId, onceKey),
    alertOf: (row, message) => ({ taskId: row.id, message }),
    recordAlert: (d, now) => tasks.record(d, now),
    // Through the task core (its listeners hear of the move), in the task store's unit of work.
    reassignUnit: (fn) => unit.transaction(() => fn(writes)),
  };
}

/**
 * A reassign step, the same words and rows on both engines. To a named session: taken
 * back from whoever holds it (or, queued, kept) for that one. Otherwise back to routing:
 * taken from the session holding it, if one does (no try counted). Whether it moved.
 */
export async function reassignTask(w: SlaReassignWrites, row: SlaTaskRow, step: EscalationStep, key: string, now: Date): Promise<boolean> {
  const to = step.toSession;
  if (to) {
    const sent = await w.sendTo(row.id, to, { kind: 'sla', who: `SLA (${step.level})` }, now);
    await w.record({ kind: 'sla', taskId: row.id, session: to, decision: key, reason: `SLA ${step.level} reassign to ${to}: ${step.message}; ${sent.reason}` }, now);
    return sent.outcome === 'sent';
  }
  const holder = row.assigned_to;
  const held = holder !== null && isHeldStatus(row.status);
  const outcome = held ? `taking it from ${holder}` : `nothing to do: the task is ${row.status} and held by no session`;
  await w.record({ kind: 'sla', taskId: row.id, session: holder, decision: key, reason: `SLA ${step.level} reassign: ${step.message}; ${outcome}` }, now);
  if (!held) return false;
  const reason = `back to the queue: reassigned by SLA (${step.level}), taken from ${holder}`;
  return w.requeue(row.id, holder, { reason, error: null, notBefore: null, kind: 'sla', charge: false }, now);
}
