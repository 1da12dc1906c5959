import { parseArgs } from 'node:util';
import { serveConsole } from '../../web.js';
import { DEFAULT_PORT } from '../../web/server.js';
import { isLoopbackHost } from '../../web/guard.js';
import { EXIT_OK, UsageError, type CliCommand } from '../command.js';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the console to a browser on 127.0.0.1',
  usage: `architect serve [--port N] [--host ADDR] [--token T] [--no-dispatch]

  --port N      port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDR   address to bind (default 127.0.0.1). Anything but loopback makes
                the console reachable from other machines: it prints a warning.
  --token T     use this token instead of a random one (for scripts)
  --no-dispatch watch, route and show, but never type a task into a pane
                (a second console on the same fleet, or a read-only look)`,
  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' }, 'no-dispatch': { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (got "${values.port}")`);
    const host = values.host ?? '127.0.0.1';
    if (values.token !== undefined && values.token.length < 16) throw new UsageError('--token must be at least 16 characters');
    const running = await serveConsole({ globals: ctx.globals, port, host, token: values.token, dispatch: !values['no-dispatch'] });
    if (!isLoopbackHost(host)) {
      ctx.stderr.write(`WARNING: listening on ${host}: anyone who can reach this address and has the token controls your agents.\n`);
    }
    ctx.stdout.write(`Architect web console: ${running.server.loginUrl}\n`);
    ctx.stdout.write(`(open it once; the token is then kept in a cookie. Ctrl-C stops.)\n`);
    await ctx.interrupted;
    await running.stop();
    return EXIT_OK;
  },
};
