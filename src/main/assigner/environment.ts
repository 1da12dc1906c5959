// A working environment for a task whose route says `requires_env` +
// `auto_create_env`: a free port from `port_range` and a git worktree of the
// task's project, both released when the task ends. git runs through runProgram
// with an argument array (no shell ever sees a path or a task id), so in the console
// the spawn helper forks it, not the console (tmux/spawner.ts: a fork from the console
// cost 20-140 ms of its main thread each).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { RouteRule } from '../config/schemas/routing.js';
import { runProgram } from '../tmux/server.js';

/** A git command that takes longer than this is stuck (a lock, a network mount). */
const GIT_TIMEOUT_MS = 30_000;
/** Worktrees go beside the repository (`repo.worktrees/task-12`), not inside it where `git status` would show them. */
const WORKTREES_SUFFIX = '.worktrees';
const LOOPBACK = '127.0.0.1';

export interface TaskEnvironment {
  port: number | null;
  worktree: string | null;
  branch: string | null;
  /** Why something was not set up (no git repo, every port in use); shown in the trail. */
  note: string | null;
}

export async function git(cwd: string, args: string[]): Promise<string> {
  try {
    return await runProgram('git', args, { cwd, timeoutMs: GIT_TIMEOUT_MS });
  } catch (err) {
    throw new Error(`git ${args[0] ?? ''} in ${cwd} failed: ${(err as Error).message}`);
  }
}

/** True when something else already listens on the port (or it cannot be bound). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen({ port, host: LOOPBACK, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** The first port of [first, last] neither given to an open task nor listened on. */
export async function freePort(range: readonly [number, number], taken: ReadonlySet<number>): Promise<number | null> {
  const [first, last] = range;
  for (let port = first; port <= last; port++) {
    if (taken.has(port)) continue;
    if (!(await portInUse(port))) return port;
  }
  return null;
}

/**
 * The top of the work tree dir is in, or null when it is in none: one git, and none at
 * all for a path that does not exist (git could not even start there).
 */
async function workTreeRoot(dir: string): Promise<string | null> {
  try {
    if (!(await fs.promises.stat(dir)).isDirectory()) return null;
    const [inside, root] = (await git(dir, ['rev-parse', '--is-inside-work-tree', '--show-toplevel'])).trim().split('\n');
    return inside === 'true' && root ? root : null;
  } catch {
    return null;
  }
}

export function needsEnvironment(rule: RouteRule | undefined): boolean {
  return Boolean(rule?.requires_env && rule.auto_create_env);
}

export async function createEnvironment(
  taskId: number,
  rule: RouteRule,
  projectPath: string | null,
  takenPorts: ReadonlySet<number>,
): Promise<TaskEnvironment> {
  const notes: string[] = [];
  let port: number | null = null;
  if (rule.port_range) {
    port = await freePort(rule.port_range, takenPorts);
    if (port === null) notes.push(`no free port in ${rule.port_range[0]}–${rule.port_range[1]}`);
  }
  let worktree: string | null = null;
  let branch: string | null = null;
  const root = projectPath ? await workTreeRoot(projectPath) : null;
  if (!projectPath) notes.push('the task has no project, so no worktree');
  else if (!root) notes.push(`${projectPath} is not a git repository, so no worktree`);
  else {
    worktree = path.join(`${root}${WORKTREES_SUFFIX}`, `task-${taskId}`);
    branch = `architect/task-${taskId}`;
    fs.mkdirSync(path.dirname(worktree), { recursive: true });
    // -B: a retried task starts its branch again from HEAD rather than failing on the old one.
    await git(root, ['worktree', 'add', '-B', branch, worktree, 'HEAD']);
  }
  return { port, worktree, branch, note: notes.length ? notes.join('; ') : null };
}

/**
 * Removes the worktree unless it holds uncommitted work (git refuses without
 * --force, and we never force: the agent's changes are the point of the task).
 * The branch stays, with whatever the agent committed. Returns what happened.
 */
export async function releaseEnvironment(env: TaskEnvironment): Promise<string> {
  if (!env.worktree) return 'nothing to release';
  if (!fs.existsSync(env.worktree)) return `worktree ${env.worktree} was already gone`;
  try {
    await git(env.worktree, ['worktree', 'remove', env.worktree]);
    return `worktree ${env.worktree} removed (branch ${env.branch ?? '?'} kept)`;
  } catch (err) {
    return `worktree ${env.worktree} kept: ${(err as Error).message}`;
  }
}

/**
 * The line the agent reads before the task's own prompt, so it works in the right
 * place, and how its work gets merged (the route's merge_via_pr): committed on the
 * branch for a pull request, or merged by the agent itself into the branch the
 * project has checked out.
 */
export function environmentPreamble(env: TaskEnvironment, mergeViaPr = false): string {
  const parts: string[] = [];
  if (env.worktree) {
    parts.push(`work in the git worktree ${env.worktree} (branch ${env.branch ?? ''})`);
    parts.push(mergeViaPr ? 'commit your work on that branch and do not merge it: it goes in through a pull request' : "when done, commit and merge that branch into the project's checked-out branch yourself (no pull request)");
  }
  if (env.port !== null) parts.push(`use port ${env.port} for any server you start`);
  return parts.length ? `[Architect: ${parts.join('; ')}]\n\n` : '';
}

export function environmentOf(metadata: Record<string, unknown>): TaskEnvironment | null {
  const env = metadata.env;
  if (!env || typeof env !== 'object') return null;
  const e = env as Partial<TaskEnvironment>;
  return {
    port: typeof e.port === 'number' ? e.port : null,
    worktree: typeof e.worktree === 'string' ? e.worktree : null,
    branch: typeof e.branch === 'string' ? e.branch : null,
    note: typeof e.note === 'string' ? e.note : null,
  };
}
