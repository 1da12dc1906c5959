import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/main/config/load.js';
import type { FunctionHandler } from '../../../src/main/workflows/types.js';
import { harness, type Harness } from '../../unit/workflows/harness.js';

// create_pull_request commits the environment's work; with a remote but no gh CLI
// on PATH it stops there and says so.

const GIT_USER = ['-c', 'user.name=Test', '-c', 'user.email=test@localhost'];
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('create_pull_request', () => {
  it('commits the work on the environment branch and skips push and PR without gh', async () => {
    h = harness({
      w: {
        steps: [
          { id: 'env', type: 'function', function: 'create_test_environment', input: { project_path: '${input.repo}', port_range: [43200, 43299] } },
          { id: 'agent', type: 'function', function: 'agent_writes', input: { path: '${steps.env.path}' } },
          { id: 'pr', type: 'function', function: 'create_pull_request', input: { branch: '${steps.env.branch_name}', title: 'Feature: ${input.title}' } },
        ],
      },
    });
    const repo = path.join(h.dir, 'repo');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, ...GIT_USER, 'commit', '-q', '--allow-empty', '-m', 'init');
    git(repo, 'remote', 'add', 'origin', path.join(h.dir, 'nowhere.git'));
    const agentWrites: FunctionHandler = {
      async run(input) {
        fs.writeFileSync(path.join(String(input.path), 'search.ts'), 'export const search = 1;\n');
        return {};
      },
    };
    const engine = h.engine({ agent_writes: agentWrites });
    // gh is looked up on PATH: a PATH holding only git makes "not installed" certain.
    const onlyGit = path.join(h.dir, 'bin');
    fs.mkdirSync(onlyGit);
    fs.symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), path.join(onlyGit, 'git'));
    const savedPath = process.env.PATH;
    process.env.PATH = onlyGit;
    try {
      const run = await engine.finished(engine.run('w', { repo, title: 'Search' }));
      expect(run.error).toBeNull();
      const pr = engine.show(run.id).steps.find((s) => s.step === 'pr')?.output as { status: string; reason: string; branch: string; commit: string };
      expect(pr.status).toBe('skipped');
      expect(pr.reason).toBe(`gh CLI not installed; ${pr.branch} committed, kept locally, not pushed`);
      expect(git(repo, 'log', '-1', '--format=%s', pr.branch)).toBe('Feature: Search');
      expect(git(repo, 'rev-parse', pr.branch)).toBe(pr.commit);
      expect(git(repo, 'show', '--name-only', '--format=', pr.branch)).toBe('search.ts');
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe('feature_development as shipped, against a local bare repository and a fake gh', () => {
  it('tells the agent its worktree, pushes the branch with the agent\'s commits, and opens the PR with the full title', async () => {
    const loaded = loadConfig({ dir: path.resolve('config'), env: null });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    h = harness({});
    h.setConfig(loaded.snapshot);
    const hh = h;
    const origin = path.join(hh.dir, 'origin.git');
    git(hh.dir, 'init', '-q', '--bare', '-b', 'main', origin);
    const repo = path.join(hh.dir, 'repo');
    fs.mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, ...GIT_USER, 'commit', '-q', '--allow-empty', '-m', 'init');
    git(repo, 'remote', 'add', 'origin', origin);
    git(repo, 'push', '-q', 'origin', 'main');

    // The fake gh: records each call's arguments (one per line, a blank line between calls).
    const bin = path.join(hh.dir, 'bin');
    fs.mkdirSync(bin);
    const calls = path.join(hh.dir, 'gh-calls.txt');
    fs.writeFileSync(
      path.join(bin, 'gh'),
      `#!/bin/sh\nprintf '%s\\n' "$@" >> '${calls}'\nprintf '\\n' >> '${calls}'\n[ "$1" = "--version" ] && { echo "gh version 2.0.0"; exit 0; }\necho "https://github.example/acme/repo/pull/7"\n`,
      { mode: 0o755 },
    );

    // The agent: told where to work, it commits there and finishes the task.
    const told: { session: string; text: string }[] = [];
    hh.deps.sendPrompt = async (session, text) => {
      told.push({ session, text });
      const m = /work in the git worktree (\S+) \(branch (\S+)\)/.exec(text);
      if (!m) return;
      const worktree = m[1] as string;
      fs.writeFileSync(path.join(worktree, 'search.ts'), 'export const search = (q: string) => q;\n');
      git(worktree, 'add', 'search.ts');
      git(worktree, ...GIT_USER, 'commit', '-q', '-m', 'agent: add search');
      const taskId = Number(/task (\d+)/.exec(text)?.[1]);
      hh.store.writer.prepare("UPDATE tasks SET status = 'completed', completed_at = strftime('%Y-%m-%d %H:%M:%f','now') WHERE id = ?").run(taskId);
    };

    const engine = hh.engine();
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath ?? ''}`;
    try {
      const run = await engine.finished(engine.run('feature_development', { title: 'Search box', prompt: 'Add a search box', project_path: repo }, 'api'));
      expect(run.error).toBeNull();
      expect(run.status).toBe('completed');
      const steps = engine.show(run.id).steps;
      const env = steps.find((s) => s.step === 'create_environment')?.output as { path: string; branch_name: string; told_session: string };
      const pr = steps.find((s) => s.step === 'create_pr')?.output as { status: string; url: string; branch: string; commit: string };

      // create_test_environment honoured session_id: the session the task went to was told its worktree.
      expect(env.told_session).toBe('dev_worker1');
      expect(told.find((t) => t.text.includes(env.path))?.session).toBe('dev_worker1');

      // The branch on the remote has the agent's commit; the PR was opened with the seed's title resolved.
      expect(pr).toMatchObject({ status: 'opened', url: 'https://github.example/acme/repo/pull/7', branch: env.branch_name });
      expect(git(origin, 'log', '-1', '--format=%s', env.branch_name)).toBe('agent: add search');
      expect(git(origin, 'show', '--name-only', '--format=', env.branch_name)).toBe('search.ts');
      const invocations = fs.readFileSync(calls, 'utf8').split('\n\n').filter(Boolean).map((c) => c.split('\n'));
      expect(invocations).toEqual([['--version'], ['pr', 'create', '--head', env.branch_name, '--title', 'Feature: Search box', '--body', `Opened by Architect workflow run ${run.id}.`]]);
      // cleanup removed the worktree; the branch stays for the PR.
      expect(fs.existsSync(env.path)).toBe(false);
      expect(git(repo, 'branch', '--list', env.branch_name)).toContain(env.branch_name);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
