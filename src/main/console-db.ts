// Which database a console runs on, from the global options: the same rule for
// `architect serve` (web.ts) and the desktop app (index.ts). On a shared queue
// (`--db postgres://…` or ARCHITECT_DB_URL) the tasks live in PostgreSQL and the console
// keeps its own state (sessions, attention, notifications) in a file of its data folder.
import path from 'node:path';
import { parseGlobals } from './cli/globals.js';
import type { GlobalOptions } from './cli/command.js';
import { stallThresholdFrom } from './log/watchdog.js';
import type { PostgresTarget } from './store/postgres/url.js';
import { globalsQueueHost } from './tmux/host-name.js';

/** A console on a shared queue keeps its own state here, in its data folder. */
export const SHARED_CONSOLE_DB = 'console.db';

export interface ConsoleDatabase {
  /** The console's SQLite file: the queue itself, or (on a shared queue) its own state. */
  dbPath: string;
  sharedQueue?: PostgresTarget;
  /** With `sharedQueue`: the name this machine's local sessions carry on it (GlobalOptions.queueHost). */
  queueHost?: string;
}

export function consoleDatabase(globals: Pick<GlobalOptions, 'dbPath' | 'dbUrl' | 'dataDir' | 'queueHost'>): ConsoleDatabase {
  if (!globals.dbUrl) return { dbPath: globals.dbPath };
  return { dbPath: path.join(globals.dataDir, SHARED_CONSOLE_DB), sharedQueue: globals.dbUrl, queueHost: globalsQueueHost(globals) };
}

/**
 * The desktop app's options, read the way the CLI reads them: `--db FILE|URL`,
 * `--config DIR`, `--env NAME`, `--tmux-socket NAME` on its command line (Electron's
 * own arguments are left alone), else ARCHITECT_DB / ARCHITECT_DB_URL and the other
 * variables. A bad value throws with the CLI's message (the app shows it and quits).
 */
export function desktopOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ConsoleDatabase & Pick<GlobalOptions, 'configDir' | 'dataDir' | 'env' | 'tmuxSockets'> & { stallLogMs: number } {
  const { globals } = parseGlobals([...argv], env);
  return { ...consoleDatabase(globals), configDir: globals.configDir, dataDir: globals.dataDir, env: globals.env, tmuxSockets: globals.tmuxSockets, stallLogMs: stallThresholdFrom(env) };
}
