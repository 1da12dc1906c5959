import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand } from '../command.js';
import { cliMonitor, parseStrict } from './sessions.js';

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
      const s = e.session;
      const out = [
        `pane      ${s.server}:${s.paneId}  (${s.session}:${s.windowIndex}.${s.paneIndex}, name "${s.name}")`,
        `process   ${e.identification.argv.join(' ') || e.identification.command || '?'}  (pid ${e.identification.pid ?? '?'})`,
        `agent     ${s.agent}${e.identification.agent !== s.agent ? ` (now: ${e.identification.agent})` : ''}`,
        `state     ${e.result.state}${e.result.ruleId ? `  by rule ${e.result.ruleId}` : e.verdicts.length ? '  (no rule matched: idle needs the agent\'s own prompt)' : '  (no screen rules for this pane)'}${e.result.reason && e.result.reason !== e.result.ruleId ? `, reason ${e.result.reason}` : ''}`,
        ...(e.hook ? [`hook      ${e.hook.event ?? '?'} → ${e.hook.state} at ${new Date(e.hook.atMs).toISOString()}${e.decidedBy?.startsWith('hook:') ? '  (decides the reported state)' : '  (the screen has moved on since)'}`] : []),
        `reported  ${s.state}${e.decidedBy ? `  by ${e.decidedBy}` : ''}`,
        `title     ${JSON.stringify(e.screen?.title ?? s.title)}`,
        '',
        ...e.verdicts.map((v) => `${v.matched ? (v.ruleId === e.result.ruleId ? '=>' : ' +') : '  '} ${v.ruleId.padEnd(26)} ${v.state.padEnd(8)} ${v.evidence}`),
      ];
      ctx.stdout.write(out.join('\n') + '\n');
      return EXIT_OK;
    } finally {
      stop();
    }
  },
};
