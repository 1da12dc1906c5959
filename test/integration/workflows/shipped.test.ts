import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/load.js';
import { QueryService } from '../../../src/main/queries/service.js';
import { harness, type Harness } from '../../unit/workflows/harness.js';

// The workflows shipped in config/base/workflows.yaml, run by the engine against a
// real database, the real query service and a real git repository.

const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../config');
const GIT_USER = ['-c', 'user.name=Test', '-c', 'user.email=test@localhost'];

let h: Harness | undefined;
let queries: QueryService | undefined;
afterEach(async () => {
  await queries?.close();
  queries = undefined;
  await h?.close();
  h = undefined;
});

function setup(): Harness {
  const hh = harness({});
  const loaded = loadConfig({ dir: configDir, env: null });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  hh.setConfig(loaded.snapshot);
  queries = new QueryService(hh.store, { logger: hh.deps.logger });
  expect(queries.load(loaded.snapshot.queries)).toEqual([]);
  const service = queries;
  hh.deps.runQuery = async (name, params) => (await service.run(name, params)).results;
  return hh;
}

function gitRepo(dir: string): string {
  const repo = path.join(dir, 'project');
  fs.mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  fs.writeFileSync(path.join(repo, 'README.md'), 'hello\n');
  execFileSync('git', [...GIT_USER, 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: repo });
  execFileSync('git', ['add', '.'], { cwd: repo });
  execFileSync('git', [...GIT_USER, 'commit', '-q', '-m', 'readme'], { cwd: repo });
  return repo;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('shipped workflows', () => {
  it('maintenance reports in-progress and failed tasks found by named queries', async () => {
    h = setup();
    const a = h.store.tasks.add({ type: 'bug_fix', title: 'stuck' });
    const b = h.store.tasks.add({ type: 'deploy', title: 'broke' });
    h.store.writer.prepare("UPDATE tasks SET status = 'in_progress', assigned_to = 'dev_worker1' WHERE id = ?").run(a.id);
    h.store.writer.prepare("UPDATE tasks SET status = 'failed' WHERE id = ?").run(b.id);
    const engine = h.engine();
    const run = await engine.finished(engine.run('maintenance'));
    expect(run.status).toBe('completed');
    expect(h.notified.map((n) => [n.channel, n.message.replace(/since .*/, 'since …')])).toEqual([
      ['dashboard', `Maintenance: 1 task(s) in progress; first: task ${a.id} (bug_fix) on dev_worker1 since …`],
      ['log', `Maintenance: 1 failed task(s); latest by priority: task ${b.id} (deploy)`],
    ]);
    expect(engine.show(run.id).steps.find((s) => s.step === 'report_urgent_waiting')?.status).toBe('skipped');
  });

  it('feature_development makes a worktree, commits on its branch, skips the PR without a remote, cleans up', async () => {
    h = setup();
    const repo = gitRepo(h.dir);
    const agentWork = h.deps.routeTask;
    // The fake agent takes the task and finishes it at once.
    h.deps.routeTask = async (taskId, opts) => {
      const routed = await agentWork(taskId, opts);
      h!.store.writer.prepare("UPDATE tasks SET status = 'completed' WHERE id = ?").run(taskId);
      return routed;
    };
    const engine = h.engine();
    const run = await engine.finished(engine.run('feature_development', { project_path: repo, title: 'Add search' }));
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    const steps = Object.fromEntries(engine.show(run.id).steps.map((s) => [s.step, s]));
    const env = steps['create_environment/if_true']?.output as { branch_name: string; path: string; port: number };
    expect(env.branch_name).toBe(`architect/run-${run.id}-create_environment_if_true`);
    expect(env.port).toBeGreaterThanOrEqual(6001);
    expect(steps['create_pr/if_true']?.output).toMatchObject({ status: 'skipped', reason: `no git remote configured; ${env.branch_name} had nothing new to commit, kept locally` });
    expect(steps.cleanup?.output).toMatchObject({ status: 'removed' });
    expect(fs.existsSync(env.path)).toBe(false);
    expect(git(repo, 'branch', '--list', env.branch_name)).toContain(env.branch_name);
  });

  it('test rolls back its task and environment when the tests task fails', async () => {
    h = setup();
    const repo = gitRepo(h.dir);
    const route = h.deps.routeTask;
    h.deps.routeTask = async (taskId, opts) => {
      const routed = await route(taskId, opts);
      h!.store.writer.prepare("UPDATE tasks SET status = 'failed' WHERE id = ?").run(taskId);
      return routed;
    };
    const engine = h.engine();
    const run = await engine.finished(engine.run('test', { project_path: repo }));
    expect(run.status).toBe('rolled_back');
    expect(run.error).toMatch(/^step wait_for_tests \(function wait_for_task\) failed: wait_for_task: task \d+ ended failed$/);
    const env = engine.show(run.id).steps.find((s) => s.step === 'create_environment')?.output as { branch_name: string; path: string };
    expect(fs.existsSync(env.path)).toBe(false);
    expect(git(repo, 'branch', '--list', env.branch_name)).toBe('');
    // The task is not deleted: it failed, and a finished task keeps its status and history (a rollback cancels only open ones).
    expect(h.store.tasks.get(run.taskId as number)?.status).toBe('failed');
  });
});
