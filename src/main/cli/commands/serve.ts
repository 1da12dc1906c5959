import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { serveConsole } from '../../web.js';
import { DEFAULT_PORT } from '../../web/server.js';
import { isLoopbackHost } from '../../web/guard.js';
import { EXIT_OK, UsageError, type CliCommand } from '../command.js';
import { stallThresholdFrom } from '../../log/watchdog.js';

/** Long enough not to be guessed; a random token is 32 characters. */
const MIN_TOKEN_CHARS = 16;
const TOKEN_CHARS = /^[A-Za-z0-9_-]+$/;

/**
 * A chosen token comes from a file or the environment, never from the command
 * line: every local user can read a process's arguments (`ps`), not its environment.
 */
export function chosenToken(values: { 'token-file'?: string }, env: NodeJS.ProcessEnv): string | undefined {
  let token: string | undefined;
  let from: string;
  if (values['token-file'] !== undefined) {
    from = `--token-file ${values['token-file']}`;
    try {
      token = fs.readFileSync(values['token-file'], 'utf8').trim();
    } catch (err) {
      throw new UsageError(`${from}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } else if (env.ARCHITECT_TOKEN) {
    from = 'ARCHITECT_TOKEN';
    token = env.ARCHITECT_TOKEN.trim();
  } else {
    return undefined;
  }
  if (token.length < MIN_TOKEN_CHARS) throw new UsageError(`${from}: the token must be at least ${MIN_TOKEN_CHARS} characters`);
  if (!TOKEN_CHARS.test(token)) throw new UsageError(`${from}: the token may hold letters, digits, "-" and "_" only`);
  return token;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the console to a browser on 127.0.0.1',
  // On a shared PostgreSQL queue: tasks routed with every other console on it (docs/database.md).
  postgres: { runs: ['serve'], accepts: () => true },
  usage: `architect serve [--port N] [--host ADDR] [--token-file FILE] [--read-only] [--no-dispatch]

  --port N          port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDR       address to bind (default 127.0.0.1). Anything but loopback makes
                    the console reachable from other machines: it prints a warning.
  --token-file FILE read the token from FILE instead of making a random one (for
                    scripts; or set ARCHITECT_TOKEN). Never on the command line: any
                    local user can read a process's arguments with ps.
  --read-only       every command that changes something is refused: no typing into
                    panes, no task or config changes (a console on a shared screen)
  --no-dispatch     watch, route and show, but never type a task into a pane`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'token-file': { type: 'string' },
        token: { type: 'string' },
        'read-only': { type: 'boolean' },
        'no-dispatch': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.token !== undefined) {
      throw new UsageError('--token is not accepted: every local user can read a command line (ps). Put the token in a file (--token-file FILE) or in ARCHITECT_TOKEN');
    }
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!/^\d+$/.test(values.port ?? '0') || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be a number from 0 to 65535 (got "${values.port}")`);
    }
    const host = values.host ?? '127.0.0.1';
    const token = chosenToken(values, process.env);
    let stallLogMs: number;
    try {
      stallLogMs = stallThresholdFrom(process.env);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    // The URL is shown as soon as the console listens, which is once it holds its
    // database's lock; the rest of the start-up follows (/healthz: "starting", then "ok").
    const running = await serveConsole({
      globals: ctx.globals,
      port,
      host,
      token,
      dispatch: !values['no-dispatch'],
      stallLogMs,
      readOnly: values['read-only'] === true,
      survivesStrayRejections: true,
      onListening: (server) => {
        if (!isLoopbackHost(host)) {
          ctx.stderr.write(`WARNING: listening on ${host}: anyone who can reach this address and has the token controls your agents.\n`);
        }
        ctx.stdout.write(`Architect web console: ${server.loginUrl}\n`);
        ctx.stdout.write(
          `(open it once per browser tab: the tab keeps the token${values['read-only'] ? '; read-only: nothing can be changed from it' : ''}. Ctrl-C stops.)\n`,
        );
      },
    });
    await ctx.interrupted;
    await running.stop();
    return EXIT_OK;
  },
};
