import type { Workflow, WorkflowStep } from '../config/schemas/workflows.js';
import { compensateWrite, type DatabaseOutput } from '../store/workflow-writes.js';
import type { RunStore, WorkflowStepRecord } from '../store/workflow-runs.js';
import type { FunctionContext, FunctionRegistry, Row, WorkflowDeps } from './types.js';

// `action: rollback` undoes the named steps: every completed write or function call
// inside them, latest first (reverse order of execution, whatever order the list
// gives), each by its step type's compensation. A step already rolled back is not
// undone twice, so a rollback interrupted by a crash can simply run again.

/** The step definition at a checkpoint path: `a`, `a/if_true`, `loop/3/1` (iteration 3, action 1). */
export function stepAt(definition: Workflow, path: string): WorkflowStep | null {
  const [top, ...rest] = path.split('/');
  let step: WorkflowStep | undefined = definition.steps.find((s) => s.id === top);
  for (let i = 0; step && i < rest.length; i++) {
    const seg = rest[i] as string;
    if (step.type === 'conditional' && (seg === 'if_true' || seg === 'if_false')) step = step[seg];
    else if (step.type === 'loop' && /^\d+$/.test(seg)) step = step.actions[Number(rest[++i])];
    else return null;
  }
  return step ?? null;
}

export interface RollbackResult {
  undone: string[];
  /** Compensations that failed: the run's error lists them so an operator can finish by hand. */
  problems: string[];
}

export async function rollbackSteps(
  deps: WorkflowDeps,
  runs: RunStore,
  functions: FunctionRegistry,
  runId: number,
  definition: Workflow,
  stepIds: readonly string[],
  contextFor: (record: WorkflowStepRecord) => FunctionContext,
): Promise<RollbackResult> {
  const records = stepIds.flatMap((id) => runs.completedUnder(runId, id)).sort((a, b) => b.id - a.id);
  const result: RollbackResult = { undone: [], problems: [] };
  for (const record of records) {
    const step = stepAt(definition, record.step);
    try {
      if (step?.type === 'database' && record.output && (record.output as DatabaseOutput).table === 'tasks' && deps.sharedTasks) {
        // On a shared queue: undone there (safe to run again), then marked here.
        await deps.sharedTasks.compensate(record.output as DatabaseOutput, `workflow run ${runId} rolled back (step ${record.step})`);
        runs.markRolledBack(runId, record.step, record.attempt);
        result.undone.push(record.step);
      } else if (step?.type === 'database' && record.output) {
        const output = record.output as DatabaseOutput;
        deps.store.transaction(() => {
          // Tasks go back through the task core: history rows and events, like any other change.
          if (output.table === 'tasks') deps.tasks.compensateWorkflow(output, `workflow run ${runId} rolled back (step ${record.step})`);
          else compensateWrite(deps.store.writer, output);
          runs.markRolledBack(runId, record.step, record.attempt);
        });
        result.undone.push(record.step);
      } else if (step?.type === 'function') {
        const handler = functions.get(step.function);
        if (handler?.compensate && record.output && typeof record.output === 'object') {
          await handler.compensate(record.output as Row, contextFor(record));
          result.undone.push(record.step);
        }
        runs.markRolledBack(runId, record.step, record.attempt);
      } else {
        // Conditionals, loops, queries, notifications: nothing of their own to undo.
        runs.markRolledBack(runId, record.step, record.attempt);
      }
    } catch (e) {
      const message = `${record.step}: ${e instanceof Error ? e.message : String(e)}`;
      result.problems.push(message);
      deps.logger.error('workflow compensation failed', { runId, step: record.step, error: message });
    }
  }
  return result;
}
