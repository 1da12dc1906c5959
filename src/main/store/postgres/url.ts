// `--db` / ARCHITECT_DB_URL: a file (SQLite) or a postgres:// URL (PostgreSQL).

/** A database named by a postgres:// URL. */
export interface PostgresTarget {
  engine: 'postgres';
  /** What the driver connects with (password included, if the URL had one). */
  url: string;
  /** The URL without its password: what messages and logs show. */
  display: string;
  host: string;
  port: number;
  database: string;
  user: string | null;
}

/** A postgres:// URL that cannot be used: says what is wrong with it, never its password. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** Whether `--db` names a PostgreSQL database rather than a file. */
export function isDatabaseUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** The URL with its password replaced by "***" (for messages). */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}

/**
 * Reads `postgres://user[:password]@host[:port]/dbname[?options]`. The database name is
 * required: defaulting to the user's database would put a team's queue somewhere
 * nobody chose. `from` names where the URL came from (`--db`, `ARCHITECT_DB_URL`).
 */
export function parsePostgresUrl(value: string, from: string): PostgresTarget {
  const display = redactUrl(value);
  if (!isDatabaseUrl(value)) {
    throw new DatabaseUrlError(`${from} ${display}: only postgres:// URLs name a database server (a SQLite database is a file path: --db FILE)`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DatabaseUrlError(`${from} ${display}: not a valid URL (expected postgres://user@host:port/dbname)`);
  }
  if (!url.hostname) throw new DatabaseUrlError(`${from} ${display}: the URL names no host (expected postgres://user@host:port/dbname)`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new DatabaseUrlError(`${from} ${display}: the URL names no database (expected postgres://user@host:port/dbname)`);
  }
  const port = url.port ? Number(url.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DatabaseUrlError(`${from} ${display}: port ${url.port} is not a TCP port`);
  return {
    engine: 'postgres',
    url: value,
    display,
    host: url.hostname,
    port,
    database,
    user: url.username ? decodeURIComponent(url.username) : null,
  };
}
