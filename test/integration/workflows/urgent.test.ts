import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/shared/api.js';
import { LIMIT_MS, promptsIn, startWorkflowConsole, type WorkflowConsole } from '../../support/workflow-console.js';

// route_task_to_session's `urgent: true` on a busy queue, through the real console:
// four infrastructure tasks of priority 8 wait (no session is free), then a workflow
// adds one of priority 0 and routes it urgent. It is queued too — but ahead of the
// queue: the first idle session the rules allow (dev_worker1, a scripted agent) gets
// it before the four, which then follow in their own order. Without `urgent` it would
// have come last (lowest priority, newest).

let c: WorkflowConsole;

beforeAll(async () => {
  c = await startWorkflowConsole();
  await c.addWorkflows(
    [
      '  urgent_infra:',
      '    trigger: { type: "manual" }',
      '    steps:',
      '      - id: "create_task"',
      '        type: "database"',
      '        action: "insert"',
      '        table: "tasks"',
      '        data: { type: "infrastructure", title: "${input.title}", prompt: "${input.title}", priority: 0 }',
      '      - id: "route"',
      '        type: "function"',
      '        function: "route_task_to_session"',
      '        input: { task_id: "${steps.create_task.id}", urgent: true }',
      '',
    ].join('\n'),
  );
}, LIMIT_MS * 2);

afterAll(async () => {
  await c?.stop();
});

const task = (id: number): Task => (c.core.handlers['tasks.get']({ id }) as unknown as { task: Task }).task;

describe('route_task_to_session urgent', () => {
  it('puts the task ahead of a busy queue: the next idle session gets it first', { timeout: LIMIT_MS * 3 }, async () => {
    const queued = [1, 2, 3, 4].map((i) => c.core.handlers['tasks.create']({ type: 'infrastructure', title: `queued ${i}`, prompt: `queued ${i}`, priority: 8 }) as unknown as Task);
    const { runId } = c.core.handlers['workflows.start']({ name: 'urgent_infra', input: { title: 'urgent rotate keys' } }) as unknown as { runId: number };
    const done = await c.until('the run to end', () => {
      const r = c.run(runId);
      return r.run.status !== 'running' && r.run.status !== 'waiting' && r;
    });
    expect(done.run).toMatchObject({ status: 'completed', error: null });
    const created = done.steps.find((s) => s.step === 'create_task')?.output as { id: number };
    // No session at all: queued, like the others.
    expect(done.steps.find((s) => s.step === 'route')?.output).toMatchObject({ session_id: null, status: 'queued' });
    expect([created.id, ...queued.map((t) => t.id)].map((id) => task(id).status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    const { decisions } = c.core.handlers['tasks.get']({ id: created.id }) as unknown as { decisions: { reason: string }[] };
    expect(decisions.map((d) => d.reason)).toContain('routed ahead of the queue (urgent, by a workflow)');

    const log = await c.startAgent('dev_worker1', ['--work-ms', '200']);
    await c.until('every task completed', () => [created.id, ...queued.map((t) => t.id)].every((id) => task(id).status === 'completed'), LIMIT_MS * 2);
    expect(promptsIn(log).map((p) => p.split('\n')[0])).toEqual(['urgent rotate keys', 'queued 1', 'queued 2', 'queued 3', 'queued 4']);
  });
});
