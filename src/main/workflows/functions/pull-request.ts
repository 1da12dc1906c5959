import fs from 'node:fs';
import path from 'node:path';
import { StepFailure, type FunctionContext, type FunctionHandler, type Row } from '../types.js';
import { CommandMissingError, git, runCommand } from './git.js';

/** The repository a removed worktree belonged to: project_path given, or the environment step's, or the assigner's `<repo>.worktrees/` layout. */
async function repositoryOf(worktree: string, input: Row, ctx: FunctionContext): Promise<string | null> {
  const candidates = [input.project_path, ctx.scope.input.project_path, ...Object.values(ctx.scope.steps).map((o) => (o as { project_path?: unknown } | null)?.project_path)];
  const parent = path.dirname(worktree);
  if (parent.endsWith('.worktrees')) candidates.push(parent.slice(0, -'.worktrees'.length));
  for (const c of candidates) if (typeof c === 'string' && c && fs.existsSync(c)) return c;
  return null;
}

// create_pull_request commits the environment's work on its branch. Pushing and
// opening the PR need a git remote and the gh CLI; without them the result says
// `skipped` and why, and the commit stays on the local branch.

/** Used only when the repository has no user configured, so a commit never fails for it. */
const FALLBACK_AUTHOR = ['-c', 'user.name=Architect', '-c', 'user.email=architect@localhost'];

/** The worktree holding a branch: given, or the environment an earlier step of this run created. */
function worktreeFor(branch: string, given: unknown, ctx: FunctionContext): string | null {
  if (typeof given === 'string' && given) return given;
  for (const output of Object.values(ctx.scope.steps)) {
    const env = output as { branch_name?: unknown; path?: unknown } | null;
    if (env && env.branch_name === branch && typeof env.path === 'string') return env.path;
  }
  return null;
}

export const createPullRequest: FunctionHandler = {
  async run(input, ctx) {
    const branch = typeof input.branch === 'string' ? input.branch : '';
    const title = typeof input.title === 'string' && input.title.trim() ? input.title.trim() : `Architect workflow run ${ctx.runId}`;
    if (!branch) return { status: 'skipped', reason: 'no branch (the environment step did not run or created none)' };
    const found = worktreeFor(branch, input.path ?? input.env_id, ctx);
    if (!found) return { status: 'skipped', reason: `no worktree for branch ${branch} in this run; give input path` };
    // The assigner removes its worktree when the task ends (the branch stays): work from the repository then.
    const where = fs.existsSync(found) ? found : await repositoryOf(found, input, ctx);
    if (!where) return { status: 'skipped', reason: `the worktree ${found} of branch ${branch} is gone and no project_path names its repository` };

    const onBranch = (await git(['rev-parse', '--abbrev-ref', 'HEAD'], where, ctx.signal)) === branch;
    if (onBranch) await git(['add', '-A'], where, ctx.signal);
    const staged = onBranch ? await runCommand('git', ['diff', '--cached', '--quiet'], where, { signal: ctx.signal }) : { code: 0, stdout: '', stderr: '' };
    const hasUser = (await runCommand('git', ['config', 'user.email'], where)).code === 0;
    // A resumed attempt finds its commit already made: nothing staged, no second commit.
    if (staged.code === 1) await git([...(hasUser ? [] : FALLBACK_AUTHOR), 'commit', '-m', title], where, ctx.signal);
    const committed = staged.code === 1 ? 'committed' : 'had nothing new to commit';
    const commit = await git(['rev-parse', branch], where, ctx.signal);

    const remote = (await git(['remote'], where, ctx.signal)).split('\n')[0]?.trim();
    if (!remote) return { status: 'skipped', reason: `no git remote configured; ${branch} ${committed}, kept locally`, branch, commit };
    try {
      await runCommand('gh', ['--version'], where);
    } catch (e) {
      if (e instanceof CommandMissingError) return { status: 'skipped', reason: `gh CLI not installed; ${branch} ${committed}, kept locally, not pushed`, branch, commit };
      throw e;
    }
    return ctx.once('open', async () => {
      await git(['push', '-u', remote, branch], where, ctx.signal);
      const body = typeof input.body === 'string' ? input.body : `Opened by Architect workflow run ${ctx.runId}.`;
      const pr = await runCommand('gh', ['pr', 'create', '--head', branch, '--title', title, '--body', body], where, { signal: ctx.signal });
      if (pr.code !== 0) throw new StepFailure(`create_pull_request: gh pr create failed: ${pr.stderr.trim()}`, 'step_failed', 'create_pull_request');
      return { status: 'opened', url: pr.stdout.trim(), branch, commit };
    });
  },
};
