import fs from 'node:fs';
import { runSpawned, type SpawnResult } from '../../tmux/spawner.js';

// git and gh, run with argument arrays: no shell ever sees a branch name, a title or
// a path that came from a workflow or a task. In the console they are forked by its
// spawn helper, not by the console (tmux/spawner.ts: a fork from the console costs its
// main thread 20-130 ms); tests and the CLI fork them here.

/** A git command that takes longer is stuck (a lock, a hung remote). */
export const GIT_TIMEOUT_MS = 60_000;
/** More output than this ends the command: execFile's default, which these commands always had (they print a line or a few). */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Aborting it kills the command (SIGTERM); runCommand then rejects with an AbortError. */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class CommandMissingError extends Error {
  constructor(readonly command: string) {
    super(`${command} is not installed (not found on PATH)`);
    this.name = 'CommandMissingError';
  }
}

/** A command as its errors name it. */
interface Where {
  command: string;
  args: string[];
  cwd: string;
  timeoutMs: number;
}

/**
 * Runs a command; resolves with its exit code (never rejects on a non-zero exit).
 * Rejects when it cannot start (CommandMissingError when it is not on PATH), when it was
 * killed (over its time, too much output) and with an AbortError when `signal` aborted.
 */
export function runCommand(command: string, args: string[], cwd: string, opts: CommandOptions = {}): Promise<CommandResult> {
  const { signal, timeoutMs = GIT_TIMEOUT_MS } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  // No prompt for credentials: nobody is at this command's terminal to answer it.
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  const where: Where = { command, args, cwd, timeoutMs };
  return runSpawned({ file: command, argv: args, cwd, env, timeoutMs, maxBytes: MAX_OUTPUT_BYTES }, signal).then(
    (r) => answer(where, r, signal),
    (err: Error) => {
      throw new Error(`cannot run ${command} in ${cwd}: ${err.message}`);
    },
  );
}

/** The same answer whichever process forked the command. */
function answer(where: Where, r: SpawnResult, signal: AbortSignal | undefined): CommandResult {
  const { command, args, cwd, timeoutMs } = where;
  const what = `${command} ${args[0] ?? ''} in ${cwd}`;
  if ('error' in r) {
    if (r.errno === 'ENOENT') {
      // A missing working directory fails the same way as a missing program.
      if (!fs.existsSync(cwd)) throw new Error(`cannot run ${command}: its working directory ${cwd} does not exist`);
      throw new CommandMissingError(command);
    }
    throw Object.assign(new Error(`cannot run ${what}: ${r.error}`), { code: r.errno ?? undefined });
  }
  if (signal?.aborted) throw abortError(signal);
  // Killed for its time or output: whatever code it ended with (a program may exit on its
  // own once its pipes close), its answer is cut short.
  if (r.killed === 'timeout') throw new Error(`${what} did not finish in ${timeoutMs / 1000} s and was killed`);
  if (r.killed === 'output') throw new Error(`${what} printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB and was killed`);
  if (r.code !== null) return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  throw new Error(`${what} was killed by ${r.signal ?? 'a signal'}${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
}

/** An AbortError, as execFile (which ran these before the spawn helper) rejected with when its signal aborted. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Runs git; throws with git's own message on failure. */
export async function git(args: string[], cwd: string, signal?: AbortSignal): Promise<string> {
  const r = await runCommand('git', args, cwd, { signal });
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
