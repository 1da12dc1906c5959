import { z } from 'zod';

// config/base/workflows.yaml — multi-step workflows (seed 000 part 2.1 E). Values may
// hold `${steps.ID.field}`, `${config.FILE.path}`, `${input.x}`, `${query.col}`
// references; they are checked against the rest of the config when it loads.

const StepId = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a step id is lower_snake_case');
const Values = z.record(z.string(), z.unknown());

export const NotificationChannel = z.enum(['dashboard', 'desktop', 'log']);

export type WorkflowStep =
  | { id?: string; type: 'database'; action: 'insert' | 'update'; table: string; data: Record<string, unknown>; where?: Record<string, unknown> }
  | { id?: string; type: 'query'; query: string; params: Record<string, unknown> }
  | { id?: string; type: 'function'; function: string; input: Record<string, unknown>; timeout_seconds?: number }
  | { id?: string; type: 'conditional'; condition: string; if_true: WorkflowStep; if_false?: WorkflowStep }
  | { id?: string; type: 'loop'; condition: string; interval_seconds: number; max_iterations: number; actions: WorkflowStep[] }
  | { id?: string; type: 'notification'; channel: z.infer<typeof NotificationChannel>; message: string }
  | { id?: string; type: 'wait'; seconds?: number; until?: string; timeout_seconds?: number };

/** Longest loop interval: a day, beyond which a schedule is the better tool. */
const MAX_INTERVAL_SECONDS = 86_400;
/** A loop is bounded so a wrong condition cannot spin forever. */
const MAX_LOOP_ITERATIONS = 10_000;

export const WorkflowStep: z.ZodType<WorkflowStep> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ id: StepId.optional(), type: z.literal('database'), action: z.enum(['insert', 'update']), table: z.string(), data: Values.default({}), where: Values.optional() }).strict(),
    z.object({ id: StepId.optional(), type: z.literal('query'), query: z.string(), params: Values.default({}) }).strict(),
    z.object({ id: StepId.optional(), type: z.literal('function'), function: z.string(), input: Values.default({}), timeout_seconds: z.number().positive().optional() }).strict(),
    z.object({ id: StepId.optional(), type: z.literal('conditional'), condition: z.string().min(1), if_true: WorkflowStep, if_false: WorkflowStep.optional() }).strict(),
    z
      .object({
        id: StepId.optional(),
        type: z.literal('loop'),
        condition: z.string().min(1),
        interval_seconds: z.number().positive().max(MAX_INTERVAL_SECONDS),
        max_iterations: z.number().int().min(1).max(MAX_LOOP_ITERATIONS),
        actions: z.array(WorkflowStep).min(1),
      })
      .strict(),
    z.object({ id: StepId.optional(), type: z.literal('notification'), channel: NotificationChannel, message: z.string().min(1) }).strict(),
    z.object({ id: StepId.optional(), type: z.literal('wait'), seconds: z.number().positive().optional(), until: z.string().optional(), timeout_seconds: z.number().positive().optional() }).strict(),
  ]),
);

export const ErrorHandler = z.discriminatedUnion('action', [
  z.object({ on_error: z.enum(['any', 'timeout', 'step_failed']), action: z.literal('rollback'), steps: z.array(z.string()).min(1) }).strict(),
  z.object({ on_error: z.enum(['any', 'timeout', 'step_failed']), action: z.literal('reassign_task'), to_session: z.string().optional() }).strict(),
  z.object({ on_error: z.enum(['any', 'timeout', 'step_failed']), action: z.literal('retry'), max_attempts: z.number().int().min(1).max(10) }).strict(),
  z.object({ on_error: z.enum(['any', 'timeout', 'step_failed']), action: z.literal('notify'), channel: NotificationChannel, message: z.string() }).strict(),
]);
export type ErrorHandler = z.infer<typeof ErrorHandler>;

export const WorkflowTrigger = z
  .object({
    type: z.enum(['api', 'manual', 'event']),
    endpoint: z.string().regex(/^\/[A-Za-z0-9_/-]*$/, 'an endpoint is a path like "/api/features"').optional(),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional(),
    /** For `event`: the contract event that starts the workflow. */
    event: z.string().optional(),
  })
  .strict();

export const Workflow = z
  .object({
    description: z.string().default(''),
    trigger: WorkflowTrigger.default({ type: 'manual' }),
    // Top-level steps need an id: later steps and error_handling refer to them.
    steps: z
      .array(
        WorkflowStep.superRefine((step, ctx) => {
          if (step.id === undefined) ctx.addIssue({ code: 'custom', path: ['id'], message: 'a top-level step needs an id: later steps and error_handling refer to it' });
        }),
      )
      .min(1),
    error_handling: z.array(ErrorHandler).default([]),
  })
  .strict();
export type Workflow = z.infer<typeof Workflow>;

export const WorkflowsFile = z
  .object({
    version: z.string(),
    workflows: z.record(StepId, Workflow),
  })
  .strict();
export type WorkflowsFile = z.infer<typeof WorkflowsFile>;
