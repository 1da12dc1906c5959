import fs from 'node:fs';
import path from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import { defaultConfigDir, defaultDataDir, defaultDbPath } from '../paths.js';
import { DatabaseUrlError, isDatabaseUrl, parsePostgresUrl, type PostgresTarget } from '../store/postgres/url.js';
import { queueHostName } from '../tmux/host-name.js';
import { UsageError, type GlobalOptions } from './command.js';

const TMUX_SOCKET_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * A database named on the command line must be in a folder that exists: a typo in
 * the folder would otherwise create a new, empty queue somewhere unexpected. (The
 * data folder itself is created when missing, as for the default database.)
 */
function checkedDbPath(given: string, from: string, dataDir: string): string {
  const file = path.resolve(given);
  const folder = path.dirname(file);
  if (!fs.existsSync(folder) && folder !== dataDir) throw new UsageError(`${from} ${given}: the folder ${folder} does not exist (create it first, or check the path)`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`${from} ${given}: that is a folder; give the database file inside it`);
  return file;
}

function checkedDbUrl(given: string, from: string): PostgresTarget {
  try {
    return parsePostgresUrl(given, from);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Pulls the global options out of argv wherever they stand (`architect --db x
 * tasks list` and `architect tasks list --db x` both work) and leaves the rest to
 * the command, which parses it strictly.
 */
export function parseGlobals(argv: string[], env: NodeJS.ProcessEnv = process.env): { globals: GlobalOptions; rest: string[] } {
  const rest: string[] = [];
  let configDir: string | null = null;
  let dbPath: string | null = null;
  let dbUrl: PostgresTarget | null = null;
  let logLevel: LogLevel = (env.ARCHITECT_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  let envName: string | null = env.ARCHITECT_ENV || null;
  const sockets: string[] = (env.ARCHITECT_TMUX_SOCKETS ?? '').split(',').filter(Boolean);
  let json = false;
  let watchDefaultTmux = env.ARCHITECT_DEFAULT_TMUX !== '0';

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--config':
        configDir = path.resolve(value());
        break;
      case '--db': {
        // A file (SQLite) or postgres://user@host:port/dbname (PostgreSQL); the last one given counts.
        const given = value();
        if (isDatabaseUrl(given)) [dbUrl, dbPath] = [checkedDbUrl(given, '--db'), null];
        else [dbPath, dbUrl] = [checkedDbPath(given, '--db', defaultDataDir(env)), null];
        break;
      }
      case '--env':
        envName = value();
        break;
      case '--tmux-socket': {
        const name = value();
        if (!TMUX_SOCKET_NAME.test(name)) throw new UsageError(`--tmux-socket "${name}": a tmux -L name is letters, digits, ".", "_" and "-"`);
        sockets.push(name);
        break;
      }
      case '--log-level': {
        const level = value();
        if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
        logLevel = level as LogLevel;
        break;
      }
      case '--no-default-tmux':
        watchDefaultTmux = false;
        break;
      case '--json':
        json = true;
        rest.push(arg);
        break;
      default:
        rest.push(arg);
    }
  }
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`ARCHITECT_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  if (dbPath === null && dbUrl === null) {
    // --db wins over the environment; the environment must not name two databases.
    if (env.ARCHITECT_DB && env.ARCHITECT_DB_URL) {
      throw new UsageError('ARCHITECT_DB and ARCHITECT_DB_URL are both set: unset one (ARCHITECT_DB names a SQLite file, ARCHITECT_DB_URL a PostgreSQL database)');
    }
    if (env.ARCHITECT_DB_URL) dbUrl = checkedDbUrl(env.ARCHITECT_DB_URL, 'ARCHITECT_DB_URL');
    else if (env.ARCHITECT_DB && isDatabaseUrl(env.ARCHITECT_DB)) dbUrl = checkedDbUrl(env.ARCHITECT_DB, 'ARCHITECT_DB');
    else if (env.ARCHITECT_DB) dbPath = checkedDbPath(env.ARCHITECT_DB, 'ARCHITECT_DB', defaultDataDir(env));
  }
  return {
    globals: {
      configDir: configDir ?? defaultConfigDir(env),
      // With a PostgreSQL database the file is the default one (ARCHITECT_DB may be the URL).
      dbPath: dbPath ?? (dbUrl ? path.join(defaultDataDir(env), 'architect.db') : defaultDbPath(env)),
      dbUrl,
      ...(dbUrl ? { queueHost: queueHostName(env) } : {}),
      dataDir: defaultDataDir(env),
      env: envName,
      tmuxSockets: [...new Set(sockets)],
      watchDefaultTmux,
      logLevel,
      json,
    },
    rest,
  };
}
