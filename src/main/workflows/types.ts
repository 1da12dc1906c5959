import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Workflow, WorkflowStep } from '../config/schemas/workflows.js';
import type { NotificationChannel } from '../config/schemas/sla.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { TaskService } from '../tasks/service.js';
import type { SharedWorkflowTasks } from './shared-tasks.js';
import { UserError } from '../user-error.js';

// What the workflow engine needs from the rest of Architect. Everything with an
// effect outside the database comes in through WorkflowDeps, so tests inject real
// SQLite plus small in-process routing and dispatch, and the core wires the real ones.

export type Row = Record<string, unknown>;

export type RouteTaskResult = { sessionName: string } | { queued: string };

export interface WorkflowNotification {
  channel: NotificationChannel;
  message: string;
  taskId: number | null;
  runId: number;
}

export interface WorkflowDeps {
  store: Store;
  /** The task core: every task a workflow creates, changes or rolls back goes through it. */
  tasks: TaskService;
  /**
   * On a shared PostgreSQL queue the tasks are there, not in `store`: a step's task
   * writes (each under its once-key), reads and rollbacks go through this instead.
   */
  sharedTasks?: SharedWorkflowTasks;
  /** The config in force; read when a run starts and whenever a `${config.…}` is resolved. */
  config: () => ConfigSnapshot;
  /** A named query from queries.yaml; the rows it returns. */
  runQuery(name: string, params: Record<string, unknown>): Promise<Row[]>;
  /** Route one task now: the session it went to, or why it stays queued. `toSession` forces one. */
  routeTask(taskId: number, options: { urgent?: boolean; toSession?: string }): Promise<RouteTaskResult>;
  /** Type a prompt into a session's pane and submit it. */
  sendPrompt(sessionName: string, text: string): Promise<void>;
  /** Deliver a notification already stored in `notifications` (desktop, log, dashboard push). */
  notify(notification: WorkflowNotification): void | Promise<void>;
  now(): Date;
  /** Resolves after ms, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  logger: Logger;
  /** Where test environments (git worktrees) are created. */
  worktreesDir: string;
}

/** Why a step failed: `timeout` is told apart so `on_error: timeout` can act on it. */
export type FailureKind = 'timeout' | 'step_failed' | 'cancelled';

export class StepFailure extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly step: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

export class WorkflowNotFoundError extends UserError {
  constructor(name: string, known: string[]) {
    super(`no workflow named "${name}" in workflows.yaml (known: ${known.join(', ') || 'none'})`);
    this.name = 'WorkflowNotFoundError';
  }
}

export class RunNotFoundError extends UserError {
  constructor(runId: number) {
    super(`workflow run ${runId} does not exist`);
    this.name = 'RunNotFoundError';
  }
}

/** What a step may read through `${…}`: earlier steps' outputs, the input, the last query row. */
export interface RunScope {
  runId: number;
  input: Row;
  steps: Record<string, unknown>;
  /** First row of the last `query` step, or null before any. */
  query: Row | null;
  /** Which `database` step wrote which row: `${steps.X.field}` reads that row as it is now. */
  rows: Record<string, { table: string; id: number }>;
  /**
   * What started the run, as `${trigger.…}`: `type` (api, event, manual); for api the
   * `endpoint`, `method`, request `body` and `query` (URL parameters); for event the
   * `event` and its `session`, `task`, `level`, `message`, `reason`.
   */
  trigger: Row;
}

/** What a function handler gets besides its input. */
export interface FunctionContext {
  deps: WorkflowDeps;
  runId: number;
  /** `${runId}:${stepPath}:${attempt}`: the same on a resumed attempt, so effects can be skipped. */
  idempotencyKey: string;
  signal: AbortSignal;
  scope: RunScope;
  /**
   * Runs an effect once per step attempt: its result is journalled, and a resumed
   * attempt gets the journalled result back instead of doing it again.
   */
  once<T>(effect: string, fn: () => Promise<T>): Promise<T>;
  /** Marks the run as waiting (on an agent or a timer) until the step ends. */
  waiting(): void;
}

export interface FunctionHandler {
  run(input: Row, ctx: FunctionContext): Promise<Row>;
  /** Undoes a completed step (its output given back), for `rollback`. */
  compensate?(output: Row, ctx: FunctionContext): Promise<void>;
}

export type FunctionRegistry = ReadonlyMap<string, FunctionHandler>;

/** A run's definition is stored with it, so a resume runs what was started, not an edited file. */
export interface RunContext {
  config_version: string;
  definition: Workflow;
  /** `${trigger.…}` (stored so a resumed run sees what started it). */
  trigger?: Row;
}

export type { Workflow, WorkflowStep };
