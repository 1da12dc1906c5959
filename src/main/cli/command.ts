import type { Writable } from 'node:stream';
import type { LogLevel } from '../log/logger.js';
import type { PostgresTarget } from '../store/postgres/url.js';
import { UserError } from '../user-error.js';

/** Options every command understands (see `architect --help`). */
export interface GlobalOptions {
  configDir: string;
  /** The SQLite database (the default engine). */
  dbPath: string;
  /**
   * `--db postgres://…` or ARCHITECT_DB_URL: the PostgreSQL database instead of the
   * SQLite file. Only the commands whose `postgres` says so run on it (index.ts).
   */
  dbUrl?: PostgresTarget | null;
  /**
   * Set with `dbUrl` (a shared queue): the name this machine's local tmux sessions carry
   * there (`HOST:w1`; ARCHITECT_HOST_NAME or the short host name, queueHostName).
   */
  queueHost?: string;
  dataDir: string;
  /** `ARCHITECT_ENV`: which environments/NAME.yaml layers over the base. */
  env: string | null;
  /** tmux `-L` servers watched besides the default one. */
  tmuxSockets: string[];
  /** Watch the default tmux server (off with `--no-default-tmux` / `ARCHITECT_DEFAULT_TMUX=0`). */
  watchDefaultTmux: boolean;
  logLevel: LogLevel;
  json: boolean;
}

export interface CliContext {
  globals: GlobalOptions;
  stdout: Writable;
  stderr: Writable;
  /** Resolves when the user asks to stop (Ctrl-C); long-running commands await it. */
  interrupted: Promise<void>;
}

/** Exit codes: 0 ok, 1 a problem found (e.g. config errors), 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_PROBLEM = 1;
export const EXIT_USAGE = 2;

/** Thrown for bad arguments; the CLI prints the message and the usage, exit 2. */
export class UsageError extends UserError {}

export interface CliCommand {
  /** `config`, `tasks`, … (subcommands are parsed by the command itself). */
  name: string;
  summary: string;
  /** Multi-line usage shown by `architect help NAME` and on a usage error. */
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
  /**
   * Whether this command (with these arguments) runs on a PostgreSQL database given
   * with `--db postgres://…`. Absent: it does not yet, and the CLI says so instead
   * of quietly using the SQLite file.
   */
  postgres?: {
    /** What runs on PostgreSQL, for the message when something else is asked ("db info"). */
    runs: string[];
    accepts: (args: string[]) => boolean;
  };
}
