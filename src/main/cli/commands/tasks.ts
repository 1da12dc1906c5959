import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptions = NonNullable<ParseArgsConfig['options']>;
import { TaskStatus, type Task } from '../../../shared/api.js';
import { createLogger } from '../../log/logger.js';
import { renderTable } from '../../queries/text-table.js';
import { openStoreToRead } from '../../store/read-only.js';
import { openStore, type Store } from '../../store/store.js';
import { InvalidTaskError, TaskFinishedError, TaskNotFoundError } from '../../store/tasks.js';
import type { ConfigSnapshot } from '../../config/snapshot.js';
import { cliConfig } from '../config.js';
import { TaskService, taskDefaults } from '../../tasks/service.js';
import { holdTask, releaseTask } from '../../tasks/writes.js';
import { openPool } from '../../store/postgres/pool.js';
import { migratePostgres } from '../../store/postgres/migrate.js';
import { migrations } from '../../store/migrations/index.js';
import { PostgresTaskStore } from '../../store/postgres/task-store.js';
import { SqliteTaskStore, type TaskStore } from '../../store/task-store.js';
import type { PostgresTarget } from '../../store/postgres/url.js';
import fs from 'node:fs';
import { MAX_TASKS_PER_FILE, readTaskFile } from './task-file.js';
import { createManyLocal, createManyShared } from '../../tasks/create-many.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';

const USAGE = `architect tasks add --type TYPE --title TITLE --prompt TEXT [--priority 0-10] [--project P] [--depends-on ID,ID…] [--json]
architect tasks add --from FILE [--json]
architect tasks list [--status STATUS] [--limit N] [--offset N] [--json]
architect tasks show ID [--json]
architect tasks cancel ID [--reason TEXT]
architect tasks retry ID
architect tasks hold ID [--reason TEXT]
architect tasks release ID

Without --priority a task takes its type's priority from routing_rules.yaml (the
layered config in --config, with --env), as in the console. add refuses a config with
problems (each at its file:line:col; "architect config check") and adds nothing.
--project is a project id, name or folder (a new folder becomes a project).
--depends-on: the task stays blocked until every one of those tasks completed.
--from FILE (- for standard input) adds one task per line, each a JSON object as the
API's tasks.create takes: {"type", "title", "prompt", "priority"?, "project"?,
"dependsOn"?}. The whole file is checked first (each bad line named FILE:LINE) and
added in one transaction: all of it or nothing; at most ${MAX_TASKS_PER_FILE} a file.
hold blocks an open task until release (taken back from its session if one has it);
retry puts a failed, cancelled or blocked task back in the queue with a fresh budget.
show prints one task and its history (every status change with its reason).
With --db postgres://… (a queue shared by several consoles) every subcommand runs
there, with the same arguments and messages.
STATUS is one of: ${TaskStatus.options.join(', ')}.`;

const DEFAULT_LIST_LIMIT = 50;

function parse<O extends ParseArgsOptions>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function integerArg(name: string, value: unknown, min: number): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`--${name} expects an integer ≥ ${min}, got "${text}"`);
  return Number(text);
}

function taskLine(t: Task): string {
  return `task ${t.id} ${t.status}: ${t.title} (${t.type}, priority ${t.priority})\n`;
}

/** Opens the database once the arguments are known to be good: a bad call changes nothing. */
type OpenStore = () => Store;

/**
 * The task core over the CLI's database, with the same layered config the console
 * reads (base → environment → local): the same defaults from every entry point. `add`
 * reads the config before anything is opened (a new task takes its type's defaults);
 * cancel, retry, hold and release need none, and read it only if the core asks — a
 * config with problems is refused with their file:line:col, never replaced by defaults.
 */
function taskCore(store: Store, ctx: CliContext, snapshot: ConfigSnapshot | null = null): TaskService {
  let config = snapshot;
  return new TaskService({ store, config: () => (config ??= cliConfig(ctx)) });
}

/** `tasks add`'s arguments, checked before anything is opened (the same on both engines); with --from, the file's tasks. */
function addArgs(args: string[]) {
  const { values, positionals } = parse(args, {
    type: { type: 'string' }, title: { type: 'string' }, prompt: { type: 'string' },
    priority: { type: 'string' }, project: { type: 'string' }, 'depends-on': { type: 'string' }, json: { type: 'boolean' },
    from: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (typeof values.from === 'string') {
    const also = (['type', 'title', 'prompt', 'priority', 'project', 'depends-on'] as const).find((k) => values[k] !== undefined);
    if (also) throw new UsageError(`--from takes every task from its file; give "${also === 'depends-on' ? 'dependsOn' : also}" on its lines instead of --${also}`);
    return { from: readTaskFile(values.from), json: values.json === true };
  }
  for (const required of ['type', 'title', 'prompt'] as const) {
    if (typeof values[required] !== 'string') throw new UsageError(`tasks add needs --${required}`);
  }
  return {
    type: values.type as string,
    title: values.title as string,
    prompt: values.prompt as string,
    priority: integerArg('priority', values.priority, 0),
    project: typeof values.project === 'string' ? values.project : null,
    dependsOn: typeof values['depends-on'] === 'string' ? values['depends-on'].split(',').map((id) => integerArg('depends-on', id.trim().replace(/^#/, ''), 1)!) : undefined,
    json: values.json === true,
  };
}

/** `tasks list`'s arguments (the same on both engines). */
function listArgs(args: string[]) {
  const { values, positionals } = parse(args, { status: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const status = values.status === undefined ? undefined : TaskStatus.safeParse(values.status);
  if (status && !status.success) throw new UsageError(`--status must be one of ${TaskStatus.options.join(', ')}, got "${String(values.status)}"`);
  return {
    status: status?.data,
    limit: integerArg('limit', values.limit, 1) ?? DEFAULT_LIST_LIMIT,
    offset: integerArg('offset', values.offset, 0) ?? 0,
    json: values.json === true,
  };
}

async function add(args: string[], ctx: CliContext, open: OpenStore, jsonGlobal: boolean): Promise<number> {
  const a = addArgs(args);
  // The type's defaults come from the config: a config with problems stops here, before the database is opened.
  const snapshot = cliConfig(ctx);
  const store = open();
  try {
    const file = a.from;
    if (file) {
      // One transaction: a line the core refuses leaves the queue as it was.
      const added = createManyLocal(store, taskCore(store, ctx, snapshot), file.tasks.map((t) => t.task), (i) => `${file.name}:${file.tasks[i]!.line}`);
      writeAdded(ctx, added, a.json || jsonGlobal);
      return EXIT_OK;
    }
    const task = taskCore(store, ctx, snapshot).create({
      type: a.type, title: a.title, prompt: a.prompt, priority: a.priority, project: a.project, dependsOn: a.dependsOn,
    });
    ctx.stdout.write(a.json || jsonGlobal ? JSON.stringify(task, null, 2) + '\n' : `added ${taskLine(task)}`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof InvalidTaskError) throw new UsageError(err.message);
    throw err;
  }
}

function list(args: string[], ctx: CliContext, open: OpenStore, jsonGlobal: boolean): number {
  const { status, limit, offset, json } = listArgs(args);
  const store = open();
  const result = store.tasks.list({ status, limit, offset });
  writeList(ctx, result, json || jsonGlobal ? store.tasks.counts() : null);
  return EXIT_OK;
}

type Change = 'cancel' | 'retry' | 'hold' | 'release';
const CHANGES: readonly string[] = ['cancel', 'retry', 'hold', 'release'] satisfies Change[];
const DONE: Record<Change, string> = { cancel: 'cancelled', retry: 'retried', hold: 'held', release: 'released' };

/** cancel, retry, hold, release: one task by id, through the task core. */
async function change(sub: Change, args: string[], ctx: CliContext, open: OpenStore): Promise<number> {
  const { values, positionals } = parse(args, sub === 'cancel' || sub === 'hold' ? { reason: { type: 'string' } } : {});
  if (positionals.length !== 1) throw new UsageError(`tasks ${sub} needs one task ID`);
  const id = integerArg('ID', positionals[0], 1)!;
  const reason = typeof values.reason === 'string' ? values.reason : undefined;
  const store = open();
  try {
    const core = taskCore(store, ctx);
    const task =
      sub === 'cancel' ? core.cancel(id, reason) : sub === 'retry' ? core.retry(id) : sub === 'hold' ? await core.hold(id, reason ?? 'held from the command line') : await core.release(id);
    writeChanged(ctx, sub, task);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof TaskFinishedError || err instanceof TaskNotFoundError || err instanceof InvalidTaskError) {
      ctx.stderr.write(`${err.message}\n`);
      return EXIT_PROBLEM;
    }
    throw err;
  }
}

function writeChanged(ctx: CliContext, sub: Change, task: Task): void {
  ctx.stdout.write(`${DONE[sub]} ${taskLine(task)}`);
  if (task.status === 'blocked' && task.statusReason) ctx.stdout.write(`  ${task.statusReason}\n`);
}

/** What runs on a shared PostgreSQL queue (`--db postgres://…`). */
const ON_POSTGRES = ['add', 'list', 'show', 'cancel', 'retry', 'hold', 'release'];

/**
 * tasks on a PostgreSQL database: the same arguments, defaults and messages as on
 * SQLite, through the PostgreSQL task store (a task added here is announced to every
 * console on that database, which routes it).
 */
async function onPostgres(target: PostgresTarget, sub: string, args: string[], ctx: CliContext): Promise<number> {
  const json = ctx.globals.json;
  // Arguments first: a bad call opens no connection.
  const run = await (async (): Promise<(store: PostgresTaskStore) => Promise<number>> => {
    if (sub === 'add') {
      const a = addArgs(args);
      // The type's defaults come from the config: a config with problems stops here, before a connection is opened.
      const snapshot = cliConfig(ctx);
      const isFolder = (abs: string): boolean => fs.existsSync(abs) && fs.statSync(abs).isDirectory();
      const file = a.from;
      if (file) {
        return async (store) => {
          // One transaction (one NOTIFY at its commit): a line the store refuses leaves the queue as it was.
          const added = await createManyShared(store, snapshot, file.tasks.map((t) => t.task), (i) => `${file.name}:${file.tasks[i]!.line}`, isFolder);
          writeAdded(ctx, added, a.json || json);
          return EXIT_OK;
        };
      }
      const type = a.type.trim();
      return async (store) => {
        const projectId = a.project !== null ? await store.projectId(a.project, isFolder) : null;
        const task = await store.add({
          type,
          title: a.title,
          prompt: a.prompt,
          priority: a.priority ?? taskDefaults(snapshot, type).priority,
          projectId,
          dependsOn: a.dependsOn,
        });
        ctx.stdout.write(a.json || json ? JSON.stringify(task, null, 2) + '\n' : `added ${taskLine(task)}`);
        return EXIT_OK;
      };
    }
    if (sub === 'list') {
      const l = listArgs(args);
      return async (store) => {
        const result = await store.list({ status: l.status, limit: l.limit, offset: l.offset });
        writeList(ctx, result, l.json || json ? await store.counts() : null);
        return EXIT_OK;
      };
    }
    const { values, positionals } = parse(args, sub === 'cancel' || sub === 'hold' ? { reason: { type: 'string' }, json: { type: 'boolean' } } : { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError(`tasks ${sub} needs one task ID`);
    const id = integerArg('ID', positionals[0], 1)!;
    const reason = typeof values.reason === 'string' ? values.reason : undefined;
    return async (store) => {
      if (sub === 'show') return show(store, id, ctx, values.json === true || json);
      const task =
        sub === 'cancel'
          ? await store.cancel(id, reason ?? 'cancelled by operator')
          : sub === 'retry'
            ? await store.retry(id, 'retried by operator')
            : sub === 'hold'
              ? (await holdTask(store, id, reason ?? 'held from the command line')).task
              : (await releaseTask(store, id)).task;
      writeChanged(ctx, sub as Change, task);
      return EXIT_OK;
    };
  })();
  const pool = await openPool(target, { max: 2, applicationName: `architect tasks ${sub}` });
  try {
    // As a console or the SQLite CLI does at open: the schema brought up to date (or a newer one refused).
    await migratePostgres(pool, target.display, migrations);
    return await run(new PostgresTaskStore(pool));
  } catch (err) {
    if (err instanceof InvalidTaskError && sub === 'add') throw new UsageError(err.message);
    if (err instanceof TaskFinishedError || err instanceof TaskNotFoundError || err instanceof InvalidTaskError) {
      ctx.stderr.write(`${err.message}\n`);
      return EXIT_PROBLEM;
    }
    throw err;
  } finally {
    await pool.end();
  }
}

/** What \`tasks add --from\` added: one line each (as a single add says it), or a JSON array of the tasks. */
function writeAdded(ctx: CliContext, tasks: Task[], json: boolean): void {
  if (json) ctx.stdout.write(JSON.stringify(tasks, null, 2) + '\n');
  else ctx.stdout.write(tasks.map((t) => `added ${taskLine(t)}`).join('') + `${tasks.length} task${tasks.length === 1 ? '' : 's'} added\n`);
}

/** One task and its history (created, then every status change with its reason). */
async function show(store: TaskStore, id: number, ctx: CliContext, json: boolean): Promise<number> {
  const task = await store.get(id);
  if (!task) throw new TaskNotFoundError(id);
  const history = await store.history(id);
  if (json) ctx.stdout.write(JSON.stringify({ ...task, history }, null, 2) + '\n');
  else {
    ctx.stdout.write(taskLine(task));
    if (task.assignedTo) ctx.stdout.write(`  assigned to ${task.assignedTo}\n`);
    for (const h of history) ctx.stdout.write(`  ${h.at} ${h.fromStatus ?? '-'} → ${h.toStatus}${h.reason ? `: ${h.reason}` : ''}\n`);
  }
  return EXIT_OK;
}

function writeList(ctx: CliContext, result: { tasks: Task[]; total: number }, counts: Record<string, number> | null): void {
  if (counts) {
    ctx.stdout.write(JSON.stringify({ ...result, counts }, null, 2) + '\n');
    return;
  }
  const rows = result.tasks.map((t) => ({ id: t.id, status: t.status, priority: t.priority, type: t.type, title: t.title, assigned_to: t.assignedTo, created_at: t.createdAt }));
  ctx.stdout.write(renderTable(rows, ['id', 'status', 'priority', 'type', 'title', 'assigned_to', 'created_at']));
  ctx.stdout.write(`${result.tasks.length} of ${result.total} task${result.total === 1 ? '' : 's'}\n`);
}

export const tasksCommand: CliCommand = {
  name: 'tasks',
  summary: 'add, list, cancel, retry, hold and release tasks',
  usage: USAGE,
  postgres: { runs: ON_POSTGRES.map((s) => `tasks ${s}`), accepts: (args) => ON_POSTGRES.includes(args[0] ?? '') },
  async run(args: string[], ctx: CliContext): Promise<number> {
    const [sub, ...rest] = args;
    if (ctx.globals.dbUrl) {
      if (!ON_POSTGRES.includes(sub ?? '')) throw new UsageError(sub ? `unknown tasks subcommand "${sub}"` : 'tasks needs add, list, show, cancel, retry, hold or release');
      return onPostgres(ctx.globals.dbUrl, sub!, rest, ctx);
    }
    if (sub !== 'add' && sub !== 'list' && sub !== 'show' && !CHANGES.includes(sub ?? '')) throw new UsageError(sub ? `unknown tasks subcommand "${sub}"` : 'tasks needs add, list, show, cancel, retry, hold or release');
    let store: Store | null = null;
    // Listing only reads: it works on a database this user may not write.
    const opener = sub === 'list' || sub === 'show' ? openStoreToRead : openStore;
    const open = (): Store => (store ??= opener({ path: ctx.globals.dbPath, logger: createLogger({ level: ctx.globals.logLevel, console: ctx.stderr }) }));
    try {
      if (sub === 'add') return await add(rest, ctx, open, ctx.globals.json);
      if (sub === 'list') return list(rest, ctx, open, ctx.globals.json);
      if (sub === 'show') {
        const { values, positionals } = parse(rest, { json: { type: 'boolean' } });
        if (positionals.length !== 1) throw new UsageError('tasks show needs one task ID');
        const id = integerArg('ID', positionals[0], 1)!;
        try {
          return await show(new SqliteTaskStore(open()), id, ctx, values.json === true || ctx.globals.json);
        } catch (err) {
          if (!(err instanceof TaskNotFoundError)) throw err;
          ctx.stderr.write(`${err.message}\n`);
          return EXIT_PROBLEM;
        }
      }
      return await change(sub as Change, rest, ctx, open);
    } finally {
      (store as Store | null)?.close();
    }
  },
};
