// The web console's composition root: the same core as the desktop app, served to
// a browser over HTTP + one WebSocket (JSON-RPC 2.0) on loopback.
import fs from 'node:fs';
import path from 'node:path';
import { startCore, type Core } from './core.js';
import type { GlobalOptions } from './cli/command.js';
import { consoleDatabase } from './console-db.js';
import { createLogger, type Logger } from './log/logger.js';
import { logStrayRejections } from './log/stray-rejections.js';
import { projectRoot } from './paths.js';
import { startWebServer, type WebServer } from './web/server.js';

export interface ConsoleOptions {
  globals: GlobalOptions;
  port?: number;
  host?: string;
  token?: string;
  log?: Logger;
  /** Type tasks into panes (default true). */
  dispatch?: boolean;
  /** Refuse every command that changes something (`--read-only`). */
  readOnly?: boolean;
  /** Log an unhandled promise rejection and keep running, until stop (`architect serve`; not in tests). */
  survivesStrayRejections?: boolean;
  /**
   * The console listens: called once it holds its database's lock (so a URL shown here
   * means this console owns the file), before the rest of its start-up (which waits for it). `/healthz` says
   * `starting` until serveConsole resolves; requests and WebSockets meanwhile wait.
   */
  onListening?: (server: WebServer) => void | Promise<void>;
  /** Main-thread stalls longer than this are logged (ARCHITECT_STALL_LOG_MS; default STALL_THRESHOLD_MS). */
  stallLogMs?: number;
}

export interface RunningConsole {
  core: Core;
  server: WebServer;
  stop(): Promise<void>;
}

export function rendererDir(): string {
  return path.join(projectRoot(), 'out', 'renderer');
}

export { SHARED_CONSOLE_DB } from './console-db.js';

export async function serveConsole(opts: ConsoleOptions): Promise<RunningConsole> {
  const { globals } = opts;
  // Checked before anything is opened or created: a wrong --config changes nothing.
  if (!fs.existsSync(globals.configDir)) throw new Error(`config folder ${globals.configDir} does not exist (pass --config DIR or set ARCHITECT_CONFIG)`);
  const log =
    opts.log ?? createLogger({ level: globals.logLevel, file: path.join(globals.dataDir, 'logs', 'architect.jsonl') });
  let listening: WebServer | null = null;
  let core: Core;
  try {
    core = await startCore({
      configDir: globals.configDir,
      // On a shared queue (--db postgres://…) the tasks live there; this console keeps its
      // own state (sessions, attention, notifications) in a file of its data folder.
      ...consoleDatabase(globals),
      dataDir: globals.dataDir,
      env: globals.env,
      tmuxSockets: globals.tmuxSockets,
      watchDefaultTmux: globals.watchDefaultTmux,
      stallLogMs: opts.stallLogMs,
      log,
      runtime: 'node',
      transport: 'websocket',
      dispatch: opts.dispatch ?? true,
      readOnly: opts.readOnly ?? false,
      // The store is open and locked: listen now (a port in use stops the start here),
      // and start the rest while /healthz says "starting".
      afterStore: async () => {
        listening = await startWebServer({ log, host: opts.host, port: opts.port, token: opts.token, rendererDir: rendererDir(), readOnly: opts.readOnly ?? false });
        await opts.onListening?.(listening);
      },
    });
  } catch (err) {
    await (listening as WebServer | null)?.close();
    throw err;
  }
  const server = listening as WebServer | null;
  if (!server) throw new Error('internal: the core started without opening its store');
  server.ready({ handlers: core.handlers, bus: core.bus, routes: core.routes });
  core.setConsoleUrl(server.url);
  const takeBack = opts.survivesStrayRejections ? logStrayRejections(log) : () => undefined;
  return {
    core,
    server,
    stop: async () => {
      await server.close();
      await core.stop();
      takeBack();
    },
  };
}
