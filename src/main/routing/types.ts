// The facts the router reads and the decisions it returns. Plain data, so a
// decision can be written to `decisions`, shown in `architect explain`, sent over
// the API and compared in routing tests without translation.
import type { SessionState } from '../../shared/api.js';
import type { RoutingFile, RoutingStrategy } from '../config/schemas/routing.js';

/** A task waiting for a session (status `pending`). */
export interface PendingTask {
  id: number;
  type: string;
  /** The task's own priority (0–10); null means "take the rule's". */
  priority: number | null;
  /** ISO timestamp; older tasks go first among equal priorities. */
  createdAt: string;
  /** ISO timestamp before which the task must not be dispatched (a retry back-off). */
  notBefore?: string | null;
  /** Sent to this session by name (SLA reassign, workflow): it goes there or waits for it. */
  routeTo?: string | null;
  /** Routed ahead of the queue (a workflow's `urgent: true`): before every task that is not urgent, like an urgent type's. */
  urgent?: boolean;
  /** Not given to this session now (it timed out there: round-rules.ts); any other candidate may take it. */
  avoid?: string | null;
}

/** A session as the router sees it. */
export interface RoutableSession {
  /** The name routing rules use (`dev_worker1`). */
  name: string;
  /** The agent running in it (`claude`, `codex`, …): the rule's "provider". */
  agent: string;
  state: SessionState;
  /** A task already given to this session and not finished; it gets no other. */
  currentTaskId?: number | null;
}

/** Per task type, the last session round_robin gave a task to. */
export type RoundRobinCursor = Readonly<Record<string, string>>;

export interface AssignedDecision {
  kind: 'assigned';
  taskId: number;
  session: string;
  /** The priority the task was ordered by (its own, else the rule's). */
  priority: number;
  urgent: boolean;
  /** The rule key in environment_routing, or null when routed by `task_type_unknown`. */
  rule: string | null;
  strategy: RoutingStrategy;
  reason: string;
}

export type QueuedCause =
  /** Every candidate is busy, excluded or of another provider. */
  | 'no_session_available'
  /** The task's not_before lies in the future. */
  | 'not_before'
  /** No rule for the type and no `task_type_unknown` fallback. */
  | 'type_unknown'
  /** The only free candidate is the session the task timed out on (PendingTask.avoid). */
  | 'avoid';

export interface QueuedDecision {
  kind: 'queued';
  taskId: number;
  cause: QueuedCause;
  /** When to look again; null = only on the next event (session idle, new task, reload). */
  retryAfterSeconds: number | null;
  priority: number;
  urgent: boolean;
  rule: string | null;
  reason: string;
}

export type RoutingDecision = AssignedDecision | QueuedDecision;

export interface RouteInput {
  tasks: readonly PendingTask[];
  sessions: readonly RoutableSession[];
  rules: RoutingFile;
  now: Date;
  /** Session name → tasks completed or assigned recently, for `least_loaded`. */
  load?: ReadonlyMap<string, number>;
  cursor?: RoundRobinCursor;
}

export interface RouteOutput {
  /** One per task, in the order the tasks were considered. */
  decisions: RoutingDecision[];
  cursor: RoundRobinCursor;
}
