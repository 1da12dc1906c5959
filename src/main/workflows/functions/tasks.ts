import { isFinishedStatus } from '../../../shared/task-status.js';
import { StepFailure, type FunctionContext, type FunctionHandler, type Row } from '../types.js';

// Function steps about tasks and sessions: route, reassign, prompt, wait. Their
// effects outside the database go through WorkflowDeps (the router and dispatch);
// each is journalled with ctx.once so a resumed attempt does not repeat it.

/** How often wait_for_task looks at the task (a status change is a row update; cheap to read). */
export const TASK_POLL_MS = 1000;

interface TaskState {
  id: number;
  status: string;
  assigned_to: string | null;
  prompt: string;
  title: string;
}

export function taskIdOf(input: Row, fn: string): number {
  const id = Number(input.task_id);
  if (!Number.isInteger(id) || id <= 0) throw new StepFailure(`${fn}: input task_id must be a task id, got ${JSON.stringify(input.task_id ?? null)}`, 'step_failed', fn);
  return id;
}

/** The task as it is now: the console's own file, or the shared queue it is on. */
async function readTask(ctx: FunctionContext, id: number, fn: string): Promise<TaskState> {
  const task = ctx.deps.sharedTasks ? await ctx.deps.sharedTasks.get(id) : ctx.deps.store.tasks.get(id);
  if (!task) throw new StepFailure(`${fn}: task ${id} does not exist`, 'step_failed', fn);
  return { id: task.id, status: task.status, assigned_to: task.assignedTo, prompt: task.prompt, title: task.title };
}

const sessionOf = (input: Row): string | null => {
  const s = input.session ?? input.session_id ?? input.session_name;
  return typeof s === 'string' && s.trim() ? s : null;
};

export const routeTaskToSession: FunctionHandler = {
  async run(input, ctx) {
    const taskId = taskIdOf(input, 'route_task_to_session');
    const result = await ctx.once('route', () => ctx.deps.routeTask(taskId, { urgent: input.urgent === true }));
    if ('sessionName' in result) return { task_id: taskId, session_id: result.sessionName, status: 'assigned' };
    return { task_id: taskId, session_id: null, status: 'queued', reason: result.queued };
  },
  async compensate(output, ctx) {
    // Un-assign only what this step assigned and nobody has moved since.
    if (typeof output.session_id !== 'string') return;
    if (ctx.deps.sharedTasks) {
      await ctx.deps.sharedTasks.unassign(Number(output.task_id), output.session_id, `back to the queue: workflow rolled back (it had sent the task to ${output.session_id})`, ctx.deps.now());
      return;
    }
    ctx.deps.tasks.unassign(Number(output.task_id), output.session_id, `back to the queue: workflow rolled back (it had sent the task to ${output.session_id})`, ctx.deps.now());
  },
};

export const reassignTask: FunctionHandler = {
  async run(input, ctx) {
    const taskId = taskIdOf(input, 'reassign_task');
    const to = sessionOf({ session: input.to_session ?? input.session });
    const result = await ctx.once('reassign', () => ctx.deps.routeTask(taskId, to ? { toSession: to } : {}));
    if ('sessionName' in result) return { task_id: taskId, session_id: result.sessionName, status: 'assigned' };
    return { task_id: taskId, session_id: null, status: 'queued', reason: result.queued };
  },
};

export const sendPrompt: FunctionHandler = {
  async run(input, ctx) {
    const session = sessionOf(input);
    if (!session) throw new StepFailure('send_prompt: input session (the session name) is required', 'step_failed', 'send_prompt');
    let text = typeof input.text === 'string' ? input.text : typeof input.prompt === 'string' ? input.prompt : null;
    if (text === null && input.task_id !== undefined) {
      const task = await readTask(ctx, taskIdOf(input, 'send_prompt'), 'send_prompt');
      text = task.prompt || task.title;
    }
    if (!text) throw new StepFailure('send_prompt: give input text, or a task_id whose task has a prompt', 'step_failed', 'send_prompt');
    const prompt = text;
    await ctx.once('prompt', async () => {
      await ctx.deps.sendPrompt(session, prompt);
      return { sent: true };
    });
    return { session, sent: true, chars: prompt.length };
  },
};

export const waitForTask: FunctionHandler = {
  async run(input, ctx) {
    const taskId = taskIdOf(input, 'wait_for_task');
    const pollMs = typeof input.poll_seconds === 'number' && input.poll_seconds > 0 ? input.poll_seconds * 1000 : TASK_POLL_MS;
    ctx.waiting();
    for (;;) {
      const task = await readTask(ctx, taskId, 'wait_for_task');
      if (isFinishedStatus(task.status)) {
        if (task.status !== 'completed' && input.fail_on_failure !== false) {
          throw new StepFailure(`wait_for_task: task ${taskId} ended ${task.status}`, 'step_failed', 'wait_for_task');
        }
        return { task_id: taskId, status: task.status, session_id: task.assigned_to };
      }
      await ctx.deps.sleep(pollMs, ctx.signal);
      if (ctx.signal.aborted) throw ctx.signal.reason as Error;
    }
  },
};
