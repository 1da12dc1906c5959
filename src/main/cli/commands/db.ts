import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;
import type { Writable } from 'node:stream';
import { createLogger } from '../../log/logger.js';
import { migrations } from '../../store/migrations/index.js';
import { seedDatabase } from '../../store/seed.js';
import { openStoreToRead } from '../../store/read-only.js';
import { openStore } from '../../store/store.js';
import { EXIT_OK, UsageError, type CliCommand, type CliContext } from '../command.js';

const USAGE = `architect db seed --tasks N --sessions M [--seed S]
architect db info [--json]

seed fills the database (--db / ARCHITECT_DB) with realistic tasks over the past
week, sessions, projects and errors; the same --seed gives the same data.
info prints the file, schema version and task counts.`;

const PROGRESS_BAR_CHARS = 30;
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

export const dbCommand: CliCommand = {
  name: 'db',
  summary: 'seed or inspect the database',
  usage: USAGE,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const [sub, ...rest] = args;
    const logger = createLogger({ level: ctx.globals.logLevel, console: ctx.stderr });
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
          sessions: store.writer.prepare('SELECT COUNT(*) FROM sessions').pluck().get() as number,
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
    throw new UsageError(sub ? `unknown db subcommand "${sub}"` : 'db needs seed or info');
  },
};
