import { afterEach, describe, expect, it } from 'vitest';
import type { ErrorHandler } from '../../../src/main/config/schemas/workflows.js';
import type { FunctionHandler } from '../../../src/main/workflows/types.js';
import { handlersFor } from '../../../src/main/workflows/engine.js';
import type { TaskChange } from '../../../src/main/tasks/service.js';
import { count, harness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const createTask = { id: 'create_task', type: 'database', action: 'insert', table: 'tasks', data: { type: 'bug_fix', title: 't' } };

describe('rollback', () => {
  it('undoes the listed steps latest first, whatever order they are listed in', async () => {
    const undone: string[] = [];
    const env = (name: string): FunctionHandler => ({
      async run() {
        return { env: name };
      },
      async compensate(output, ctx) {
        undone.push(`${String(output.env)} (open tasks: ${count(ctx.deps.store, "SELECT count(*) FROM tasks WHERE status != 'cancelled'")})`);
      },
    });
    const boom: FunctionHandler = {
      async run() {
        throw new Error('disk full');
      },
    };
    h = harness({
      w: {
        steps: [
          { id: 'env_a', type: 'function', function: 'env_a', input: {} },
          createTask,
          { id: 'env_b', type: 'conditional', condition: 'true', if_true: { type: 'function', function: 'env_b', input: {} } },
          { id: 'explode', type: 'function', function: 'boom', input: {} },
        ],
        error_handling: [{ on_error: 'any', action: 'rollback', steps: ['env_a', 'create_task', 'env_b'] }],
      },
    });
    const engine = h.engine({ env_a: env('a'), env_b: env('b'), boom });
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('rolled_back');
    expect(run.error).toBe('step explode (function boom) failed: disk full');
    // env_b first, then the task's cancellation (env_a sees no open task left), then env_a.
    expect(undone).toEqual(['b (open tasks: 1)', 'a (open tasks: 0)']);
    const statuses = Object.fromEntries(engine.show(run.id).steps.map((s) => [s.step, s.status]));
    expect(statuses).toEqual({ env_a: 'rolled_back', create_task: 'rolled_back', env_b: 'rolled_back', 'env_b/if_true': 'rolled_back', explode: 'failed' });
  });

  it('a failing compensation is named in the run error and the others still run', async () => {
    const bad: FunctionHandler = {
      async run() {
        return {};
      },
      async compensate() {
        throw new Error('worktree locked');
      },
    };
    h = harness({
      w: {
        steps: [createTask, { id: 'env', type: 'function', function: 'bad', input: {} }, { id: 'fail', type: 'database', action: 'insert', table: 'sessions', data: {} }],
        error_handling: [{ on_error: 'any', action: 'rollback', steps: ['create_task', 'env'] }],
      },
    });
    const engine = h.engine({ bad });
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('rolled_back');
    expect(run.error).toMatch(/rollback env: worktree locked$/);
    expect(count(h.store, "SELECT count(*) FROM tasks WHERE status != 'cancelled'")).toBe(0);
  });

  it('goes through the task core: a created task is cancelled with its history row and event, a changed one gets its old values back', async () => {
    const boom: FunctionHandler = {
      async run() {
        throw new Error('disk full');
      },
    };
    h = harness({
      w: {
        steps: [
          createTask,
          { id: 'bump', type: 'database', action: 'update', table: 'tasks', data: { priority: 2, status: 'cancelled' }, where: { id: '${steps.create_task.id}' } },
          { id: 'explode', type: 'function', function: 'boom', input: {} },
        ],
        error_handling: [{ on_error: 'any', action: 'rollback', steps: ['create_task', 'bump'] }],
      },
    });
    const heard: TaskChange[] = [];
    h.deps.tasks.onChange((changes) => heard.push(...changes));
    const engine = h.engine({ boom });
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('rolled_back');
    const id = run.taskId as number;
    // The row stays (its id is never reused), cancelled by the rollback.
    const task = h.store.tasks.get(id);
    expect(task?.status).toBe('cancelled');
    expect(task?.priority).toBe(9); // bug_fix's routing priority, restored after the update set 2
    const history = h.store.tasks.history(id).map((e) => [e.fromStatus, e.toStatus, e.reason]);
    expect(history).toEqual([
      [null, 'pending', 'created'],
      ['pending', 'cancelled', `set by workflow run ${run.id}`],
      // bump undone first (latest first): back to pending, then the creation undone: cancelled.
      ['cancelled', 'pending', `workflow run ${run.id} rolled back (step bump)`],
      ['pending', 'cancelled', `workflow run ${run.id} rolled back (step create_task)`],
    ]);
    expect(heard.map((c) => [c.from, c.to])).toEqual([
      [null, 'pending'],
      ['pending', 'cancelled'],
      ['cancelled', 'pending'],
      ['pending', 'cancelled'],
    ]);
  });

  it('a workflow update that would be an illegal status change fails the step and changes nothing', async () => {
    h = harness({
      w: {
        steps: [
          createTask,
          { id: 'finish', type: 'database', action: 'update', table: 'tasks', data: { status: 'completed' }, where: { id: '${steps.create_task.id}' } },
        ],
      },
    });
    const engine = h.engine({});
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/task \d+ is pending: it cannot be set to completed by a workflow \(pending → completed is not a task transition; from pending a task can become assigned, blocked, cancelled\)/);
    expect(h.store.tasks.get(run.taskId as number)?.status).toBe('pending');
  });
});

describe('timeouts and reassignment', () => {
  it('a step over timeout_seconds reassigns the run task to the named session and runs again', async () => {
    let calls = 0;
    const slow: FunctionHandler = {
      async run(_input, ctx) {
        calls++;
        if (calls === 1) await ctx.deps.sleep(10_000, ctx.signal);
        return { attempt: ctx.idempotencyKey };
      },
    };
    h = harness({
      w: {
        steps: [createTask, { id: 'work', type: 'function', function: 'slow', input: {}, timeout_seconds: 0.05 }],
        error_handling: [
          { on_error: 'any', action: 'rollback', steps: ['create_task'] },
          { on_error: 'timeout', action: 'reassign_task', to_session: 'dev_worker2' },
        ],
      },
    });
    const engine = h.engine({ slow });
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('completed');
    expect(h.routed).toEqual([{ taskId: run.taskId, toSession: 'dev_worker2' }]);
    expect(h.store.tasks.get(run.taskId as number)?.assignedTo).toBe('dev_worker2');
    const steps = engine.show(run.id).steps.filter((s) => s.step === 'work');
    expect(steps.map((s) => [s.attempt, s.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(steps[0]?.error).toBe('step work timed out after 0.05s (timeout_seconds)');
    expect(steps[1]?.output).toEqual({ attempt: `${run.id}:work:2` });
  });

  it('the timeout handler is used once per step; a second timeout fails the run', async () => {
    const never: FunctionHandler = {
      async run(_input, ctx) {
        await ctx.deps.sleep(10_000, ctx.signal);
        return {};
      },
    };
    h = harness({ w: { steps: [createTask, { id: 'work', type: 'function', function: 'never', input: {}, timeout_seconds: 0.02 }], error_handling: [{ on_error: 'timeout', action: 'reassign_task', to_session: 'dev_worker2' }] } });
    const engine = h.engine({ never });
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^step work \(function never\) failed \(timeout\): step work timed out/);
  });

  it('picks the handlers naming the failure kind, else the any ones', () => {
    const any: ErrorHandler = { on_error: 'any', action: 'rollback', steps: ['a'] };
    const timeout: ErrorHandler = { on_error: 'timeout', action: 'reassign_task', to_session: 'x' };
    expect(handlersFor([any, timeout], 'timeout')).toEqual([timeout]);
    expect(handlersFor([any, timeout], 'step_failed')).toEqual([any]);
    expect(handlersFor([timeout], 'step_failed')).toEqual([]);
  });

  it('retry runs a failing step again up to max_attempts', async () => {
    let calls = 0;
    const flaky: FunctionHandler = {
      async run() {
        if (++calls < 3) throw new Error(`flake ${calls}`);
        return { calls };
      },
    };
    h = harness({ w: { steps: [{ id: 'f', type: 'function', function: 'flaky', input: {} }], error_handling: [{ on_error: 'any', action: 'retry', max_attempts: 3 }] } });
    const engine = h.engine({ flaky });
    const run = await engine.finished(engine.run('w'));
    expect(run.status).toBe('completed');
    expect(calls).toBe(3);
  });
});

describe('cancellation', () => {
  it('cancel stops the running step and the run shows cancelled', async () => {
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const hang: FunctionHandler = {
      async run(_i, ctx) {
        started();
        await ctx.deps.sleep(60_000, ctx.signal);
        return {};
      },
    };
    h = harness({ w: { steps: [{ id: 'hang', type: 'function', function: 'hang', input: {} }, { id: 'after', type: 'notification', channel: 'log', message: 'x' }] } });
    const engine = h.engine({ hang });
    const id = engine.run('w');
    await isStarted;
    expect(engine.cancel(id).status).toBe('cancelled');
    const run = await engine.finished(id);
    expect(run.status).toBe('cancelled');
    expect(engine.show(id).steps.map((s) => [s.step, s.status, s.error])).toEqual([['hang', 'failed', 'cancelled by operator']]);
    expect(count(h.store, 'SELECT count(*) FROM notifications')).toBe(0);
  });

  it('an unknown workflow or run is a clear error', () => {
    h = harness({ w: { steps: [createTask] } });
    const engine = h.engine();
    expect(() => engine.run('nope')).toThrow('no workflow named "nope" in workflows.yaml (known: w)');
    expect(() => engine.cancel(99)).toThrow('workflow run 99 does not exist');
  });
});
