import { SessionState, type Session } from '../../../shared/api.js';
import { EXIT_OK, EXIT_PROBLEM, UsageError, type CliCommand } from '../command.js';
import { cliMonitor, findSession, parseStrict } from './sessions.js';

const USAGE = `Usage: architect wait SESSION --state STATE[,STATE…] [--timeout SECONDS] [--json]
  Waits until SESSION (a name, an id server:%12, or a pane id) is in one of the states
  (${SessionState.options.join(', ')}), for shell scripts and CI.
  Exits 0 once it is (at once if it already is), 1 on timeout or when the session
  goes away, 2 on a usage error (no such session, an unknown state).
  --timeout  give up after this many seconds (default: wait for ever)
  --json     print the session as JSON when it gets there`;

export const waitCommand: CliCommand = {
  name: 'wait',
  summary: 'Wait until a session reaches a state (exit 0), or time out (exit 1)',
  usage: USAGE,
  async run(args, ctx) {
    const { values, positionals } = parseStrict({ args, options: { state: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true }, USAGE);
    if (positionals.length !== 1) throw new UsageError(`wait takes one SESSION\n${USAGE}`);
    const ref = positionals[0]!;
    if (!values.state) throw new UsageError(`--state is required\n${USAGE}`);
    const states = values.state.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = states.find((s) => !(SessionState.options as readonly string[]).includes(s));
    if (bad !== undefined || states.length === 0) throw new UsageError(`--state: "${bad ?? values.state}" is not a state (${SessionState.options.join(', ')})\n${USAGE}`);
    let timeoutMs: number | null = null;
    if (values.timeout !== undefined) {
      const seconds = Number(values.timeout);
      if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--timeout: "${values.timeout}" is not a number of seconds\n${USAGE}`);
      timeoutMs = seconds * 1000;
    }
    const json = Boolean(values.json) || ctx.globals.json;
    const monitor = cliMonitor(ctx);
    const stop = await monitor.start();
    try {
      const first = findSession(monitor.list(), ref);
      if (!first) throw new UsageError(`no session "${ref}" on ${monitor.watched.map((s) => s.name).join(', ')} (architect sessions lists them)`);
      const id = first.id;
      const done = (s: Session) => {
        ctx.stdout.write(json ? JSON.stringify(s) + '\n' : `${s.name} is ${s.state}${s.reason ? ` (${s.detail?.message ?? s.reason})` : ''}\n`);
        return EXIT_OK;
      };
      if (states.includes(first.state)) return done(first);
      return await new Promise<number>((resolve) => {
        let timer: NodeJS.Timeout | null = null;
        const finish = (code: number) => {
          unsubscribe();
          if (timer) clearTimeout(timer);
          resolve(code);
        };
        const unsubscribe = monitor.onChange((all) => {
          const s = all.find((x) => x.id === id);
          if (!s) {
            ctx.stderr.write(`architect wait: ${first.name} went away (its pane closed)\n`);
            return finish(EXIT_PROBLEM);
          }
          if (states.includes(s.state)) finish(done(s));
        });
        if (timeoutMs !== null) {
          timer = setTimeout(() => {
            const s = monitor.list().find((x) => x.id === id);
            ctx.stderr.write(`architect wait: timed out after ${values.timeout} s; ${first.name} is ${s?.state ?? 'gone'}, not ${states.join(' or ')}\n`);
            finish(EXIT_PROBLEM);
          }, timeoutMs);
        }
        void ctx.interrupted.then(() => finish(EXIT_PROBLEM));
      });
    } finally {
      stop();
    }
  },
};
