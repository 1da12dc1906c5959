// The tasks of a shared PostgreSQL queue as the SLA watch (sla-watcher.ts) sees them
// (issue 17): read on a connection of the watch's own (store/postgres/sla-reads.ts); the
// watch's alerts stay this console's own, as on SQLite. An alert's task_id is the shared
// task's id (migration 020 took the foreign key to the console's own, empty, tasks table
// off), and its text names it too (`task #12 …`), read elsewhere (a webhook, the log).
// Each alert is also written to the shared task's decision trail, after the alert's own
// transaction (a failure costs the trail a line, not the alert).
import type { Logger } from '../log/logger.js';
import type { PostgresSlaReads } from '../store/postgres/sla-reads.js';
import type { DecisionRecord } from '../store/task-queue.js';
import type { SlaQueue } from './sla-queue.js';

export function sharedSlaQueue(opts: {
  reads: PostgresSlaReads;
  /** The queue's name, for messages. */
  queueName: string;
  /** A decision about a shared task. */
  record: (d: DecisionRecord, now: Date) => Promise<void>;
  reassignUnit: SlaQueue['reassignUnit'];
  log: Logger;
}): SlaQueue {
  const { reads } = opts;
  return {
    shared: opts.queueName,
    lastEventId: () => reads.lastEventId(),
    changedTasks: (afterId, throughId, reopenedOnly) => reads.changedTasks(afterId, throughId, reopenedOnly),
    byIds: (ids) => reads.byIds(ids),
    openAfterId: (afterId, limit) => reads.openAfterId(afterId, limit),
    groups: (spec) => reads.groups(spec),
    groupTasks: (range, cursor, limit) => reads.groupTasks(range, cursor, limit),
    crossing: (types) => ({ createdBetween: (from, to) => reads.createdBetween(types, from, to), nextCreatedAfter: (from) => reads.nextCreatedAfter(types, from) }),
    reassigned: (taskId, onceKey) => reads.reassigned(taskId, onceKey),
    alertOf: (row, message) => ({ taskId: row.id, message: message.includes(`#${row.id}`) ? message : `task #${row.id}: ${message}` }),
    recordAlert: (d, now) => {
      // A backlog summary is this console's own: the shared trail is per task.
      if (d.taskId === null) return;
      opts.record(d, now).catch((err: unknown) => opts.log.warn('could not record an SLA alert in the shared queue', { task: d.taskId, error: err instanceof Error ? err.message : String(err) }));
    },
    reassignUnit: opts.reassignUnit,
  };
}
