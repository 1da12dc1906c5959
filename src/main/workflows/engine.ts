import type { ConfigSnapshot } from '../config/snapshot.js';
import type { ErrorHandler, Workflow, WorkflowStep } from '../config/schemas/workflows.js';
import { functionRegistry } from './functions/registry.js';
import { asText, resolveText } from './references.js';
import { rollbackSteps } from './rollback.js';
import { RunStore, type WorkflowRun, type WorkflowStepRecord } from '../store/workflow-runs.js';
import { RunExecution } from './steps.js';
import { RunNotFoundError, StepFailure, WorkflowNotFoundError, type FunctionHandler, type FunctionRegistry, type Row, type RunContext, type WorkflowDeps } from './types.js';

// Starts workflow runs, drives them step by step, applies error_handling, and on
// start() picks up every run a crash or restart left unfinished. A run is driven by
// one process at a time: it is claimed by pid in its context, and a claim by a
// process that is gone is taken over.

/** How often start() looks for unfinished runs nobody drives (e.g. started by the CLI). */
export const RESUME_SCAN_MS = 2000;

/** Aborts a run without failing it: stop() leaves it resumable. */
class Shutdown extends Error {
  constructor() {
    super('the workflow engine stopped; the run resumes on the next start');
  }
}

export interface WorkflowSummary {
  name: string;
  description: string;
  trigger: string;
  steps: string[];
}

export interface RunDetails {
  run: WorkflowRun;
  steps: WorkflowStepRecord[];
}

export interface WorkflowEngineOptions {
  deps: WorkflowDeps;
  /** Extra or replacement function handlers (by name). */
  functions?: Readonly<Record<string, FunctionHandler>>;
  /** Drive no run before start() (a console whose shared queue is not up yet); start() resumes those started meanwhile. */
  waitForStart?: boolean;
}

export class WorkflowEngine {
  private readonly runs: RunStore;
  private readonly functions: FunctionRegistry;
  private readonly active = new Map<number, { controller: AbortController; done: Promise<void> }>();
  private readonly listeners = new Set<(run: WorkflowRun) => void>();
  private scanTimer: NodeJS.Timeout | null = null;
  /** With waitForStart, runs started before start() (an event while the console starts) wait for it: start() resumes them. */
  private started: boolean;

  constructor(private readonly options: WorkflowEngineOptions) {
    this.started = !options.waitForStart;
    this.runs = new RunStore(options.deps.store.writer);
    this.functions = functionRegistry(options.functions);
  }

  /** Resumes unfinished runs now and keeps looking for new ones; returns stop(). */
  start(): () => Promise<void> {
    this.started = true;
    this.resumeUnfinished();
    this.scanTimer = setInterval(() => this.resumeUnfinished(), RESUME_SCAN_MS);
    this.scanTimer.unref();
    return () => this.stop();
  }

  /** Stops driving runs; they stay running/waiting in the database and resume on the next start. */
  async stop(): Promise<void> {
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = null;
    const pending = [...this.active.values()];
    for (const a of pending) a.controller.abort(new Shutdown());
    await Promise.all(pending.map((a) => a.done));
  }

  /** Called on every run status change (for the UI's runs list). */
  onRunChanged(listener: (run: WorkflowRun) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): WorkflowSummary[] {
    return Object.entries(this.options.deps.config().workflows.workflows).map(([name, wf]) => ({
      name,
      description: wf.description,
      trigger: wf.trigger.type,
      steps: wf.steps.map((s) => s.id ?? s.type),
    }));
  }

  /** Records a run and starts it (unless `drive` is false: a running console picks it up). */
  run(name: string, input: Row = {}, trigger = 'api', opts: { drive?: boolean; trigger?: Row } = {}): number {
    const drive = opts.drive !== false;
    const runId = recordRun(this.runs, this.options.deps.config(), name, input, trigger, drive ? process.pid : null, opts.trigger);
    this.options.deps.logger.info('workflow run started', { runId, workflow: name, trigger });
    this.changed(runId);
    if (drive && this.started) this.drive(runId);
    return runId;
  }

  /** Resolves when the run ends here (or at once if it is not being driven by this engine). */
  async finished(runId: number): Promise<WorkflowRun> {
    await this.active.get(runId)?.done;
    const run = this.runs.run(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  cancel(runId: number): WorkflowRun {
    const run = this.runs.run(runId);
    if (!run) throw new RunNotFoundError(runId);
    if (run.status !== 'running' && run.status !== 'waiting') return run;
    this.runs.setStatus(runId, 'cancelled', 'cancelled by operator');
    this.active.get(runId)?.controller.abort(new StepFailure('cancelled by operator', 'cancelled', run.currentStep ?? ''));
    this.changed(runId);
    return this.runs.run(runId) as WorkflowRun;
  }

  runsList(limit = 50): WorkflowRun[] {
    return this.runs.runs(limit);
  }

  show(runId: number): RunDetails {
    const run = this.runs.run(runId);
    if (!run) throw new RunNotFoundError(runId);
    return { run, steps: this.runs.steps(runId) };
  }

  private resumeUnfinished(): void {
    // A run cancelled from another process (the CLI) is stopped here too.
    for (const [runId, a] of this.active) {
      if (this.runs.run(runId)?.status === 'cancelled') a.controller.abort(new StepFailure('cancelled by operator', 'cancelled', ''));
    }
    for (const runId of this.runs.unfinishedRunIds()) {
      if (this.active.has(runId) || !this.claim(runId)) continue;
      this.options.deps.logger.info('workflow run resumed', { runId });
      this.drive(runId);
    }
  }

  /** Takes a run nobody alive drives; false when another live process has it. */
  private claim(runId: number): boolean {
    const owner = this.runs.owner(runId);
    if (owner !== null && owner !== process.pid && processAlive(owner)) return false;
    return this.runs.takeOwnership(runId, process.pid, owner);
  }

  private drive(runId: number): void {
    const controller = new AbortController();
    const done = this.execute(runId, controller.signal)
      .catch((e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        this.options.deps.logger.error('workflow run failed in the engine', { runId, error: message });
        this.runs.setStatus(runId, 'failed', `engine error: ${message}`);
      })
      .finally(() => {
        this.active.delete(runId);
        this.changed(runId);
      });
    this.active.set(runId, { controller, done });
  }

  private async execute(runId: number, signal: AbortSignal): Promise<void> {
    const context = this.runs.context(runId);
    const run = this.runs.run(runId);
    if (!context || !run) throw new Error(`workflow run ${runId} has no stored definition`);
    const { deps } = this.options;
    if (context.config_version !== deps.config().version) {
      deps.logger.info('workflow run continues with the definition it started with', { runId, startedWith: context.config_version, now: deps.config().version });
    }
    const definition = context.definition;
    const exec = new RunExecution(deps, this.runs, this.functions, runId, run.input, signal, context.trigger ?? { type: run.trigger });
    const nextAttempt = new Map<string, number>();
    const reassigned = new Set<string>();
    for (let i = 0; i < definition.steps.length; ) {
      const step = definition.steps[i] as WorkflowStep;
      const id = step.id ?? String(i);
      const attempt = nextAttempt.get(id) ?? Math.max(1, this.runs.lastAttempt(runId, id));
      if (this.runs.run(runId)?.status === 'cancelled') return;
      this.runs.setCurrentStep(runId, id);
      try {
        const earlier = this.runs.step(runId, id, attempt);
        // A crash between a failure and its handling: handle it now.
        if (earlier?.status === 'failed') throw new StepFailure(earlier.error ?? 'failed', 'step_failed', id);
        await exec.step(step, { path: id, seq: i, attempt });
        i++;
      } catch (e) {
        if (signal.reason instanceof Shutdown) return;
        const failure = e instanceof StepFailure ? e : new StepFailure(e instanceof Error ? e.message : String(e), 'step_failed', id);
        if (failure.kind === 'cancelled' || this.runs.run(runId)?.status === 'cancelled') {
          this.runs.setStatus(runId, 'cancelled', `cancelled during step ${id}`);
          return;
        }
        const outcome = await this.handleFailure(exec, definition, step, id, attempt, failure, reassigned);
        if (outcome !== 'retry') return;
        nextAttempt.set(id, attempt + 1);
      }
    }
    this.runs.setCurrentStep(runId, null);
    this.runs.setStatus(runId, 'completed');
    deps.logger.info('workflow run completed', { runId, workflow: run.workflow });
  }

  /** Applies error_handling; 'retry' runs the step again as its next attempt. */
  private async handleFailure(exec: RunExecution, definition: Workflow, step: WorkflowStep, id: string, attempt: number, failure: StepFailure, reassigned: Set<string>): Promise<'retry' | 'ended'> {
    const { deps } = this.options;
    const runId = exec.runId;
    const handlers = handlersFor(definition.error_handling, failure.kind);
    let retry = false;
    let rolledBack = false;
    const problems: string[] = [];
    for (const handler of handlers) {
      if (handler.action === 'retry' && attempt < handler.max_attempts) retry = true;
      if (handler.action === 'reassign_task' && !reassigned.has(id)) {
        reassigned.add(id);
        const taskId = this.runs.run(runId)?.taskId ?? exec.scope.input.task_id;
        const reassign = this.functions.get('reassign_task');
        if (taskId === undefined || taskId === null || !reassign) problems.push('reassign_task: this run has no task to reassign');
        else {
          const ctx = exec.functionContext({ path: `${id}/reassign`, seq: 0, attempt }, new AbortController().signal);
          const out = await reassign.run({ task_id: taskId, to_session: handler.to_session }, ctx).catch((e: unknown) => {
            problems.push(`reassign_task: ${e instanceof Error ? e.message : String(e)}`);
            return null;
          });
          if (out) {
            deps.logger.warn('workflow step timed out; task reassigned', { runId, step: id, taskId, to: out.session_id });
            retry = true;
          }
        }
      }
      if (handler.action === 'notify') await this.notifyFailure(runId, handler.channel, `${asText(resolveTextSafely(handler.message, exec))} (${describe(id, step)}: ${failure.message})`);
      if (handler.action === 'rollback') {
        const ctxFor = (r: WorkflowStepRecord) => exec.functionContext({ path: r.step, seq: r.seq, attempt: r.attempt }, new AbortController().signal);
        const result = await rollbackSteps(deps, this.runs, this.functions, runId, definition, handler.steps, ctxFor);
        problems.push(...result.problems.map((p) => `rollback ${p}`));
        rolledBack = true;
      }
    }
    if (retry && !rolledBack) return 'retry';
    const error = `step ${describe(id, step)} failed${failure.kind === 'timeout' ? ' (timeout)' : ''}: ${failure.message}${problems.length ? `; ${problems.join('; ')}` : ''}`;
    this.runs.setStatus(runId, rolledBack ? 'rolled_back' : 'failed', error);
    deps.logger.warn('workflow run failed', { runId, step: id, error });
    return 'ended';
  }

  private async notifyFailure(runId: number, channel: 'dashboard' | 'desktop' | 'log', message: string): Promise<void> {
    const taskId = this.runs.run(runId)?.taskId ?? null;
    this.runs.addNotification({ taskId, level: 'error', message, channels: [channel] });
    await this.options.deps.notify({ channel, message, taskId, runId });
  }

  private changed(runId: number): void {
    const run = this.runs.run(runId);
    if (run) for (const l of this.listeners) l(run);
  }
}

/**
 * Stores a new run with the definition and config version it starts with. With no
 * owner, the next engine scan (the console's) claims and drives it: the CLI uses this.
 */
export function recordRun(runs: RunStore, config: ConfigSnapshot, name: string, input: Row, trigger: string, owner: number | null, triggerData?: Row): number {
  const definition = config.workflows.workflows[name];
  if (!definition) throw new WorkflowNotFoundError(name, Object.keys(config.workflows.workflows));
  const context: RunContext & { owner: number | null } = { config_version: config.version, definition, owner, trigger: triggerData ?? { type: trigger } };
  return runs.createRun(name, input, trigger, context);
}

/** The handlers for this kind of failure: those naming it, else the `any` ones. */
export function handlersFor(handlers: readonly ErrorHandler[], kind: StepFailure['kind']): ErrorHandler[] {
  const specific = handlers.filter((h) => h.on_error === kind);
  return specific.length > 0 ? specific : handlers.filter((h) => h.on_error === 'any');
}

/** A failure message must never fail itself: an unresolvable reference is left as written. */
function resolveTextSafely(text: string, exec: RunExecution): unknown {
  try {
    return resolveText(text, exec.resolver());
  } catch {
    return text;
  }
}

function describe(id: string, step: WorkflowStep): string {
  return `${id} (${step.type === 'function' ? `function ${step.function}` : step.type === 'query' ? `query ${step.query}` : step.type})`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else: alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
