import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand } from '../command.js';
import { cliMonitor, parseStrict } from './sessions.js';
import { explanationText } from '../../sessions/explain-text.js';

const USAGE = `Usage: architect agents explain PANE [--json]
  Shows which agent runs in a pane, which rule of agents.yaml decided its state, and
  every rule's verdict. PANE is %12, server:%12, session:window.pane or server:session:window.pane.`;

export const agentsCommand: CliCommand = {
  name: 'agents',
  summary: 'Explain how an agent pane was identified and classified',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseStrict({ args, options: { json: { type: 'boolean' } }, allowPositionals: true }, USAGE);
    const [sub, pane, ...rest] = positionals;
    if (sub !== 'explain') throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}\n${USAGE}`);
    if (!pane || rest.length > 0) throw new UsageError(`explain needs exactly one PANE\n${USAGE}`);
    const monitor = cliMonitor(ctx);
    const stop = await monitor.start();
    try {
      let e;
      try {
        e = await monitor.explain(pane);
      } catch (err) {
        ctx.stderr.write(`${(err as Error).message}\n`);
        return EXIT_PROBLEM;
      }
      if (values.json || ctx.globals.json) {
        ctx.stdout.write(JSON.stringify({ session: e.session, identification: e.identification, result: e.result, verdicts: e.verdicts, hook: e.hook, decidedBy: e.decidedBy }, null, 2) + '\n');
        return EXIT_OK;
      }
      ctx.stdout.write(explanationText(e) + '\n');
      return EXIT_OK;
    } finally {
      stop();
    }
  },
};
