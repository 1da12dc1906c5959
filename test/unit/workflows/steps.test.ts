import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionHandler } from '../../../src/main/workflows/types.js';
import { count, harness, type Harness } from './harness.js';

// Each step type against a real SQLite file.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function runToEnd(hh: Harness, name: string, input = {}, functions?: Record<string, FunctionHandler>) {
  const engine = hh.engine(functions);
  const id = engine.run(name, input, 'cli');
  return { engine, run: await engine.finished(id), details: engine.show(id) };
}

const createTask = { id: 'create_task', type: 'database', action: 'insert', table: 'tasks', data: { type: 'bug_fix', title: '${input.title}', priority: 9, metadata: { from: 'workflow' } } };

describe('database steps', () => {
  it('inserts a task with bound values, records the run task and the step result', async () => {
    h = harness({ w: { steps: [createTask, { id: 'touch', type: 'database', action: 'update', table: 'tasks', data: { priority: 3 }, where: { id: '${steps.create_task.id}' } }] } });
    const { run, details } = await runToEnd(h, 'w', { title: "Robert'); DROP TABLE tasks;--" });
    expect(run.status).toBe('completed');
    const task = h.store.tasks.get(run.taskId as number);
    expect(task?.title).toBe("Robert'); DROP TABLE tasks;--");
    expect(task?.priority).toBe(3);
    expect(details.steps.map((s) => [s.step, s.status])).toEqual([
      ['create_task', 'completed'],
      ['touch', 'completed'],
    ]);
    expect(details.steps[1]?.output).toMatchObject({ action: 'update', changed: 1, before: [{ id: run.taskId, priority: 9 }] });
    expect(run.configVersion).toBe('test-1');
  });

  it('refuses a table outside the allowed list and a column the table does not have', async () => {
    h = harness({
      a: { steps: [{ id: 'x', type: 'database', action: 'insert', table: 'sessions', data: { name: 'x' } }] },
      b: { steps: [{ id: 'x', type: 'database', action: 'insert', table: 'tasks', data: { title: 't', type: 't', 'evil" = 1; --': 1 } }] },
      c: { steps: [{ id: 'x', type: 'database', action: 'update', table: 'tasks', data: { priority: 1 }, where: {} }] },
    });
    expect((await runToEnd(h, 'a')).run.error).toMatch(/step x \(database\) failed: a database step may write tasks, not "sessions"/);
    expect((await runToEnd(h, 'b')).run.error).toMatch(/table tasks has no writable column "evil" = 1; --"/);
    expect((await runToEnd(h, 'c')).run.error).toMatch(/an update of tasks needs a where/);
    expect(count(h.store, 'SELECT count(*) FROM tasks')).toBe(0);
  });
});

describe('query, notification, wait and function steps', () => {
  it('a query step feeds ${query.…} and ${steps.ID.first…}; a notification is stored and delivered', async () => {
    h = harness({
      w: {
        steps: [
          createTask,
          { id: 'look', type: 'query', query: 'tasks_by_id', params: { id: '${steps.create_task.id}' } },
          { id: 'tell', type: 'notification', channel: 'dashboard', message: 'Task ${query.id} is ${steps.look.first.status}' },
          { id: 'pause', type: 'wait', seconds: 0.01 },
        ],
      },
    });
    const { run, details } = await runToEnd(h, 'w', { title: 't' });
    expect(run.status).toBe('completed');
    expect(h.store.reader.prepare('SELECT task_id, kind, message, channels FROM notifications').all()).toEqual([
      { task_id: run.taskId, kind: 'workflow', message: `Task ${run.taskId} is pending`, channels: '["dashboard"]' },
    ]);
    expect(h.notified).toEqual([{ channel: 'dashboard', message: `Task ${run.taskId} is pending`, taskId: run.taskId, runId: run.id }]);
    expect(details.steps.find((s) => s.step === 'pause')?.status).toBe('completed');
  });

  it('a function gets its resolved input and an idempotency key of run, step and attempt', async () => {
    const seen: unknown[] = [];
    const probe: FunctionHandler = {
      async run(input, ctx) {
        seen.push({ input, key: ctx.idempotencyKey });
        return { doubled: (input.n as number) * 2 };
      },
    };
    h = harness({ w: { steps: [{ id: 'f', type: 'function', function: 'probe', input: { n: '${input.n}' } }, { id: 'g', type: 'function', function: 'probe', input: { n: '${steps.f.doubled}' } }] } });
    const { run } = await runToEnd(h, 'w', { n: 2 }, { probe });
    expect(run.status).toBe('completed');
    expect(seen).toEqual([
      { input: { n: 2 }, key: `${run.id}:f:1` },
      { input: { n: 4 }, key: `${run.id}:g:1` },
    ]);
  });

  it('route_task_to_session and send_prompt go through the injected router and dispatch', async () => {
    h = harness({
      w: {
        steps: [
          createTask,
          { id: 'assign', type: 'function', function: 'route_task_to_session', input: { task_id: '${steps.create_task.id}', urgent: true } },
          { id: 'prompt', type: 'function', function: 'send_prompt', input: { session: '${steps.assign.session_id}', text: 'Fix task ${steps.create_task.id}' } },
        ],
      },
    });
    const { run } = await runToEnd(h, 'w', { title: 't' });
    expect(run.status).toBe('completed');
    expect(h.prompts).toEqual([{ session: 'dev_worker1', text: `Fix task ${run.taskId}` }]);
    expect(h.store.tasks.get(run.taskId as number)).toMatchObject({ status: 'assigned', assignedTo: 'dev_worker1' });
  });
});

describe('conditional and loop steps', () => {
  it('takes if_true or if_false and records which; a missing branch is skipped', async () => {
    h = harness({
      w: {
        steps: [
          { id: 'big', type: 'conditional', condition: '${input.n} > 10', if_true: { type: 'notification', channel: 'log', message: 'big' }, if_false: { type: 'notification', channel: 'log', message: 'small' } },
          { id: 'only', type: 'conditional', condition: "${input.who} IN ('nobody')", if_true: { type: 'notification', channel: 'log', message: 'never' } },
        ],
      },
    });
    const { run, details } = await runToEnd(h, 'w', { n: 3, who: 'me' });
    expect(run.status).toBe('completed');
    expect(h.notified.map((n) => n.message)).toEqual(['small']);
    expect(details.steps.map((s) => [s.step, s.status])).toEqual([
      ['big', 'completed'],
      ['big/if_false', 'completed'],
      ['only', 'skipped'],
    ]);
    expect(details.steps[0]?.input).toEqual({ condition: '${input.n} > 10', value: false });
  });

  it('loops while the condition holds, reading the task row as it is now', async () => {
    let polls = 0;
    const finisher: FunctionHandler = {
      async run(input, ctx) {
        polls++;
        if (polls === 3) ctx.deps.store.writer.prepare("UPDATE tasks SET status = 'completed' WHERE id = ?").run(input.id);
        return { polls };
      },
    };
    h = harness({
      w: {
        steps: [
          createTask,
          {
            id: 'monitor',
            type: 'loop',
            condition: "${steps.create_task.status} NOT IN ('completed', 'failed')",
            interval_seconds: 0.01,
            max_iterations: 10,
            actions: [{ type: 'function', function: 'finisher', input: { id: '${steps.create_task.id}' } }],
          },
        ],
      },
    });
    const { run, details } = await runToEnd(h, 'w', { title: 't' }, { finisher });
    expect(run.status).toBe('completed');
    expect(polls).toBe(3);
    expect(details.steps.find((s) => s.step === 'monitor')?.output).toEqual({ iterations: 3 });
  });

  it('a loop that reaches max_iterations fails as a timeout, naming the limit', async () => {
    h = harness({ w: { steps: [{ id: 'spin', type: 'loop', condition: 'true', interval_seconds: 0.001, max_iterations: 4, actions: [{ type: 'notification', channel: 'log', message: 'tick' }] }] } });
    const { run } = await runToEnd(h, 'w');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/step spin \(loop\) failed \(timeout\): loop spin: still "true" after 4 iterations \(max_iterations\)/);
    expect(count(h.store, 'SELECT count(*) FROM notifications')).toBe(4);
  });
});
