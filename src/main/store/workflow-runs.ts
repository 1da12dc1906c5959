import type Database from 'better-sqlite3';
import { SQL_NOW } from './time.js';
import type { Row, RunContext } from '../workflows/types.js';

// workflow_runs and workflow_steps: every run and every step attempt, with input,
// output, status and timings. A step's row is its checkpoint: `completed` means
// never run again, `running` means resume it (same attempt, same idempotency key).

export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'rolled_back';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'rolled_back';

export interface WorkflowRun {
  id: number;
  workflow: string;
  status: RunStatus;
  trigger: string;
  input: Row;
  configVersion: string | null;
  currentStep: string | null;
  taskId: number | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface WorkflowStepRecord {
  /** Row id: increasing in the order steps started. */
  id: number;
  step: string;
  seq: number;
  attempt: number;
  status: StepStatus;
  input: unknown;
  output: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunRow {
  id: number;
  workflow: string;
  status: RunStatus;
  trigger: string;
  params: string | null;
  context: string | null;
  current_step: string | null;
  task_id: number | null;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  error: string | null;
}

interface StepRow {
  id: number;
  step: string;
  seq: number;
  attempt: number;
  status: StepStatus;
  input: string | null;
  output: string | null;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
}

const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));
const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'rolled_back'];

export class RunStore {
  /** Prepared once per SQL text: a step makes several of these calls. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  createRun(workflow: string, input: Row, trigger: string, context: RunContext): number {
    const row = this
      .sql('INSERT INTO workflow_runs(workflow, trigger, params, context) VALUES (?, ?, ?, ?) RETURNING id')
      .get(workflow, trigger, json(input), json(context)) as { id: number };
    return row.id;
  }

  /** The pid of the process driving the run (context.owner), or null. */
  owner(runId: number): number | null {
    return (this.sql("SELECT json_extract(context, '$.owner') FROM workflow_runs WHERE id = ?").pluck().get(runId) as number | null | undefined) ?? null;
  }

  /** Makes `pid` the run's owner if `previous` still is (compare-and-set); false when another process got there first. */
  takeOwnership(runId: number, pid: number, previous: number | null): boolean {
    return (
      this.sql("UPDATE workflow_runs SET context = json_set(coalesce(context, '{}'), '$.owner', ?) WHERE id = ? AND json_extract(context, '$.owner') IS ?").run(pid, runId, previous)
        .changes === 1
    );
  }

  /**
   * A workflow's notification (a notification step, a failure), kept in `notifications`;
   * with a dedupe key, stored once (a resumed step does not repeat it): its id, or null when it was already there.
   */
  addNotification(n: { taskId: number | null; level: 'info' | 'error'; message: string; channels: string[]; dedupeKey?: string }): number | null {
    const row = this.sql(
      "INSERT INTO notifications(task_id, kind, level, message, channels, dedupe_key) VALUES (?, 'workflow', ?, ?, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING RETURNING id",
    ).get(n.taskId, n.level, n.message, JSON.stringify(n.channels), n.dedupeKey ?? null) as { id: number } | undefined;
    return row?.id ?? null;
  }

  run(id: number): WorkflowRun | null {
    const row = this.sql('SELECT * FROM workflow_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row ? runFromRow(row) : null;
  }

  context(id: number): RunContext | null {
    const row = this.sql('SELECT context FROM workflow_runs WHERE id = ?').get(id) as { context: string | null } | undefined;
    return row?.context ? (parse(row.context) as RunContext) : null;
  }

  runs(limit: number): WorkflowRun[] {
    return (this.sql('SELECT * FROM workflow_runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[]).map(runFromRow);
  }

  unfinishedRunIds(): number[] {
    return this.sql("SELECT id FROM workflow_runs WHERE status IN ('running','waiting') ORDER BY id").pluck().all() as number[];
  }

  setStatus(id: number, status: RunStatus, error: string | null = null): void {
    const finished = FINISHED_RUN_STATUSES.includes(status);
    this
      .sql(`UPDATE workflow_runs SET status = ?, error = coalesce(?, error), updated_at = ${SQL_NOW}, finished_at = CASE WHEN ? THEN ${SQL_NOW} ELSE finished_at END WHERE id = ?`)
      .run(status, error, finished ? 1 : 0, id);
  }

  /** Moves a running run to waiting or back; a cancelled run stays cancelled. */
  setActiveStatus(id: number, status: 'running' | 'waiting'): void {
    this.sql(`UPDATE workflow_runs SET status = ?, updated_at = ${SQL_NOW} WHERE id = ? AND status IN ('running','waiting')`).run(status, id);
  }

  setCurrentStep(id: number, step: string | null): void {
    this.sql(`UPDATE workflow_runs SET current_step = ?, updated_at = ${SQL_NOW} WHERE id = ?`).run(step, id);
  }

  setTask(id: number, taskId: number): void {
    this.sql('UPDATE workflow_runs SET task_id = coalesce(task_id, ?) WHERE id = ?').run(taskId, id);
  }

  steps(runId: number): WorkflowStepRecord[] {
    return (this.sql('SELECT * FROM workflow_steps WHERE run_id = ? ORDER BY id').all(runId) as StepRow[]).map(stepFromRow);
  }

  step(runId: number, step: string, attempt: number): WorkflowStepRecord | null {
    const row = this.sql('SELECT * FROM workflow_steps WHERE run_id = ? AND step = ? AND attempt = ?').get(runId, step, attempt) as StepRow | undefined;
    return row ? stepFromRow(row) : null;
  }

  /** The latest attempt of a step (0 when it never ran). */
  lastAttempt(runId: number, step: string): number {
    return (this.sql('SELECT coalesce(max(attempt), 0) FROM workflow_steps WHERE run_id = ? AND step = ?').pluck().get(runId, step) as number) ?? 0;
  }

  /** Starts an attempt, or (on resume) leaves the running row as it is. */
  begin(runId: number, step: string, seq: number, attempt: number, input: unknown): void {
    this
      .sql(
        `INSERT INTO workflow_steps(run_id, step, seq, attempt, status, input, started_at) VALUES (?, ?, ?, ?, 'running', ?, ${SQL_NOW})
         ON CONFLICT(run_id, step, attempt) DO UPDATE SET input = excluded.input WHERE status = 'running'`,
      )
      .run(runId, step, seq, attempt, json(input));
  }

  /** Records what an unfinished step has done so far (journalled effects, loop progress). */
  progress(runId: number, step: string, attempt: number, output: unknown): void {
    this.sql("UPDATE workflow_steps SET output = ? WHERE run_id = ? AND step = ? AND attempt = ? AND status = 'running'").run(json(output), runId, step, attempt);
  }

  finish(runId: number, step: string, attempt: number, status: 'completed' | 'skipped', output: unknown): void {
    this
      .sql(`UPDATE workflow_steps SET status = ?, output = ?, finished_at = ${SQL_NOW} WHERE run_id = ? AND step = ? AND attempt = ?`)
      .run(status, json(output), runId, step, attempt);
  }

  fail(runId: number, step: string, attempt: number, error: string): void {
    this
      .sql(`UPDATE workflow_steps SET status = 'failed', error = ?, finished_at = ${SQL_NOW} WHERE run_id = ? AND step = ? AND attempt = ?`)
      .run(error, runId, step, attempt);
  }

  markRolledBack(runId: number, step: string, attempt: number): void {
    this.sql("UPDATE workflow_steps SET status = 'rolled_back' WHERE run_id = ? AND step = ? AND attempt = ?").run(runId, step, attempt);
  }

  /** Completed rows of a top-level step and everything nested in it, latest first. */
  completedUnder(runId: number, step: string): WorkflowStepRecord[] {
    return (
      this
        .sql("SELECT * FROM workflow_steps WHERE run_id = ? AND (step = ? OR substr(step, 1, length(?) + 1) = ? || '/') AND status = 'completed' ORDER BY id DESC")
        .all(runId, step, step, step) as StepRow[]
    ).map(stepFromRow);
  }
}

function runFromRow(row: RunRow): WorkflowRun {
  const context = parse(row.context) as Partial<RunContext> | null;
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status,
    trigger: row.trigger,
    input: (parse(row.params) as Row | null) ?? {},
    configVersion: context?.config_version ?? null,
    currentStep: row.current_step,
    taskId: row.task_id,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    error: row.error,
  };
}

function stepFromRow(row: StepRow): WorkflowStepRecord {
  return {
    id: row.id,
    step: row.step,
    seq: row.seq,
    attempt: row.attempt,
    status: row.status,
    input: parse(row.input),
    output: parse(row.output),
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
