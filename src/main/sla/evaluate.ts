// How far each open task is into its time budget (sla_rules.yaml). Pure: the
// caller passes the clock, so tests and the dashboard agree on "now".
import type { TaskStatus } from '../../shared/api.js';
import { OPEN_STATUSES } from '../../shared/task-status.js';
import type { SlaFile, SlaTarget } from '../config/schemas/sla.js';

export type SlaLevel = 'ok' | 'warning' | 'critical';

/** The target that applies to task types not listed in sla_targets. */
export const DEFAULT_TARGET_KEY = 'default';

/** Statuses whose clock is still running. */
const OPEN: ReadonlySet<TaskStatus> = new Set(OPEN_STATUSES);
const MS_PER_MINUTE = 60_000;

export interface SlaTaskFacts {
  id: number;
  type: string;
  status: TaskStatus;
  /** ISO timestamps. */
  createdAt: string;
  startedAt: string | null;
  /** When a closed task ended; its clock stops there. */
  completedAt?: string | null;
  priority: number;
  assignedTo: string | null;
}

export interface SlaEvaluation {
  /** The sla_targets key used: the task's type, or `default`. */
  targetKey: string;
  targetMinutes: number;
  warningPercent: number;
  criticalPercent: number;
  elapsedMinutes: number;
  percentUsed: number;
  level: SlaLevel;
  open: boolean;
}

export function isOpen(status: TaskStatus): boolean {
  return OPEN.has(status);
}

/** The target for a type: its own, else `default`, else none (no SLA is tracked). */
export function targetFor(type: string, rules: SlaFile): { key: string; target: SlaTarget } | null {
  const own = Object.hasOwn(rules.sla_targets, type) ? rules.sla_targets[type] : undefined;
  if (own) return { key: type, target: own };
  const fallback = rules.sla_targets[DEFAULT_TARGET_KEY];
  return fallback ? { key: DEFAULT_TARGET_KEY, target: fallback } : null;
}

/**
 * Elapsed time runs from creation: the operator's promise is about how long a
 * task waits for a result, queueing included. A closed task's clock stops at
 * completion. Returns null when neither the type nor `default` has a target.
 */
export function evaluateSla(task: SlaTaskFacts, rules: SlaFile, now: Date): SlaEvaluation | null {
  const found = targetFor(task.type, rules);
  if (!found) return null;
  const { target } = found;
  const open = isOpen(task.status);
  const endMs = !open && task.completedAt ? Date.parse(task.completedAt) : now.getTime();
  // A clock skew between writer and reader must not yield negative time.
  const elapsedMinutes = Math.max(0, (endMs - Date.parse(task.createdAt)) / MS_PER_MINUTE);
  const percentUsed = (elapsedMinutes / target.target_minutes) * 100;
  return {
    targetKey: found.key,
    targetMinutes: target.target_minutes,
    warningPercent: target.warning_percent,
    criticalPercent: target.critical_percent,
    elapsedMinutes,
    percentUsed,
    level: levelOf(percentUsed, target),
    open,
  };
}

export function levelOf(percentUsed: number, target: SlaTarget): SlaLevel {
  if (percentUsed >= target.critical_percent) return 'critical';
  if (percentUsed >= target.warning_percent) return 'warning';
  return 'ok';
}
