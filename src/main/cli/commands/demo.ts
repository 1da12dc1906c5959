import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDemoFleet, DEMO_SOCKET } from '../../demo/fleet.js';
import { seedDemo } from '../../demo/seed.js';
import { createLogger } from '../../log/logger.js';
import { openStore } from '../../store/store.js';
import { serveConsole } from '../../web.js';
import { EXIT_OK, UsageError, type CliCommand } from '../command.js';

const PROGRESS_WIDTH = 30;

function progressBar(out: NodeJS.WritableStream & { isTTY?: boolean }, label: string): (done: number, total: number) => void {
  return (done, total) => {
    const filled = Math.round((done / Math.max(1, total)) * PROGRESS_WIDTH);
    const line = `${label} [${'#'.repeat(filled)}${' '.repeat(PROGRESS_WIDTH - filled)}] ${done}/${total}`;
    if (out.isTTY) out.write(`\r${line}${done >= total ? '\n' : ''}`);
    else if (done >= total) out.write(`${line}\n`);
  };
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'start a simulated agent fleet in a private tmux server and open the console on it',
  usage: `architect demo [--port N] [--socket NAME] [--keep]

  Starts tmux server "${DEMO_SOCKET}" with five scripted agents (claude, codex and
  gemini look-alikes that go idle, work, ask for approval and error), seeds a
  demo database with a day of history and a few queued tasks, and serves the
  console. Ctrl-C stops it and removes the demo's tmux server and files.

  --port N        port for the console (default: a free one)
  --socket NAME   tmux -L name of the demo's server (default ${DEMO_SOCKET})
  --keep          keep the demo folder (database, agent programs) after stopping`,
  async run(args, ctx) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, socket: { type: 'string' }, keep: { type: 'boolean' } }, strict: true, allowPositionals: false });
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (got "${values.port}")`);

    const socket = values.socket ?? DEMO_SOCKET;
    if (!/^[A-Za-z0-9_.-]+$/.test(socket)) throw new UsageError(`--socket "${socket}": a tmux -L name is letters, digits, ".", "_" and "-"`);
    // Its own folder and database: the demo never writes into the user's queue.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-demo-'));
    const dbPath = path.join(dir, 'demo.db');
    const fleet = startDemoFleet({ dir, socket });
    ctx.stdout.write(`Demo fleet: tmux -L ${fleet.socket} (attach with: tmux -L ${fleet.socket} attach -t dev_worker1)\n`);
    try {
      const log = createLogger({ level: 'warn' });
      const store = openStore({ path: dbPath, logger: log });
      try {
        seedDemo(store, { projectDir: fleet.projectDir, panes: fleet.panes(), onProgress: progressBar(ctx.stderr, 'Seeding the demo database') });
      } finally {
        store.close();
      }
      const globals = { ...ctx.globals, dbPath, tmuxSockets: [...new Set([...ctx.globals.tmuxSockets, fleet.socket])] };
      const running = await serveConsole({ globals, port });
      ctx.stdout.write(`Architect demo console: ${running.server.loginUrl}\n`);
      ctx.stdout.write(`Database: ${dbPath}. Ctrl-C stops the demo and its tmux server.\n`);
      await ctx.interrupted;
      await running.stop();
    } finally {
      fleet.stop();
      if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
    ctx.stdout.write('Demo stopped; its tmux server is gone.\n');
    return EXIT_OK;
  },
};
