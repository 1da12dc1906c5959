import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
