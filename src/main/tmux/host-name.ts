import os from 'node:os';
import type { GlobalOptions } from '../cli/command.js';
import { UserError } from '../user-error.js';

/** The variable that names this machine on a shared queue instead of its host name. */
export const HOST_NAME_VARIABLE = 'ARCHITECT_HOST_NAME';

/**
 * Why `name` cannot name a machine in session names (`HOST:w1`, `b@HOST:w1`), or null
 * when it can. Refused: empty, and `:` `.` `@` (they separate the parts of a session
 * name: `b@HOST:w1.0.1`), whitespace and control characters (a name typed in a config
 * file or shown on a card must read as what it is).
 */
export function hostNameProblem(name: string): string | null {
  if (name === '') return 'it is empty';
  const bad = /[:.@\s\p{Cc}]/u.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])} (a machine name has no ":", ".", "@", whitespace or control characters)`;
  return null;
}

/**
 * The name this machine's local tmux sessions carry on a shared queue: ARCHITECT_HOST_NAME
 * when set (containers with random host names, tests), else the short host name (the
 * system's up to its first `.`). A bad value is the caller's mistake: it throws saying
 * which variable and what value, before anything is started.
 */
export function queueHostName(env: NodeJS.ProcessEnv = process.env, systemName: () => string = os.hostname): string {
  const override = env[HOST_NAME_VARIABLE];
  if (override !== undefined) {
    const problem = hostNameProblem(override);
    if (problem) throw new UserError(`${HOST_NAME_VARIABLE}=${JSON.stringify(override)} cannot name this machine in session names on a shared queue: ${problem}`);
    return override;
  }
  const full = systemName();
  const short = full.split('.')[0] ?? '';
  const problem = hostNameProblem(short);
  if (problem) {
    throw new UserError(`this machine's host name ${JSON.stringify(full)} cannot name it in session names on a shared queue (${problem}): set ${HOST_NAME_VARIABLE} to a name for it`);
  }
  return short;
}

/**
 * The name a command's or a console's local sessions carry, from its global options: on
 * a shared queue (`--db postgres://…` or ARCHITECT_DB_URL) this machine's (queueHost,
 * set by parseGlobals; worked out here for options built otherwise), else none.
 */
export function globalsQueueHost(globals: Pick<GlobalOptions, 'dbUrl' | 'queueHost'>): string | undefined {
  return globals.dbUrl ? (globals.queueHost ?? queueHostName()) : undefined;
}
