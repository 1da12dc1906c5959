// `architect answer`: the Attention inbox on the command line. With no arguments it
// lists every agent waiting on a dialog; with SESSION it shows that dialog; with
// SESSION N it picks option N, the keys agents.yaml defines for it, only if the dialog
// is still on the screen, and records the answer in `decisions`.
import os from 'node:os';
import type { Session } from '../../../shared/api.js';
import { dialogView } from '../../attention/answer.js';
import { AnswerDesk } from '../../attention/desk.js';
import type { ScreenDialog } from '../../attention/dialogs.js';
import { createLogger } from '../../log/logger.js';
import { AttentionTaskReads } from '../../store/attention.js';
import { openStore, type Store } from '../../store/store.js';
import { migrations } from '../../store/migrations/index.js';
import { migratePostgres } from '../../store/postgres/migrate.js';
import { openPool } from '../../store/postgres/pool.js';
import { PostgresTaskStore } from '../../store/postgres/task-store.js';
import { SqliteTaskStore, type TaskStore } from '../../store/task-store.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';
import { cliConfig } from '../config.js';
import { cliMonitor, findSession, parseStrict } from './sessions.js';

const USAGE = `architect answer [--json]
    List every agent waiting on a dialog, with its question and numbered options.
architect answer SESSION [--json]
    Show the dialog on SESSION's screen (a session name or id, e.g. dev_worker1 or default:%3;
    or its tmux session name when only one session has it: w1 for HOST:w1 on a shared queue).
architect answer SESSION N [--dialog ID] [--by NAME] [--json]
    Pick option N: sends the keys agents.yaml (dialogs:) defines for it, only while the
    dialog is still on the screen (and still dialog ID, when given), then confirms the
    agent moved on. Recorded in decisions as answered by NAME (default: you, on the CLI):
    the SQLite file's, or with --db postgres://… the shared queue's.
    Exit 0 when answered; 1 when refused (the dialog is gone or changed) or unconfirmed.`;

function dialogText(s: Session, d: ScreenDialog | null): string {
  if (!d) return `${s.name} (${s.agent}) waits for ${s.reason ?? 'input'}; no dialog of agents.yaml could be read off its screen\n`;
  const lines = [`${s.name} (${s.agent}) — ${d.kind} [dialog ${d.id}]`, `  ${d.question}`, ...d.context.map((c) => `    ${c}`)];
  for (const o of d.options) lines.push(`  ${o.n}. ${o.label}${o.offered ? '' : '   (needs typing in the terminal)'}`);
  return lines.join('\n') + '\n';
}

export const answerCommand: CliCommand = {
  name: 'answer',
  summary: 'List, show and answer the dialogs agents wait on (approvals, questions)',
  usage: USAGE,
  // On a shared queue the answer is recorded in its decisions, beside the task the session holds there.
  postgres: { runs: ['answer'], accepts: () => true },
  async run(args, ctx) {
    const { values, positionals } = parseStrict({ args, options: { json: { type: 'boolean' }, dialog: { type: 'string' }, by: { type: 'string' } }, allowPositionals: true }, USAGE);
    const [ref, optionText, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"\n${USAGE}`);
    if (optionText !== undefined && !/^[1-9]\d?$/.test(optionText)) throw new UsageError(`N is an option number (1–99), got "${optionText}"`);
    if (values.dialog !== undefined && !/^[0-9a-f]{12}$/.test(values.dialog)) throw new UsageError('--dialog is the 12-character dialog id that `architect answer SESSION` shows');
    const json = Boolean(values.json) || ctx.globals.json;

    // The agents' dialog rules and the servers: a config with problems is refused (file:line:col) before any pane is read.
    const snapshot = cliConfig(ctx);
    const agents = snapshot.agents ?? null;
    const monitor = cliMonitor(ctx, snapshot);
    const stop = await monitor.start();
    // Answering records the answer in decisions: the SQLite file's, or the shared queue's (--db postgres://…).
    const db = optionText !== undefined ? await openDecisions(ctx) : null;
    try {
      const desk = new AnswerDesk({
        agents: () => agents,
        server: (name) => monitor.watched.find((s) => s.name === name),
        decisions: db?.tasks ?? null,
      });
      const sessions = monitor.list();
      if (ref === undefined) {
        const waiting = sessions.filter((s) => s.state === 'waiting');
        const read = await Promise.all(waiting.map(async (s) => ({ s, d: await desk.readDialog(s) })));
        if (json) ctx.stdout.write(JSON.stringify(read.map(({ s, d }) => ({ session: s.name, sessionId: s.id, agent: s.agent, reason: s.reason, dialog: d ? dialogView(d) : null })), null, 2) + '\n');
        else ctx.stdout.write(read.length === 0 ? 'No agent is waiting on a dialog.\n' : read.map(({ s, d }) => dialogText(s, d)).join('\n'));
        return EXIT_OK;
      }
      // By name or id, or by tmux session name when one session has it (`w1` for `HOST:w1` on a shared queue).
      const session = findSession(sessions, ref);
      if (!session) {
        ctx.stderr.write(`no session "${ref}" on ${monitor.watched.map((s) => s.name).join(', ')} (architect sessions lists them)\n`);
        return EXIT_PROBLEM;
      }
      if (optionText === undefined) {
        const d = await desk.readDialog(session);
        ctx.stdout.write(json ? JSON.stringify({ session: session.name, sessionId: session.id, state: session.state, dialog: d ? dialogView(d) : null }, null, 2) + '\n' : dialogText(session, d));
        return d ? EXIT_OK : EXIT_PROBLEM;
      }
      const held = db ? await db.heldBy(session.name) : null;
      const by = values.by ?? `${os.userInfo().username} on the CLI`;
      const o = await desk.answer({ ...session, currentTaskId: held }, { option: Number(optionText), dialogId: values.dialog }, by);
      if (json) ctx.stdout.write(JSON.stringify({ outcome: o.outcome, message: o.message, state: o.state, dialog: o.dialog ? dialogView(o.dialog) : null }, null, 2) + '\n');
      else (o.outcome === 'answered' ? ctx.stdout : ctx.stderr).write(`${session.name}: ${o.outcome}: ${o.message}\n`);
      return o.outcome === 'answered' ? EXIT_OK : EXIT_PROBLEM;
    } finally {
      stop();
      await db?.close();
    }
  },
};

/** The task store answers are recorded in, and which task a session holds there. */
async function openDecisions(ctx: CliContext): Promise<{ tasks: TaskStore; heldBy: (session: string) => Promise<number | null>; close: () => Promise<void> }> {
  const target = ctx.globals.dbUrl;
  if (target) {
    const pool = await openPool(target, { max: 2, applicationName: 'architect answer' });
    try {
      await migratePostgres(pool, target.display, migrations);
    } catch (err) {
      await pool.end();
      throw err;
    }
    const tasks = new PostgresTaskStore(pool);
    return { tasks, heldBy: async (session) => (await tasks.heldTasks()).find((t) => t.session === session)?.id ?? null, close: () => pool.end() };
  }
  const store: Store = openStore({ path: ctx.globals.dbPath, logger: createLogger({ level: 'warn', console: null }) });
  const reads = new AttentionTaskReads(store.writer);
  return { tasks: new SqliteTaskStore(store), heldBy: async (session) => reads.heldBy(session), close: async () => store.close() };
}
