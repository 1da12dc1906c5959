import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;
import type { Writable } from 'node:stream';
import { createLogger } from '../../log/logger.js';
import { migrations } from '../../store/migrations/index.js';
import { seedDatabase } from '../../store/seed.js';
import { openStoreToRead } from '../../store/read-only.js';
import { openStore } from '../../store/store.js';
import { sessionCount } from '../../store/one-off-reads.js';
import { analyze, copySqliteToPostgres } from '../../store/postgres/copy.js';
import { postgresInfo } from '../../store/postgres/info.js';
import { openPool } from '../../store/postgres/pool.js';
import { DatabaseUrlError, isDatabaseUrl, parsePostgresUrl, type PostgresTarget } from '../../store/postgres/url.js';
import fs from 'node:fs';
import { EXIT_OK, UsageError, type CliCommand, type CliContext } from '../command.js';

const USAGE = `architect db seed --tasks N --sessions M [--seed S]
architect db info [--json]
architect db migrate-to postgres://user@host:port/dbname [--batch N]

seed fills the database (--db / ARCHITECT_DB) with realistic tasks over the past
week, sessions, projects and errors; the same --seed gives the same data.
info prints the file (or PostgreSQL database), schema version and task counts.
migrate-to copies the SQLite database (--db FILE / ARCHITECT_DB) into an empty
PostgreSQL database: every table, in batches of N rows (default 1000), in one
transaction, verified by counting each table; a target that is not empty is refused
and left unchanged.`;

const PROGRESS_BAR_CHARS = 30;
const MAX_BATCH_ROWS = 100_000;
const MAX_SEED_TASKS = 10_000_000;
const MAX_SEED_SESSIONS = 10_000;

function parse<O extends ParseArgsOptions>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function count(name: string, value: unknown, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const text = String(value);
  if (value === undefined || !/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`--${name} expects an integer from 0 to ${max}, got ${value === undefined ? 'nothing' : `"${text}"`}`);
  return Number(text);
}

function progressBar(out: Writable): ((done: number, total: number) => void) | undefined {
  if (!(out as NodeJS.WriteStream).isTTY) return undefined;
  return (done, total) => {
    const filled = Math.round((done / total) * PROGRESS_BAR_CHARS);
    out.write(`\r[${'#'.repeat(filled)}${' '.repeat(PROGRESS_BAR_CHARS - filled)}] ${done}/${total} tasks${done === total ? '\n' : ''}`);
  };
}

function targetOf(given: string | undefined): PostgresTarget {
  if (given === undefined) throw new UsageError('migrate-to needs the PostgreSQL database: architect db migrate-to postgres://user@host:port/dbname');
  if (!isDatabaseUrl(given)) throw new UsageError(`migrate-to ${given}: the target is a postgres://user@host:port/dbname URL (the SQLite source is --db FILE)`);
  try {
    return parsePostgresUrl(given, 'migrate-to');
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new UsageError(err.message);
    throw err;
  }
}

async function migrateTo(rest: string[], ctx: CliContext, logger: ReturnType<typeof createLogger>): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({ args: rest, options: { batch: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  if (positionals.length > 1) throw new UsageError(`migrate-to takes one database URL (got ${positionals.length})`);
  const target = targetOf(positionals[0]);
  const batchRows = count('batch', values.batch, MAX_BATCH_ROWS, 1000);
  if (batchRows === 0) throw new UsageError('--batch expects an integer from 1 to 100000, got "0"');
  const source = ctx.globals.dbPath;
  // A missing file would be created empty and "copied": say so instead.
  if (!fs.existsSync(source)) throw new UsageError(`there is no SQLite database at ${source} to copy (give it with --db FILE)`);
  const store = openStore({ path: source, logger });
  try {
    const pool = await openPool(target, { max: 1, applicationName: 'architect db migrate-to' });
    try {
      ctx.stderr.write(`copying ${store.path} into ${target.display}\n`);
      const started = performance.now();
      const report = await copySqliteToPostgres(store.reader, pool, target, {
        batchRows,
        onTable: ({ table, rows }) => ctx.stderr.write(`  ${table.padEnd(24)} ${rows} rows\n`),
      });
      await analyze(pool);
      const seconds = (performance.now() - started) / 1000;
      if (values.json || ctx.globals.json) {
        ctx.stdout.write(JSON.stringify({ source: store.path, ...report, verified: true, seconds: Number(seconds.toFixed(2)) }, null, 2) + '\n');
      } else {
        ctx.stdout.write(`copied ${report.rows} rows in ${report.tables.length} tables from ${store.path} into ${report.target} in ${seconds.toFixed(1)} s; every table's row count verified\n`);
      }
    } finally {
      await pool.end();
    }
  } finally {
    store.close();
  }
  return EXIT_OK;
}

async function infoOnPostgres(target: PostgresTarget, json: boolean, ctx: CliContext): Promise<number> {
  const pool = await openPool(target, { max: 1, applicationName: 'architect db info' });
  try {
    const info = { database: target.display, knownVersion: migrations.length, ...(await postgresInfo(pool)) };
    if (json) ctx.stdout.write(JSON.stringify(info, null, 2) + '\n');
    else {
      ctx.stdout.write(`database ${info.database} (PostgreSQL, schema ${info.schemaVersion}/${info.knownVersion}), ${info.sessions} sessions\n`);
      for (const [status, n] of Object.entries(info.counts)) ctx.stdout.write(`  ${status.padEnd(12)} ${n}\n`);
    }
  } finally {
    await pool.end();
  }
  return EXIT_OK;
}

export const dbCommand: CliCommand = {
  name: 'db',
  summary: 'seed, inspect or move the database',
  usage: USAGE,
  postgres: {
    runs: ['db info', 'db migrate-to'],
    accepts: (args) => args[0] === 'info' || args[0] === 'migrate-to',
  },
  async run(args: string[], ctx: CliContext): Promise<number> {
    const [sub, ...rest] = args;
    const logger = createLogger({ level: ctx.globals.logLevel, console: ctx.stderr });
    if (sub === 'migrate-to') return migrateTo(rest, ctx, logger);
    if (sub === 'info' && ctx.globals.dbUrl) {
      const { values } = parse(rest, { json: { type: 'boolean' } });
      return infoOnPostgres(ctx.globals.dbUrl, Boolean(values.json || ctx.globals.json), ctx);
    }
    if (sub === 'seed') {
      const { values } = parse(rest, { tasks: { type: 'string' }, sessions: { type: 'string' }, seed: { type: 'string' } });
      const tasks = count('tasks', values.tasks, MAX_SEED_TASKS);
      const sessions = count('sessions', values.sessions, MAX_SEED_SESSIONS);
      const seed = count('seed', values.seed, 2 ** 32 - 1, 1);
      const store = openStore({ path: ctx.globals.dbPath, logger });
      try {
        const started = performance.now();
        seedDatabase(store, { tasks, sessions, seed, onProgress: progressBar(ctx.stderr) });
        const seconds = (performance.now() - started) / 1000;
        ctx.stdout.write(`seeded ${tasks} tasks and ${sessions} sessions into ${store.path} in ${seconds.toFixed(1)} s (seed ${seed})\n`);
      } finally {
        store.close();
      }
      return EXIT_OK;
    }
    if (sub === 'info') {
      const { values } = parse(rest, { json: { type: 'boolean' } });
      const store = openStoreToRead({ path: ctx.globals.dbPath, logger });
      try {
        const info = {
          path: store.path,
          schemaVersion: store.writer.pragma('user_version', { simple: true }) as number,
          knownVersion: migrations.length,
          counts: store.tasks.counts(),
          sessions: sessionCount(store.writer),
        };
        if (values.json || ctx.globals.json) ctx.stdout.write(JSON.stringify(info, null, 2) + '\n');
        else {
          ctx.stdout.write(`database ${info.path} (schema ${info.schemaVersion}/${info.knownVersion}), ${info.sessions} sessions\n`);
          for (const [status, n] of Object.entries(info.counts)) ctx.stdout.write(`  ${status.padEnd(12)} ${n}\n`);
        }
      } finally {
        store.close();
      }
      return EXIT_OK;
    }
    throw new UsageError(sub ? `unknown db subcommand "${sub}"` : 'db needs seed, info or migrate-to');
  },
};
