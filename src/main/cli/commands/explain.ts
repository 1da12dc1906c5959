// `architect explain TASK_ID`: the trail of one task — why it was queued, where
// it went and when, what happened to it there.
import { parseArgs } from 'node:util';
import { explainTask } from '../../assigner/explain.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../config/schemas/routing.js';
import { createLogger } from '../../log/logger.js';
import { openStoreToRead } from '../../store/read-only.js';
import { TaskNotFoundError } from '../../store/tasks.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import { cliConfig } from '../config.js';

const USAGE = `architect explain TASK_ID [--json]
  Every routing, dispatch and SLA decision about the task, with its status changes, in order.`;

export const explainCommand: CliCommand = {
  name: 'explain',
  summary: 'show why a task went where it went (its decision trail)',
  usage: USAGE,
  async run(args: string[], ctx: CliContext): Promise<number> {
    let parsed: { values: { json?: boolean }; positionals: string[] };
    try {
      parsed = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const [ref, ...extra] = parsed.positionals;
    if (ref === undefined) throw new UsageError('explain needs a TASK_ID');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (!/^\d+$/.test(ref) || Number(ref) < 1) throw new UsageError(`TASK_ID is a positive integer, got "${ref}"`);
    const id = Number(ref);
    // The retry budget comes from the same layered config the console reads: one with problems is refused before the database is opened.
    const routes = cliConfig(ctx).routing.environment_routing;
    const store = openStoreToRead({ path: ctx.globals.dbPath, logger: createLogger({ level: ctx.globals.logLevel, console: ctx.stderr }) });
    try {
      const type = store.tasks.get(id)?.type;
      const maxAttempts = type !== undefined ? ((Object.hasOwn(routes, type) ? routes[type]?.max_attempts : undefined) ?? DEFAULT_MAX_ATTEMPTS) : undefined;
      const text = explainTask(store, id, { maxAttempts });
      if (parsed.values.json || ctx.globals.json) {
        const dependsOn = store.tasks.dependencies(id).map((d) => ({ id: d.id, title: d.title, status: d.status }));
        ctx.stdout.write(JSON.stringify({ task: store.tasks.get(id), maxAttempts: maxAttempts ?? null, dependsOn, history: store.tasks.history(id), decisions: store.decisions.forTask(id), text }, null, 2) + '\n');
      } else ctx.stdout.write(text);
      return EXIT_OK;
    } catch (err) {
      if (err instanceof TaskNotFoundError) {
        ctx.stderr.write(`${err.message} in ${store.path}\n`);
        return EXIT_PROBLEM;
      }
      throw err;
    } finally {
      store.close();
    }
  },
};
