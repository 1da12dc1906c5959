import fs from 'node:fs';
import path from 'node:path';
import { StepFailure, type FunctionContext, type FunctionHandler, type Row } from '../types.js';
import { git, isGitRepo, mainWorktree } from './git.js';
import { taskMetadataText } from '../../store/one-off-reads.js';
import { freePort } from '../../assigner/environment.js';

// A test environment is a git worktree of the task's project on its own branch plus
// a free port for its dev server: agents working in parallel never share a checkout.

/** The seed's default port_range when a rule names none. */
export const DEFAULT_PORT_RANGE: readonly [number, number] = [3000, 3099];

/** The project: named in the step input, else in the run's input, else the project of the task. */
function projectPath(input: Row, ctx: FunctionContext): string | null {
  const run = ctx.scope.input;
  const given = input.project_path ?? run.project_path;
  if (typeof given === 'string' && given) return path.resolve(given);
  let projectId = input.project_id ?? run.project_id;
  const taskId = input.task_id ?? Object.values(ctx.scope.rows).find((r) => r.table === 'tasks')?.id;
  if (projectId === undefined && taskId !== undefined) {
    projectId = ctx.deps.store.tasks.get(Number(taskId))?.projectId;
  }
  if (typeof projectId !== 'number') return null;
  return ctx.deps.store.projects.get(projectId)?.path ?? null;
}

function portRange(value: unknown): [number, number] {
  if (Array.isArray(value) && value.length === 2 && value.every((p) => Number.isInteger(p) && p > 0 && p < 65536) && value[0] <= value[1]) {
    return [value[0] as number, value[1] as number];
  }
  if (value === undefined || value === null) return [...DEFAULT_PORT_RANGE];
  throw new StepFailure(`create_test_environment: port_range must be [first, last], got ${JSON.stringify(value)}`, 'step_failed', 'create_test_environment');
}

/** The task this step is about: its input task_id, else the task a `database` step of this run inserted. */
function taskOf(input: Row, ctx: FunctionContext): number | null {
  const given = Number(input.task_id);
  if (Number.isInteger(given) && given > 0) return given;
  return Object.values(ctx.scope.rows).find((r) => r.table === 'tasks')?.id ?? null;
}

/** The environment the assigner made for the task when it sent it to an agent (requires_env + auto_create_env), if any. */
function assignedEnvironment(taskId: number | null, ctx: FunctionContext): { worktree: string; branch: string | null; port: number | null } | null {
  if (taskId === null) return null;
  const text = taskMetadataText(ctx.deps.store.reader, taskId);
  if (!text) return null;
  try {
    const env = (JSON.parse(text) as { env?: { worktree?: unknown; branch?: unknown; port?: unknown } }).env;
    if (!env || typeof env.worktree !== 'string') return null;
    return { worktree: env.worktree, branch: typeof env.branch === 'string' ? env.branch : null, port: typeof env.port === 'number' ? env.port : null };
  } catch {
    return null;
  }
}

/** The line that tells an agent where to work (the assigner's preamble says the same for its own environments). */
export function environmentMessage(env: { path: string; branch: string; port: number }, taskId: number | null): string {
  return `[Architect${taskId !== null ? `, task ${taskId}` : ''}: work in the git worktree ${env.path} (branch ${env.branch}) and commit your changes there; use port ${env.port} for any server you start]`;
}

export const createTestEnvironment: FunctionHandler = {
  async run(input, ctx) {
    const taskId = taskOf(input, ctx);
    // The agent already works in the environment the assigner made for this task:
    // the PR is made from that branch, and the assigner removes its worktree.
    const assigned = assignedEnvironment(taskId, ctx);
    if (assigned) {
      return { status: 'assigned', env_id: null, path: assigned.worktree, branch_name: assigned.branch, port: assigned.port, task_id: taskId, reason: 'the environment the assigner made when it sent the task' };
    }
    const range = portRange(input.port_range);
    const project = projectPath(input, ctx);
    // The assigner's probe: the first port of the range nothing listens on.
    const port = await freePort(range, new Set());
    if (port === null) throw new StepFailure(`create_test_environment: no free port in ${range[0]}–${range[1]}`, 'step_failed', 'create_test_environment');
    if (!project) return { status: 'skipped', reason: 'no project: give project_path or project_id, or a task that belongs to a project', port, env_id: null };
    if (!(await isGitRepo(project))) return { status: 'skipped', reason: `project ${project} is not a git repository`, port, env_id: null };
    // Named by the idempotency key's run: a resumed attempt finds its own worktree.
    const name = `run-${ctx.runId}-${ctx.idempotencyKey.split(':')[1]?.replace(/[^A-Za-z0-9_-]/g, '_') ?? 'env'}`;
    const where = path.join(ctx.deps.worktreesDir, name);
    const branch = typeof input.branch === 'string' && input.branch ? input.branch : `architect/${name}`;
    if (!fs.existsSync(where)) {
      fs.mkdirSync(ctx.deps.worktreesDir, { recursive: true });
      const exists = (await git(['branch', '--list', branch], project, ctx.signal)) !== '';
      await git(exists ? ['worktree', 'add', where, branch] : ['worktree', 'add', '-b', branch, where, 'HEAD'], project, ctx.signal);
    }
    // The session the task went to is told where to work (once, even on a resumed attempt).
    const session = typeof input.session_id === 'string' && input.session_id.trim() ? input.session_id.trim() : null;
    let told: string | null = null;
    if (session) {
      const text = environmentMessage({ path: where, branch, port }, taskId);
      await ctx.once('tell', async () => {
        await ctx.deps.sendPrompt(session, text);
        return { sent: true };
      });
      told = session;
    }
    return { status: 'created', env_id: where, path: where, branch_name: branch, port, project_path: project, task_id: taskId, told_session: told };
  },
  async compensate(output, ctx) {
    await removeEnvironment(output.env_id, ctx, { deleteBranch: typeof output.branch_name === 'string' ? output.branch_name : null });
  },
};

export const cleanupEnvironment: FunctionHandler = {
  async run(input, ctx) {
    if (typeof input.env_id !== 'string' || !input.env_id) return { status: 'skipped', reason: 'no environment to clean up (env_id is empty)' };
    return removeEnvironment(input.env_id, ctx, { deleteBranch: null });
  },
};

/** Removes a worktree (its branch stays, unless rolling back: a PR may use it). */
async function removeEnvironment(envId: unknown, ctx: FunctionContext, opts: { deleteBranch: string | null }): Promise<Row> {
  if (typeof envId !== 'string' || !envId) return { status: 'skipped', reason: 'no environment' };
  const where = path.resolve(envId);
  // Only what this engine created: never remove a folder outside the worktrees folder.
  if (!where.startsWith(path.resolve(ctx.deps.worktreesDir) + path.sep)) {
    throw new StepFailure(`cleanup_environment: ${where} is not under ${ctx.deps.worktreesDir}; refusing to remove it`, 'step_failed', 'cleanup_environment');
  }
  if (!fs.existsSync(where)) return { status: 'already_removed', env_id: where };
  const repo = await mainWorktree(where);
  await git(['worktree', 'remove', '--force', where], repo, ctx.signal);
  if (opts.deleteBranch) await git(['branch', '-D', opts.deleteBranch], repo, ctx.signal);
  return { status: 'removed', env_id: where };
}
