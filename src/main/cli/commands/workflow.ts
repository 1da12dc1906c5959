import { parseArgs } from 'node:util';
import { cliConfig } from '../config.js';
import type { ConfigSnapshot } from '../../config/snapshot.js';
import { consoleDatabase } from '../../console-db.js';
import { createLogger } from '../../log/logger.js';
import { renderTable } from '../../queries/text-table.js';
import { openStore, type Store } from '../../store/store.js';
import { RESUME_SCAN_MS, recordRun } from '../../workflows/engine.js';
import { FINISHED_RUN_STATUSES, RunStore, type WorkflowRun } from '../../store/workflow-runs.js';
import { WorkflowNotFoundError, type Row } from '../../workflows/types.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand, type CliContext } from '../command.js';

// `architect workflow …`: start, list, inspect and cancel workflow runs. The CLI
// records a run; the running console's workflow engine claims and drives it (it
// scans every RESUME_SCAN_MS), so routing and dispatch happen in one place. With
// --db postgres://… the runs are those of the console on that shared queue whose data
// folder this is (a console keeps its workflow runs in its own console.db).

const USAGE = `architect workflow run NAME [--input KEY=VALUE]… [--wait] [--json]
architect workflow list [--json]
architect workflow runs [--limit N] [--json]
architect workflow show RUN_ID [--json]
architect workflow cancel RUN_ID

--input values that look like numbers, true, false or null are passed as such.
--wait follows the run until it ends (the console must be running to drive it).
With --db postgres://… (a shared queue) the runs are the ones of the console whose
data folder this is (ARCHITECT_DATA_DIR): its own console.db.`;

const DEFAULT_RUNS_LIMIT = 50;
/** How often --wait looks at the run. */
const WAIT_POLL_MS = 500;
/** After this long unclaimed, --wait says nothing is driving the run. */
const UNCLAIMED_WARNING_MS = RESUME_SCAN_MS * 3;

const OPTIONS = {
  input: { type: 'string', multiple: true },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
  limit: { type: 'string' },
} as const;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** `--input k=v`: numbers, booleans and null keep their type, so `${input.priority}` is a number. */
export function parseInputs(pairs: readonly string[]): Row {
  const input: Row = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input expects KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--input key "${key}": use letters, digits and _ (it is read as \${input.${key}})`);
    if (key in input) throw new UsageError(`--input ${key} given twice`);
    const raw = pair.slice(eq + 1);
    input[key] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw === 'null' ? null : raw;
  }
  return input;
}

function runId(positionals: string[], sub: string): number {
  if (positionals.length !== 1) throw new UsageError(`workflow ${sub} needs one RUN_ID`);
  const text = positionals[0] as string;
  if (!/^\d+$/.test(text)) throw new UsageError(`RUN_ID is a number, got "${text}"`);
  return Number(text);
}

function config(ctx: CliContext): ConfigSnapshot {
  return cliConfig(ctx);
}

const runLine = (r: WorkflowRun): string =>
  `run ${r.id} ${r.workflow} ${r.status}${r.currentStep && !FINISHED_RUN_STATUSES.includes(r.status) ? ` at ${r.currentStep}` : ''}${r.error ? `: ${r.error}` : ''}\n`;

async function follow(runs: RunStore, store: Store, id: number, ctx: CliContext): Promise<WorkflowRun> {
  const started = Date.now();
  let warned = false;
  let interrupted = false;
  void ctx.interrupted.then(() => (interrupted = true));
  for (;;) {
    const run = runs.run(id) as WorkflowRun;
    if (FINISHED_RUN_STATUSES.includes(run.status) || interrupted) return run;
    const owner = runs.owner(id);
    if (owner === null && !warned && Date.now() - started > UNCLAIMED_WARNING_MS) {
      ctx.stderr.write(`run ${id} is waiting for the Architect console to drive it (start the app or \`architect serve\`)\n`);
      warned = true;
    }
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
}

export const workflowCommand: CliCommand = {
  name: 'workflow',
  summary: 'start, list, inspect and cancel workflow runs (workflows.yaml)',
  usage: USAGE,
  postgres: { runs: ['workflow'], accepts: () => true },
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const { values, positionals } = parse(rest);
    const json = values.json === true || ctx.globals.json;
    const out = (data: unknown, text: string) => ctx.stdout.write(json ? JSON.stringify(data, null, 2) + '\n' : text);
    if (sub !== 'run' && (values.input || values.wait)) throw new UsageError('--input and --wait go with workflow run');
    if (sub !== 'runs' && values.limit !== undefined) throw new UsageError('--limit goes with workflow runs');

    if (sub === 'list') {
      if (positionals.length > 0) throw new UsageError('workflow list takes no arguments');
      const wfs = Object.entries(config(ctx).workflows.workflows).map(([name, wf]) => ({ name, trigger: wf.trigger.type, steps: wf.steps.length, description: wf.description }));
      out(wfs, renderTable(wfs));
      return EXIT_OK;
    }
    if (sub !== 'run' && sub !== 'runs' && sub !== 'show' && sub !== 'cancel') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'give a subcommand: run, list, runs, show, cancel');

    // `run` records the workflow's definition: a config with problems is refused before the database is opened.
    const snapshot = sub === 'run' ? config(ctx) : null;
    const logger = createLogger({ level: ctx.globals.logLevel, console: ctx.stderr });
    // On a shared queue a console keeps its workflow runs in its own file (console.db of its data folder).
    const store = openStore({ path: consoleDatabase(ctx.globals).dbPath, logger });
    const runs = new RunStore(store.writer);
    try {
      if (sub === 'run') {
        if (positionals.length !== 1) throw new UsageError('workflow run needs one NAME');
        const input = parseInputs(values.input ?? []);
        let id: number;
        try {
          id = recordRun(runs, snapshot ?? config(ctx), positionals[0] as string, input, 'cli', null);
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) throw new UsageError(e.message);
          throw e;
        }
        if (!values.wait) {
          out({ runId: id }, `run ${id} started (architect workflow show ${id})\n`);
          return EXIT_OK;
        }
        const run = await follow(runs, store, id, ctx);
        out({ run, steps: runs.steps(id) }, runLine(run));
        return run.status === 'completed' ? EXIT_OK : EXIT_PROBLEM;
      }
      if (sub === 'runs') {
        const limit = values.limit === undefined ? DEFAULT_RUNS_LIMIT : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit expects a positive integer, got "${values.limit}"`);
        const list = runs.runs(limit);
        out(list, renderTable(list.map((r) => ({ id: r.id, workflow: r.workflow, status: r.status, step: r.currentStep, trigger: r.trigger, started: r.startedAt, error: r.error }))));
        return EXIT_OK;
      }
      const id = runId(positionals, sub);
      const run = runs.run(id);
      if (!run) {
        ctx.stderr.write(`workflow run ${id} does not exist\n`);
        return EXIT_PROBLEM;
      }
      if (sub === 'cancel') {
        if (FINISHED_RUN_STATUSES.includes(run.status)) {
          ctx.stderr.write(`run ${id} already ended ${run.status}\n`);
          return EXIT_PROBLEM;
        }
        runs.setStatus(id, 'cancelled', 'cancelled by operator');
        ctx.stdout.write(runLine(runs.run(id) as WorkflowRun));
        return EXIT_OK;
      }
      const steps = runs.steps(id);
      out(
        { run, steps },
        runLine(run) +
          `input: ${JSON.stringify(run.input)}  config: ${run.configVersion ?? '?'}  started: ${run.startedAt}\n` +
          renderTable(steps.map((s) => ({ step: s.step, attempt: s.attempt, status: s.status, started: s.startedAt, finished: s.finishedAt, output: s.output, error: s.error }))),
      );
      return EXIT_OK;
    } finally {
      store.close();
    }
  },
};
