import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/shared/api.js';
import { Assigner } from '../../../src/main/assigner/assigner.js';
import { freePort } from '../../../src/main/assigner/environment.js';
import { RoutingFile } from '../../../src/main/config/schemas/routing.js';
import { session, tempStore } from './fixture.js';

function gitRepo(dir: string): string {
  fs.mkdirSync(dir);
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  run('init', '-q');
  fs.writeFileSync(path.join(dir, 'README'), 'hello\n');
  run('add', 'README');
  run('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
  return dir;
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A port range nobody else is likely to use, found by asking the OS for a free port. */
async function someFreePort(): Promise<number> {
  const server = await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('task environments (requires_env + auto_create_env + port_range)', () => {
  let t: ReturnType<typeof tempStore>;
  const servers: net.Server[] = [];
  beforeEach(() => {
    t = tempStore();
  });
  afterEach(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    t.cleanup();
  });

  it('freePort skips ports given to open tasks and ports something listens on', async () => {
    const first = await someFreePort();
    servers.push(await listen(first));
    expect(await freePort([first, first + 3], new Set([first + 1]))).toBe(first + 2);
    expect(await freePort([first, first], new Set())).toBeNull();
  });

  it('a git project gets a worktree and a port, named in the prompt and the metadata, released when the task ends', async () => {
    const port = await someFreePort();
    const repo = gitRepo(path.join(t.dir, 'repo'));
    const rules = RoutingFile.parse({
      version: '1',
      environment_routing: { ui: { requires_env: true, auto_create_env: true, port_range: [port, port + 5], preferred_sessions: ['w1'] } },
      supported_providers: ['claude'],
    });
    let sessions: Session[] = [session('w1')];
    const prompts: string[] = [];
    const assigner = new Assigner({
      store: t.store,
      getSnapshot: () => ({ routing: rules }),
      getSessions: () => sessions,
      deliver: async (_s, prompt) => {
        prompts.push(prompt);
        return { outcome: 'taken', reason: 'the agent is working' };
      },
    });
    const stop = assigner.start();
    try {
      const project = t.store.projects.add(repo);
      const task = t.store.tasks.add({ type: 'ui', title: 'button', prompt: 'make the button blue', projectId: project.id });
      await assigner.settled();

      const worktree = path.join(`${repo}.worktrees`, `task-${task.id}`);
      expect(fs.existsSync(path.join(worktree, 'README'))).toBe(true);
      const meta = JSON.parse((t.store.writer.prepare('SELECT metadata FROM tasks WHERE id = ?').pluck().get(task.id) as string)) as { env: { port: number; worktree: string; branch: string } };
      expect(meta.env).toMatchObject({ port, worktree, branch: `architect/task-${task.id}` });
      expect(prompts[0]).toContain(`work in the git worktree ${worktree}`);
      expect(prompts[0]).toContain(`use port ${port}`);
      // merge_via_pr is false for this type: the agent merges its branch itself.
      expect(prompts[0]).toContain('merge that branch into the project\'s checked-out branch yourself');
      expect(prompts[0]).toMatch(/make the button blue$/);

      sessions = [{ ...sessions[0]!, state: 'idle' }];
      assigner.onSessions(sessions, [{ name: 'w1', from: 'working', to: 'idle', reason: null }]);
      await assigner.settled();
      expect(t.store.tasks.get(task.id)?.status).toBe('completed');
      expect(fs.existsSync(worktree)).toBe(false);
      const trail = t.store.decisions.forTask(task.id).map((d) => d.reason).join('\n');
      expect(trail).toContain(`environment: worktree ${worktree}, port ${port}`);
      expect(trail).toContain('environment released: worktree');
    } finally {
      await stop();
    }
  });

  it('a console restarted mid-task finds the held environments in one indexed query and releases them when the task ends', async () => {
    const port = await someFreePort();
    const repo = gitRepo(path.join(t.dir, 'repo'));
    const rules = RoutingFile.parse({
      version: '1',
      environment_routing: { ui: { requires_env: true, auto_create_env: true, port_range: [port, port + 5], preferred_sessions: ['w1'] } },
      supported_providers: ['claude'],
    });
    let sessions: Session[] = [session('w1')];
    const options = {
      store: t.store,
      getSnapshot: () => ({ routing: rules }),
      getSessions: () => sessions,
      deliver: async () => ({ outcome: 'taken' as const, reason: 'the agent is working' }),
    };
    const first = new Assigner(options);
    const stopFirst = first.start();
    const task = t.store.tasks.add({ type: 'ui', title: 'button', prompt: 'make it blue', projectId: t.store.projects.add(repo).id });
    // Held tasks without an environment are not read at start.
    t.store.tasks.add({ type: 'other', title: 'plain', prompt: 'x' });
    await first.settled();
    await stopFirst();
    const worktree = path.join(`${repo}.worktrees`, `task-${task.id}`);
    expect(fs.existsSync(worktree)).toBe(true);

    // The keeper's read walks only the partial index of held tasks with an environment.
    const plan = (t.store.writer.prepare(`EXPLAIN QUERY PLAN SELECT id, metadata FROM tasks INDEXED BY idx_tasks_held_env WHERE status IN ('assigned', 'in_progress') AND instr(metadata, '"env"') > 0`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    expect(plan).toContain('idx_tasks_held_env');

    const second = new Assigner(options);
    const stopSecond = second.start();
    try {
      sessions = [{ ...sessions[0]!, state: 'working' }];
      second.onSessions(sessions, [{ name: 'w1', from: 'idle', to: 'working', reason: null }]);
      sessions = [{ ...sessions[0]!, state: 'idle' }];
      second.onSessions(sessions, [{ name: 'w1', from: 'working', to: 'idle', reason: null }]);
      await second.settled();
      expect(t.store.tasks.get(task.id)?.status).toBe('completed');
      expect(fs.existsSync(worktree)).toBe(false);
      expect(t.store.decisions.forTask(task.id).map((d) => d.reason).join('\n')).toContain('environment released: worktree');
    } finally {
      await stopSecond();
    }
  });

  it('a project that is not a git repository gets no worktree, and the trail says why', async () => {
    const rules = RoutingFile.parse({
      version: '1',
      environment_routing: { ui: { requires_env: true, auto_create_env: true } },
      supported_providers: ['claude'],
    });
    const plain = path.join(t.dir, 'plain');
    fs.mkdirSync(plain);
    // …and one whose directory is not there (no git is started for it).
    const gone = path.join(t.dir, 'gone');
    const assigner = new Assigner({
      store: t.store,
      getSnapshot: () => ({ routing: rules }),
      getSessions: () => [session('w1'), session('w2')],
      deliver: async () => ({ outcome: 'taken', reason: 'the input box was cleared' }),
    });
    const stop = assigner.start();
    try {
      const task = t.store.tasks.add({ type: 'ui', title: 'x', prompt: 'x', projectId: t.store.projects.add(plain).id });
      const second = t.store.tasks.add({ type: 'ui', title: 'y', prompt: 'y', projectId: t.store.projects.add(gone).id });
      await assigner.settled();
      const trail = t.store.decisions.forTask(task.id).map((d) => d.reason).join('\n');
      expect(trail).toContain(`environment: none (${plain} is not a git repository, so no worktree)`);
      expect(t.store.decisions.forTask(second.id).map((d) => d.reason).join('\n')).toContain(`environment: none (${gone} is not a git repository, so no worktree)`);
    } finally {
      await stop();
    }
  });
});

describe('merge_via_pr in the environment preamble', () => {
  it('tells the agent to leave the branch for a pull request, or to merge it itself', async () => {
    const { environmentPreamble } = await import('../../../src/main/assigner/environment.js');
    const env = { worktree: '/w/task-1', branch: 'architect/task-1', port: null, note: null };
    expect(environmentPreamble(env, true)).toContain('do not merge it: it goes in through a pull request');
    expect(environmentPreamble(env, false)).toContain('merge that branch into the project\'s checked-out branch yourself');
  });
});
