// The task core against a real database and the real layered config: the same task
// gets the same defaults from the CLI and the console's RPC handler, every change is
// heard by the listeners and leaves its history row, and illegal changes are refused
// with an error naming both statuses.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/shared/api.js';
import type { CliContext } from '../../../src/main/cli/command.js';
import { tasksCommand } from '../../../src/main/cli/commands/tasks.js';
import { loadConfig } from '../../../src/main/config/load.js';
import type { ConfigService } from '../../../src/main/config/service.js';
import type { ConfigSnapshot } from '../../../src/main/config/snapshot.js';
import { setupTasks } from '../../../src/main/setup/tasks.js';
import { InvalidTaskError, TaskFinishedError } from '../../../src/main/store/tasks.js';
import { TaskService, TaskTransitionError, type TaskChange } from '../../../src/main/tasks/service.js';
import { capturedIo } from '../../support/captured-io.js';
import { tempConfig, type TempConfig } from '../../unit/config/temp-config.js';
import { tempStore } from '../store/temp-store.js';

let config: TempConfig;
let db: ReturnType<typeof tempStore>;
beforeEach(() => {
  config = tempConfig();
  db = tempStore();
});
afterEach(() => {
  db.remove();
  config.remove();
});

function snapshot(): ConfigSnapshot {
  const loaded = loadConfig({ dir: config.dir, env: null });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('; '));
  return loaded.snapshot;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { stdout, stderr, out, err } = capturedIo();
  const ctx: CliContext = {
    globals: { configDir: config.dir, dbPath: db.dbPath, dataDir: db.dir, env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'warn', json: false },
    stdout,
    stderr,
    interrupted: new Promise(() => {}),
  };
  const code = await tasksCommand.run(args, ctx);
  return { code, out: out(), err: err() };
}

describe('creating a task', () => {
  it('gives the same bug_fix task the same priority from the CLI and the console, from the layered config', async () => {
    // A local override, so the figure can only come from reading the layers.
    fs.writeFileSync(path.join(config.dir, 'local/overrides.yaml'), 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 7\n');
    const fromCli = await cli(['add', '--type', 'bug_fix', '--title', 'Login 500s', '--prompt', 'fix it', '--json']);
    expect(fromCli.err).toBe('');
    const cliTask = JSON.parse(fromCli.out) as Task;

    const current = snapshot();
    const core = new TaskService({ store: db.store, config: () => current });
    const rpc = setupTasks({ store: db.store, config: { snapshot: () => current } as unknown as ConfigService, tasks: core });
    const rpcTask = rpc.commands['tasks.create']({ type: 'bug_fix', title: 'Login 500s', prompt: 'fix it' });

    expect(cliTask.priority).toBe(7);
    expect(rpcTask.priority).toBe(7);
    // A type without a rule takes the built-in default; an explicit priority wins everywhere.
    expect(core.create({ type: 'chore', title: 't', prompt: 'p' }).priority).toBe(5);
    const explicit = JSON.parse((await cli(['add', '--type', 'bug_fix', '--title', 't', '--prompt', 'p', '--priority', '2', '--json'])).out) as Task;
    expect(explicit.priority).toBe(2);
    expect(core.defaultsFor('bug_fix')).toEqual({ priority: 7, targetMinutes: (current.sla.sla_targets.bug_fix ?? current.sla.sla_targets.default)?.target_minutes, urgent: true, maxAttempts: 3 });
  });

  it('from a CLI whose config has problems: refused at the problem’s position, nothing added (no built-in defaults instead)', async () => {
    fs.writeFileSync(path.join(config.dir, 'local/overrides.yaml'), 'routing_rules:\n  environment_routing:\n    bug_fix:\n      priority: 99\n');
    await expect(cli(['add', '--type', 'bug_fix', '--title', 't', '--prompt', 'p', '--json'])).rejects.toThrow(/overrides\.yaml:4:17: environment_routing\.bug_fix\.priority/);
    expect(db.store.tasks.list({ limit: 10 }).total).toBe(0);
  });
});

describe('status changes', () => {
  it('each is heard by the listeners and leaves its history row', () => {
    const core = new TaskService({ store: db.store, config: () => null });
    const heard: TaskChange[] = [];
    core.onChange((changes) => heard.push(...changes));
    const task = core.create({ type: 'bug_fix', title: 't', prompt: 'p' });
    const now = new Date();
    const [claimed] = core.claimMany([{ taskId: task.id, session: 'w1', reason: 'routed to w1' }], [], now);
    expect(claimed?.id).toBe(task.id);
    expect(core.start(task.id, 'w1', 'in progress: w1 is working', now)).toBe(true);
    expect(core.complete(task.id, 'w1', 'completed: w1 returned to idle', now)).toBe(true);
    expect(heard.map((c) => `${c.from ?? '∅'}→${c.to}`)).toEqual(['∅→pending', 'pending→assigned', 'assigned→in_progress', 'in_progress→completed']);
    expect(db.store.tasks.history(task.id).map((e) => e.toStatus)).toEqual(['pending', 'assigned', 'in_progress', 'completed']);
  });

  it('a change that moves no session’s task (a start, a priority) opens no second transaction: it would wait for the write lock to write nothing', () => {
    const core = new TaskService({ store: db.store, config: () => null });
    const task = core.create({ type: 'bug_fix', title: 't', prompt: 'p' });
    const now = new Date();
    core.claimMany([{ taskId: task.id, session: 'w1', reason: 'routed to w1' }], [], now);
    const transaction = db.store.transaction;
    let opened = 0;
    db.store.transaction = <T>(fn: () => T): T => (opened++, transaction(fn));
    try {
      expect(core.start(task.id, 'w1', 'in progress: w1 is working', now)).toBe(true);
      expect(opened).toBe(1); // the start's own, not one more for sessions.current_task_id
      core.setPriority(task.id, 9);
      expect(opened).toBe(1);
      expect(core.complete(task.id, 'w1', 'completed: w1 returned to idle', now)).toBe(true);
      expect(opened).toBe(3); // the completion's, and the one that clears w1's current task
    } finally {
      db.store.transaction = transaction;
    }
    expect(db.store.tasks.get(task.id)).toMatchObject({ status: 'completed', priority: 9 });
  });

  it('refuses illegal ones with an error naming both statuses, and changes nothing', () => {
    const core = new TaskService({ store: db.store, config: () => null });
    const task = core.create({ type: 'bug_fix', title: 't', prompt: 'p' });
    expect(() => core.retry(task.id)).toThrow(TaskTransitionError);
    expect(() => core.retry(task.id)).toThrow(`task ${task.id} is pending: it cannot be retried (only failed, cancelled and blocked tasks can) (pending → pending is not a task transition; from pending a task can become assigned, blocked, cancelled)`);
    const now = new Date();
    // The lifecycle's guarded steps: nothing happens to a task the session does not hold.
    expect(core.complete(task.id, 'w1', 'completed', now)).toBe(false);
    expect(core.start(task.id, 'w1', 'started', now)).toBe(false);
    core.cancel(task.id, 'not needed');
    expect(() => core.cancel(task.id)).toThrow(TaskFinishedError);
    expect(() => core.cancel(task.id)).toThrow(`task ${task.id} is already cancelled`);
    expect(core.retry(task.id).status).toBe('pending');
    expect(() => core.create({ type: ' ', title: 't' })).toThrow(InvalidTaskError);
    expect(() => core.create({ type: 'x', title: 't', priority: 11 })).toThrow('priority must be an integer from 0 to 10, got 11');
    expect(db.store.tasks.history(task.id).map((e) => [e.toStatus, e.reason])).toEqual([
      ['pending', 'created'],
      ['cancelled', 'not needed'],
      ['pending', 'retried by operator'],
    ]);
  });

  it('the CLI refuses them too, with the same words and exit 1', async () => {
    const added = JSON.parse((await cli(['add', '--type', 'bug_fix', '--title', 't', '--prompt', 'p', '--json'])).out) as Task;
    const r = await cli(['retry', String(added.id)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`task ${added.id} is pending: it cannot be retried`);
    expect((await cli(['cancel', String(added.id)])).code).toBe(0);
    expect((await cli(['retry', String(added.id)])).out).toMatch(/^retried task \d+ pending/);
  });
});

describe('blocked', () => {
  const done = (core: TaskService, id: number): void => {
    const now = new Date();
    core.claimMany([{ taskId: id, session: `w${id}`, reason: 'test' }], [], now);
    core.start(id, `w${id}`, 'working', now);
    core.complete(id, `w${id}`, 'done', now);
  };

  it('a task waiting on others is blocked until every one completed, then pending by itself', () => {
    const core = new TaskService({ store: db.store, config: () => null });
    const a = core.create({ type: 'x', title: 'a' });
    const b = core.create({ type: 'x', title: 'b' });
    const c = core.create({ type: 'x', title: 'c', dependsOn: [a.id, b.id] });
    expect(c.status).toBe('blocked');
    expect(c.statusReason).toBe(`blocked: waiting on tasks ${a.id}, ${b.id} to complete (depends_on)`);
    done(core, a.id);
    expect(core.get(c.id)).toMatchObject({ status: 'blocked', statusReason: `blocked: waiting on task ${b.id} to complete (depends_on)` });
    done(core, b.id);
    expect(core.get(c.id)?.status).toBe('pending');
    expect(db.store.tasks.history(c.id).map((e) => [e.fromStatus, e.toStatus, e.reason])).toEqual([
      [null, 'blocked', 'created'],
      ['blocked', 'pending', `unblocked: task ${b.id} completed; every task it waits on completed`],
    ]);
    // Already completed dependencies do not block.
    expect(core.create({ type: 'x', title: 'd', dependsOn: [a.id] }).status).toBe('pending');
    expect(() => core.create({ type: 'x', title: 'e', dependsOn: [9999] })).toThrow('depends_on: task 9999 does not exist');
  });

  it('a dependency that fails leaves the dependant blocked, saying so; retried and completed, it unblocks', () => {
    const core = new TaskService({ store: db.store, config: () => ({ routing: { version: '1', environment_routing: { x: { max_attempts: 1 } } } as never }) });
    const a = core.create({ type: 'x', title: 'a' });
    const c = core.create({ type: 'x', title: 'c', dependsOn: [a.id] });
    const now = new Date();
    core.claimMany([{ taskId: a.id, session: 'w', reason: 'test' }], [], now);
    core.requeue(a.id, 'w', { reason: 'back to the queue: w exited mid-task', error: 'exited', notBefore: null, kind: 'lifecycle' }, now);
    expect(core.get(a.id)).toMatchObject({ status: 'failed' });
    const blocked = core.get(c.id)!;
    expect(blocked.status).toBe('blocked');
    expect(blocked.statusReason).toBe(
      `blocked: task ${a.id} failed (failed: 1 of 1 attempts used (max_attempts for x); the last: w exited mid-task): blocked until it is retried and completes, or this task is cancelled`,
    );
    core.retry(a.id);
    expect(core.get(c.id)?.status).toBe('blocked');
    done(core, a.id);
    expect(core.get(c.id)?.status).toBe('pending');
  });

  it('an operator hold blocks an open task (freeing its session) until released', async () => {
    const core = new TaskService({ store: db.store, config: () => null });
    const heard: TaskChange[] = [];
    core.onChange((changes) => heard.push(...changes));
    const a = core.create({ type: 'x', title: 'a' });
    core.claimMany([{ taskId: a.id, session: 'w1', reason: 'test' }], [], new Date());
    const held = await core.hold(a.id, 'waiting for the design review');
    expect(held).toMatchObject({ status: 'blocked', holdReason: 'waiting for the design review', statusReason: 'held by the operator: waiting for the design review; taken back from w1' });
    // The session is free: another task can be claimed for it.
    const b = core.create({ type: 'x', title: 'b' });
    expect(core.claimMany([{ taskId: b.id, session: 'w1', reason: 'test' }], [], new Date())).toHaveLength(1);
    await expect(core.release(b.id)).rejects.toThrow(`task ${b.id} is not held (it is assigned: test); only a held task can be released`);
    expect(await core.release(a.id)).toMatchObject({ status: 'pending', holdReason: null, statusReason: 'unblocked: released by the operator' });
    expect(heard.filter((c) => c.taskId === a.id).map((c) => `${c.from ?? '∅'}→${c.to}`)).toEqual(['∅→pending', 'pending→assigned', 'assigned→blocked', 'blocked→pending']);
    // Finished tasks cannot be held.
    core.cancel(b.id);
    await expect(core.hold(b.id)).rejects.toThrow(TaskTransitionError);
  });

  it('a held task waiting on others stays blocked after release until they complete', async () => {
    const core = new TaskService({ store: db.store, config: () => null });
    const a = core.create({ type: 'x', title: 'a' });
    const c = core.create({ type: 'x', title: 'c', dependsOn: [a.id] });
    await core.hold(c.id, 'not yet');
    done(core, a.id);
    // Its dependency completed, but the hold wins.
    expect(core.get(c.id)).toMatchObject({ status: 'blocked', holdReason: 'not yet' });
    expect((await core.release(c.id)).status).toBe('pending');
  });

  it('the CLI adds with --depends-on, holds and releases; explain shows the budget, the block and the hold', async () => {
    const a = JSON.parse((await cli(['add', '--type', 'bug_fix', '--title', 'a', '--prompt', 'p', '--json'])).out) as Task;
    const c = JSON.parse((await cli(['add', '--type', 'bug_fix', '--title', 'c', '--prompt', 'p', '--depends-on', `${a.id}`, '--json'])).out) as Task;
    expect(c.status).toBe('blocked');
    const held = await cli(['hold', String(a.id), '--reason', 'freeze']);
    expect(held.out).toBe(`held task ${a.id} blocked: a (bug_fix, priority 9)\n  held by the operator: freeze\n`);
    const { explainCommand } = await import('../../../src/main/cli/commands/explain.js');
    const { stdout, stderr, out } = capturedIo();
    const ctx: CliContext = {
      globals: { configDir: config.dir, dbPath: db.dbPath, dataDir: db.dir, env: null, tmuxSockets: [], watchDefaultTmux: false, logLevel: 'warn', json: false },
      stdout,
      stderr,
      interrupted: new Promise(() => {}),
    };
    expect(await explainCommand.run([String(c.id)], ctx)).toBe(0);
    expect(out()).toContain(`task #${c.id} "c" (bug_fix, priority 9): blocked\n  attempts: 0 of 3 (max_attempts for bug_fix)\n  blocked: waiting on task ${a.id} to complete (depends_on)\n  depends on: #${a.id} (blocked)\n`);
    expect((await cli(['release', String(a.id)])).out).toBe(`released task ${a.id} pending: a (bug_fix, priority 9)\n`);
    const again = await cli(['release', String(a.id)]);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`task ${a.id} is not held`);
  });
});

describe('tasks show', () => {
  it('prints one task and its history from the SQLite file; an unknown id is a problem, not a crash', async () => {
    const added = JSON.parse((await cli(['add', '--type', 'docs', '--title', 'Readme', '--prompt', 'write', '--json'])).out) as Task;
    expect((await cli(['cancel', String(added.id), '--reason', 'dropped'])).code).toBe(0);
    const shown = await cli(['show', String(added.id)]);
    expect(shown.err).toBe('');
    expect(shown.out.split('\n')[0]).toBe(`task ${added.id} cancelled: Readme (docs, priority 5)`);
    expect(shown.out.split('\n').slice(1, 3).map((l) => l.replace(/^\s+\S+ /, ''))).toEqual(['- → pending: created', 'pending → cancelled: dropped']);
    const json = JSON.parse((await cli(['show', String(added.id), '--json'])).out) as Task & { history: unknown[] };
    expect(json.history).toHaveLength(2);
    const none = await cli(['show', '9999']);
    expect(none).toMatchObject({ code: 1, err: 'task 9999 does not exist\n' });
  });
});

describe('a console on a shared queue', () => {
  it("refuses a task written to its own SQLite file (a workflow's insert or update), saying why, and writes nothing", () => {
    const core = new TaskService({ store: db.store, config: () => null, refuseWrites: 'this console is on the shared queue postgres://q/x: workflows that add or change tasks run on SQLite only for now' });
    expect(() => core.create({ type: 'x', title: 't', prompt: 'p' })).toThrow(/on the shared queue postgres:\/\/q\/x/);
    expect(() => core.createFromWorkflow({ type: 'x', title: 't' })).toThrow(InvalidTaskError);
    expect(() => core.updateFromWorkflow([1], { priority: 3 }, 'wf')).toThrow(/workflows that add or change tasks run on SQLite only/);
    expect(db.store.tasks.list().total).toBe(0);
  });
});
