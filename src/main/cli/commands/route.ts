// `architect route --dry-run`: the decisions the current queue would get under
// the config in --config DIR (a draft, say), with the sessions running now,
// without applying any of them.
import { parseArgs } from 'node:util';
import type { RouteDecision, Session } from '../../../shared/api.js';
import { dryRun, dryRunShared } from '../../assigner/round-plan.js';
import { migrations } from '../../store/migrations/index.js';
import { migratePostgres } from '../../store/postgres/migrate.js';
import { openPool } from '../../store/postgres/pool.js';
import { PostgresTaskStore } from '../../store/postgres/task-store.js';
import { TaskQueue } from '../../store/task-queue.js';
import type { ConfigSnapshot } from '../../config/snapshot.js';
import { cliConfig } from '../config.js';
import { createLogger } from '../../log/logger.js';
import { openStore } from '../../store/store.js';
import { EXIT_OK, UsageError, type CliCommand, type CliContext } from '../command.js';
import { cliMonitor } from './sessions.js';

const USAGE = `architect route --dry-run [--json] [--config DIR] [--db FILE | --db postgres://…] [--tmux-socket NAME]…
  Shows the decision every queued task would get now, under the config in DIR and
  the agent sessions running in tmux, without assigning anything. With
  --db postgres://… the queue is the shared one in that database.`;

/** What a one-shot look at tmux found, and whether it could look at all. */
async function discoverOnce(ctx: CliContext, snapshot: ConfigSnapshot): Promise<{ sessions: Session[]; note: string | null }> {
  try {
    const monitor = cliMonitor(ctx, snapshot);
    const stop = await monitor.start();
    try {
      const sessions = monitor.list();
      return { sessions, note: sessions.length ? null : 'no tmux panes found: routing as if no session were running' };
    } finally {
      stop();
    }
  } catch (err) {
    return { sessions: [], note: `cannot look at tmux (${(err as Error).message}): routing as if no session were running` };
  }
}

function formatDecisions(decisions: RouteDecision[]): string {
  if (decisions.length === 0) return 'The queue is empty: nothing to route.\n';
  const assigned = decisions.filter((d) => d.kind === 'assign').length;
  const lines = decisions.map((d) => `#${d.taskId} ${d.taskType}: ${d.reason}`);
  return `${lines.join('\n')}\n${assigned} of ${decisions.length} queued task${decisions.length === 1 ? '' : 's'} would be assigned\n`;
}

export const routeCommand: CliCommand = {
  name: 'route',
  summary: 'show what the routing rules would do with the queue (--dry-run)',
  usage: USAGE,
  postgres: { runs: ['route --dry-run'], accepts: () => true },
  async run(args: string[], ctx: CliContext): Promise<number> {
    let values: { 'dry-run'?: boolean; json?: boolean };
    try {
      const parsed = parseArgs({ args, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: false, strict: true });
      values = parsed.values;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!values['dry-run']) throw new UsageError('route needs --dry-run: the running console is what applies decisions');
    const json = Boolean(values.json) || ctx.globals.json;

    const snapshot = cliConfig(ctx);
    const { sessions, note } = await discoverOnce(ctx, snapshot);
    if (note) ctx.stderr.write(`${note}\n`);
    const print = (decisions: RouteDecision[]): number => {
      ctx.stdout.write(json ? JSON.stringify({ configVersion: snapshot.version, sessions: sessions.length, decisions }, null, 2) + '\n' : formatDecisions(decisions));
      return EXIT_OK;
    };
    const target = ctx.globals.dbUrl;
    if (target) {
      // The shared queue: its head and held tasks read there (the schema brought up to date first, as a console does).
      const pool = await openPool(target, { max: 2, applicationName: 'architect route --dry-run' });
      try {
        await migratePostgres(pool, target.display, migrations);
        return print(await dryRunShared(new PostgresTaskStore(pool), snapshot.routing, sessions, new Date()));
      } finally {
        await pool.end();
      }
    }
    const store = openStore({ path: ctx.globals.dbPath, logger: createLogger({ level: ctx.globals.logLevel, console: ctx.stderr }) });
    try {
      return print(dryRun(new TaskQueue(store), snapshot.routing, sessions, new Date()));
    } finally {
      store.close();
    }
  },
};
