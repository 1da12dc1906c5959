import { execFile } from 'node:child_process';

// git and gh, run with argument arrays: no shell ever sees a branch name, a title or
// a path that came from a workflow or a task.

/** A git command that takes longer is stuck (a lock, a hung remote). */
export const GIT_TIMEOUT_MS = 60_000;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandMissingError extends Error {
  constructor(readonly command: string) {
    super(`${command} is not installed (not found on PATH)`);
    this.name = 'CommandMissingError';
  }
}

/** Runs a command; resolves with its exit code (never rejects on a non-zero exit). */
export function runCommand(command: string, args: string[], cwd: string, signal?: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: GIT_TIMEOUT_MS, signal, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new CommandMissingError(command));
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs git; throws with git's own message on failure. */
export async function git(args: string[], cwd: string, signal?: AbortSignal): Promise<string> {
  const r = await runCommand('git', args, cwd, signal);
  if (r.code !== 0) throw new Error(`git ${args[0] ?? ''} in ${cwd} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim() || 'no message'}`);
  return r.stdout.trim();
}

export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (await runCommand('git', ['rev-parse', '--is-inside-work-tree'], dir)).code === 0;
  } catch {
    return false;
  }
}

/** The main working tree of the repository a worktree belongs to. */
export async function mainWorktree(worktree: string): Promise<string> {
  const out = await git(['worktree', 'list', '--porcelain'], worktree);
  const first = /^worktree (.+)$/m.exec(out)?.[1];
  if (!first) throw new Error(`git worktree list in ${worktree} named no main worktree`);
  return first;
}
