import type { WorkflowStep } from '../config/schemas/workflows.js';
import { evaluateCondition } from './conditions.js';
import { checkInsert, idsWhere, insertRow, readable, readRow, updateRows, type DatabaseOutput } from '../store/workflow-writes.js';
import { resolveText, resolveValue, type Resolver } from './references.js';
import type { RunStore } from '../store/workflow-runs.js';
import { newOnceKey } from './shared-tasks.js';
import { StepFailure, type FunctionContext, type FunctionRegistry, type Row, type RunScope, type WorkflowDeps } from './types.js';

// One run's steps, each checkpointed in workflow_steps under its path
// (`create_task`, `create_environment/if_true`, `monitor_progress/3/0`). A completed
// row is replayed from its output, a running row is resumed with the same attempt
// (so the same idempotency key), database and notification writes commit together
// with their checkpoint.

/** How often a `wait` with `until` looks at its condition again. */
export const WAIT_POLL_MS = 1000;
const MS_PER_SECOND = 1000;

export interface StepPlace {
  path: string;
  seq: number;
  attempt: number;
}

export class RunExecution {
  readonly scope: RunScope;
  /** On a shared queue, the tasks this run wrote as last read (freshRows). */
  private readonly sharedRows = new Map<number, Row | null>();

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly runs: RunStore,
    private readonly functions: FunctionRegistry,
    readonly runId: number,
    input: Row,
    readonly signal: AbortSignal,
    trigger: Row = {},
  ) {
    this.scope = { runId, input, steps: {}, query: null, rows: {}, trigger };
  }

  resolver(): Resolver {
    const shared = this.deps.sharedTasks;
    return {
      scope: this.scope,
      config: this.deps.config(),
      readRow: (table, id) => (shared && table === 'tasks' ? (this.sharedRows.get(id) ?? null) : readRow(this.deps.store.reader, table, id)),
    };
  }

  /**
   * On a shared queue: the tasks this run wrote, read again from PostgreSQL, so a
   * reference (`${steps.create_task.status}`) sees them as they are now (the resolver is
   * synchronous; this runs before each step and each look at a condition).
   */
  async freshRows(): Promise<void> {
    const shared = this.deps.sharedTasks;
    if (!shared) return;
    for (const { table, id } of Object.values(this.scope.rows)) if (table === 'tasks') this.sharedRows.set(id, await shared.row(id));
  }

  private async holds(condition: string): Promise<boolean> {
    await this.freshRows();
    return evaluateCondition(condition, this.resolver());
  }

  /** Runs (or replays) one step; returns its output. Throws StepFailure. */
  async step(step: WorkflowStep, at: StepPlace): Promise<unknown> {
    const done = this.runs.step(this.runId, at.path, at.attempt);
    if (done && (done.status === 'completed' || done.status === 'skipped')) {
      this.remember(step, done.output);
      return done.output;
    }
    if (this.signal.aborted) throw this.signal.reason as Error;
    try {
      await this.freshRows();
      const output = await this.execute(step, at, done?.status === 'running' ? done.input : undefined);
      this.remember(step, output);
      return output;
    } catch (e) {
      const failure = e instanceof StepFailure ? e : new StepFailure(e instanceof Error ? e.message : String(e), 'step_failed', at.path);
      if (this.runs.step(this.runId, at.path, at.attempt)?.status === 'running') this.runs.fail(this.runId, at.path, at.attempt, failure.message);
      throw failure;
    }
  }

  /** Makes a finished step's output visible to later references. */
  private remember(step: WorkflowStep, output: unknown): void {
    if (step.type === 'query' && output && typeof output === 'object') this.scope.query = ((output as { first?: Row }).first ?? null) as Row | null;
    if (step.type === 'database' && output && typeof output === 'object' && (output as DatabaseOutput).action === 'insert') {
      const written = output as Extract<DatabaseOutput, { action: 'insert' }>;
      if (step.id) this.scope.rows[step.id] = { table: written.table, id: written.id };
    }
    if (step.id) this.scope.steps[step.id] = stepView(step, output);
  }

  private async execute(step: WorkflowStep, at: StepPlace, resumedInput: unknown): Promise<unknown> {
    const r = this.resolver();
    switch (step.type) {
      case 'database': {
        const data = resolveValue(step.data, r) as Row;
        const where = step.where ? (resolveValue(step.where, r) as Row) : undefined;
        if (step.table === 'tasks' && step.action === 'insert') {
          // The seed's task inserts set neither: the run's input supplies them (`--input title=…`).
          if (data.title === undefined) data.title = defaultTitle(this.scope, step.id);
          if (data.prompt === undefined && typeof this.scope.input.prompt === 'string') data.prompt = this.scope.input.prompt;
        }
        if (step.table === 'tasks' && this.deps.sharedTasks) return this.writeSharedTasks(step.action, data, where ?? {}, at, resumedInput);
        this.runs.begin(this.runId, at.path, at.seq, at.attempt, { data, where });
        // The write and its checkpoint commit together: after a crash it is either both or neither.
        return this.deps.store.transaction(() => {
          const db = this.deps.store.writer;
          // Tasks are written through the task core: its defaults, its transition checks, its history and events.
          const output =
            step.table === 'tasks'
              ? this.writeTasks(step.action, data, where ?? {})
              : step.action === 'insert'
                ? insertRow(db, step.table, data)
                : updateRows(db, step.table, data, where ?? {});
          if (output.action === 'insert' && output.table === 'tasks') this.runs.setTask(this.runId, output.id);
          this.runs.finish(this.runId, at.path, at.attempt, 'completed', output);
          return output;
        });
      }
      case 'query': {
        const params = resolveValue(step.params, r) as Row;
        this.runs.begin(this.runId, at.path, at.seq, at.attempt, { query: step.query, params });
        const rows = await this.deps.runQuery(step.query, params);
        const output = { count: rows.length, first: rows[0] ?? null, rows };
        this.runs.finish(this.runId, at.path, at.attempt, 'completed', output);
        return output;
      }
      case 'notification':
        return this.notification(step, at, r);
      case 'function':
        return this.callFunction(step, at, r);
      case 'conditional': {
        const recorded = (resumedInput as { value?: unknown } | undefined)?.value;
        const value = typeof recorded === 'boolean' ? recorded : evaluateCondition(step.condition, r);
        this.runs.begin(this.runId, at.path, at.seq, at.attempt, { condition: step.condition, value });
        const branch = value ? step.if_true : step.if_false;
        if (!branch) {
          this.runs.finish(this.runId, at.path, at.attempt, 'skipped', null);
          return null;
        }
        const output = await this.step(branch, { ...at, path: `${at.path}/${value ? 'if_true' : 'if_false'}` });
        this.runs.finish(this.runId, at.path, at.attempt, 'completed', output ?? null);
        return output;
      }
      case 'loop':
        return this.loop(step, at);
      case 'wait':
        return this.wait(step, at, resumedInput);
    }
  }

  /**
   * A database step on the shared queue's tasks (shared-tasks.ts): the once-key kept in
   * this step's checkpoint first (a resumed attempt reuses it), then the write with its
   * once-key in one PostgreSQL unit of work, then the checkpoint. A crash between the
   * last two resumes with the same key and gets the first write's output back.
   */
  private async writeSharedTasks(action: 'insert' | 'update', data: Row, where: Row, at: StepPlace, resumedInput: unknown): Promise<DatabaseOutput> {
    const shared = this.deps.sharedTasks!;
    const recorded = (resumedInput as { once_key?: unknown } | undefined)?.once_key;
    const onceKey = typeof recorded === 'string' ? recorded : newOnceKey();
    this.runs.begin(this.runId, at.path, at.seq, at.attempt, { data, where, once_key: onceKey });
    const output = await shared.write(onceKey, action, data, where, `set by workflow run ${this.runId}`);
    this.deps.store.transaction(() => {
      if (output.action === 'insert') this.runs.setTask(this.runId, output.id);
      this.runs.finish(this.runId, at.path, at.attempt, 'completed', output);
    });
    if (output.action === 'insert') this.sharedRows.set(output.id, output.row);
    return output;
  }

  /** A database step on `tasks`: through the task core, with the output a generic write would give. */
  private writeTasks(action: 'insert' | 'update', data: Row, where: Row): DatabaseOutput {
    const tasks = this.deps.tasks;
    if (action === 'insert') {
      checkInsert('tasks', data);
      const task = tasks.createFromWorkflow(data);
      return { action: 'insert', table: 'tasks', id: task.id, row: readable(this.deps.store.tasks.fields(task.id) ?? {}) };
    }
    const ids = idsWhere(this.deps.store.writer, 'tasks', data, where);
    const before = tasks.updateFromWorkflow(ids, data, `set by workflow run ${this.runId}`);
    return { action: 'update', table: 'tasks', changed: before.length, before };
  }

  private async notification(step: Extract<WorkflowStep, { type: 'notification' }>, at: StepPlace, r: Resolver): Promise<unknown> {
    const message = String(resolveText(step.message, r) ?? '');
    this.runs.begin(this.runId, at.path, at.seq, at.attempt, { channel: step.channel, message });
    const taskId = this.runs.run(this.runId)?.taskId ?? null;
    const output = this.deps.store.transaction(() => {
      const id = this.runs.addNotification({ taskId, level: 'info', message, channels: [step.channel], dedupeKey: `workflow:${this.runId}:${at.path}:${at.attempt}` });
      const out = { notification_id: id, channel: step.channel, message };
      this.runs.finish(this.runId, at.path, at.attempt, 'completed', out);
      return out;
    });
    // Delivered after the commit: a crash here loses a desktop pop-up, never the stored notification.
    await this.deps.notify({ channel: step.channel, message, taskId, runId: this.runId });
    return output;
  }

  private async callFunction(step: Extract<WorkflowStep, { type: 'function' }>, at: StepPlace, r: Resolver): Promise<unknown> {
    const handler = this.functions.get(step.function);
    if (!handler) throw new StepFailure(`unknown function "${step.function}" (registered: ${[...this.functions.keys()].join(', ')})`, 'step_failed', at.path);
    const input = resolveValue(step.input, r) as Row;
    this.runs.begin(this.runId, at.path, at.seq, at.attempt, input);
    const output = await this.withTimeout(at.path, step.timeout_seconds, (signal) => handler.run(input, this.functionContext(at, signal)));
    this.runs.finish(this.runId, at.path, at.attempt, 'completed', output);
    this.runs.setActiveStatus(this.runId, 'running');
    return output;
  }

  functionContext(at: StepPlace, signal: AbortSignal): FunctionContext {
    const journal = (): Record<string, unknown> => ((this.runs.step(this.runId, at.path, at.attempt)?.output as { effects?: Record<string, unknown> } | null)?.effects ?? {});
    return {
      deps: this.deps,
      runId: this.runId,
      idempotencyKey: `${this.runId}:${at.path}:${at.attempt}`,
      signal,
      scope: this.scope,
      once: async <T>(effect: string, fn: () => Promise<T>): Promise<T> => {
        const effects = journal();
        if (effect in effects) return effects[effect] as T;
        const result = await fn();
        this.runs.progress(this.runId, at.path, at.attempt, { effects: { ...journal(), [effect]: result ?? null } });
        return result;
      },
      waiting: () => this.runs.setActiveStatus(this.runId, 'waiting'),
    };
  }

  private async loop(step: Extract<WorkflowStep, { type: 'loop' }>, at: StepPlace): Promise<unknown> {
    this.runs.begin(this.runId, at.path, at.seq, at.attempt, { condition: step.condition, max_iterations: step.max_iterations });
    for (let i = 0; i < step.max_iterations; i++) {
      const firstPath = `${at.path}/${i}/0`;
      // An iteration that already has rows was started before a restart: its condition held.
      const started = this.runs.step(this.runId, firstPath, at.attempt) !== null;
      if (!started) {
        if (i > 0) await this.sleep(step.interval_seconds * MS_PER_SECOND);
        if (!(await this.holds(step.condition))) {
          const output = { iterations: i };
          this.runs.finish(this.runId, at.path, at.attempt, 'completed', output);
          return output;
        }
      }
      for (const [j, action] of step.actions.entries()) await this.step(action, { ...at, path: `${at.path}/${i}/${j}` });
      this.runs.progress(this.runId, at.path, at.attempt, { iterations: i + 1 });
    }
    throw new StepFailure(`loop ${at.path}: still "${step.condition}" after ${step.max_iterations} iterations (max_iterations)`, 'timeout', at.path);
  }

  private async wait(step: Extract<WorkflowStep, { type: 'wait' }>, at: StepPlace, resumedInput: unknown): Promise<unknown> {
    const now = this.deps.now().getTime();
    const seconds = step.seconds ?? step.timeout_seconds;
    // The deadline is stored, so a restart waits out the rest instead of starting over.
    const recorded = (resumedInput as { until_ms?: unknown } | undefined)?.until_ms;
    const untilMs = typeof recorded === 'number' ? recorded : seconds !== undefined ? now + seconds * MS_PER_SECOND : null;
    this.runs.begin(this.runId, at.path, at.seq, at.attempt, { until_ms: untilMs, until: step.until ?? null });
    this.runs.setActiveStatus(this.runId, 'waiting');
    if (step.until) {
      while (!(await this.holds(step.until))) {
        if (untilMs !== null && this.deps.now().getTime() >= untilMs) throw new StepFailure(`wait ${at.path}: "${step.until}" still false after ${seconds}s`, 'timeout', at.path);
        await this.sleep(untilMs === null ? WAIT_POLL_MS : Math.max(0, Math.min(WAIT_POLL_MS, untilMs - this.deps.now().getTime())));
      }
    } else if (untilMs !== null) {
      await this.sleep(Math.max(0, untilMs - now));
    }
    this.runs.setActiveStatus(this.runId, 'running');
    const output = { waited_ms: this.deps.now().getTime() - now };
    this.runs.finish(this.runId, at.path, at.attempt, 'completed', output);
    return output;
  }

  private async sleep(ms: number): Promise<void> {
    await this.deps.sleep(ms, this.signal);
    if (this.signal.aborted) throw this.signal.reason as Error;
  }

  /** Runs fn with an abort signal that fires on cancel or after the step's timeout. */
  private async withTimeout<T>(path: string, seconds: number | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.signal.reason);
    this.signal.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
      if (seconds !== undefined) {
        timer = setTimeout(() => controller.abort(new StepFailure(`step ${path} timed out after ${seconds}s (timeout_seconds)`, 'timeout', path)), seconds * MS_PER_SECOND);
      }
    });
    try {
      return await Promise.race([fn(controller.signal), stopped]);
    } finally {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** What `${steps.ID.…}` sees: a database write shows its row's columns (and id) directly. */
function stepView(step: WorkflowStep, output: unknown): unknown {
  if (step.type === 'database' && output && typeof output === 'object' && (output as DatabaseOutput).action === 'insert') {
    const written = output as Extract<DatabaseOutput, { action: 'insert' }>;
    return { ...written.row, id: written.id, table: written.table };
  }
  return output;
}

function defaultTitle(scope: RunScope, stepId: string | undefined): string {
  const title = scope.input.title;
  return typeof title === 'string' && title.trim() ? title : `workflow run ${scope.runId}${stepId ? ` (${stepId})` : ''}`;
}
