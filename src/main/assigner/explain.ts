// `architect explain TASK` and the task view's trail: every routing, dispatch,
// lifecycle and SLA decision about a task, with the status changes others made
// (created, cancelled by the operator), in time order.
import type { Store } from '../store/store.js';
import { TaskNotFoundError } from '../store/tasks.js';

interface TrailLine {
  at: string;
  text: string;
  /** Ties at one timestamp keep insertion order: decisions before the events they caused. */
  seq: number;
}

/** HH:MM:SS of a store timestamp ('YYYY-MM-DD HH:MM:SS.SSS'). */
const TIME_OF_DAY = { from: 11, to: 19 };

/** `maxAttempts`: the task type's retry budget from the config in force, when known. */
export function explainTask(store: Store, taskId: number, opts: { maxAttempts?: number } = {}): string {
  const task = store.tasks.get(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const decisions = store.decisions.forTask(taskId);
  const history = store.tasks.history(taskId);
  const told = new Set(decisions.map((d) => d.reason));

  const lines: TrailLine[] = [];
  let seq = 0;
  for (const e of history) {
    // The assigner writes the same reason to both; show it once, from the decision.
    if (e.reason && told.has(e.reason)) continue;
    const what = e.fromStatus === null ? `created as ${e.toStatus}` : `${e.fromStatus} → ${e.toStatus}`;
    lines.push({ at: e.at, seq: seq++, text: e.reason && e.fromStatus !== null ? `${what}: ${e.reason}` : what });
  }
  for (const d of decisions) {
    const text = d.decision === 'assigned' ? `→ ${d.reason} at ${d.at.slice(TIME_OF_DAY.from, TIME_OF_DAY.to)}` : d.reason;
    lines.push({ at: d.at, seq: seq++, text });
  }
  lines.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));

  const where = task.assignedTo ? ` on ${task.assignedTo}` : '';
  const header = `task #${task.id} "${task.title}" (${task.type}, priority ${task.priority}): ${task.status}${where}`;
  const facts: string[] = [];
  if (opts.maxAttempts !== undefined) facts.push(`  attempts: ${task.attempts} of ${opts.maxAttempts} (max_attempts for ${task.type})`);
  if (task.status === 'failed' && task.statusReason) facts.push(`  failed: ${task.statusReason}`);
  if (task.status === 'blocked' && task.statusReason) facts.push(`  blocked: ${task.statusReason.replace(/^blocked: /, '')}`);
  if (task.holdReason !== null) facts.push(`  held by the operator: ${task.holdReason} (architect tasks release ${task.id})`);
  const deps = store.tasks.dependencies(taskId);
  if (deps.length) facts.push(`  depends on: ${deps.map((d) => `#${d.id} (${d.status})`).join(', ')}`);
  const body = lines.map((l) => `  ${l.at.slice(TIME_OF_DAY.from, TIME_OF_DAY.to)}  ${l.text}`);
  return [header, ...facts, ...body].join('\n') + '\n';
}
