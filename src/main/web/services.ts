import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../core.js';
import type { Logger } from '../log/logger.js';
import type { HttpServicesSetting } from '../config/schemas/servers.js';
import { startWebServer, type WebServer } from './server.js';

// The HTTP services (named queries, routing, metrics, workflow api triggers, the
// JSON-RPC API) from the desktop app: the same server `architect serve` runs, on a port
// the user chooses, behind the same kind of token. Off unless servers.yaml turns them
// on (`http: {enabled: true, port}`, followed live) or ARCHITECT_HTTP_PORT names a port
// (it wins over the file; "off" turns them off); `serve` always has them. Electron's
// main process calls keepHttpServices; tests call it under plain Node with the same core.

/** The environment variable that turns the desktop app's HTTP services on, on that port. */
export const HTTP_PORT_ENV = 'ARCHITECT_HTTP_PORT';
/** Where the desktop app keeps its services' token (owner-only), so scripts can read it. */
export const HTTP_TOKEN_FILE = 'http-token';

/**
 * The port the services take, null when they are off: ARCHITECT_HTTP_PORT when set (a
 * port, or "off"), else servers.yaml's `http` (its port when enabled). A bad variable
 * is an error saying what and where (the file's values are validated with the config).
 */
export function httpServicesPort(env: NodeJS.ProcessEnv, http?: HttpServicesSetting | null): number | null {
  const raw = env[HTTP_PORT_ENV];
  if (raw !== undefined && raw.trim() !== '') {
    if (raw.trim() === 'off') return null;
    const port = Number(raw.trim());
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${HTTP_PORT_ENV}=${JSON.stringify(raw)}: a port is a whole number 1–65535 (or "off")`);
    return port;
  }
  return http?.enabled ? http.port : null;
}

export interface HttpServices {
  server: WebServer;
  /** The token file written for this run. */
  tokenFile: string;
  stop(): Promise<void>;
}

/**
 * Serves the core's HTTP services on 127.0.0.1:port. The token is given, or read from
 * DATA_DIR/http-token (so it survives restarts), or made and written there (mode 0600).
 */
export async function startHttpServices(core: Core, opts: { port: number; dataDir: string; log: Logger; token?: string; rendererDir?: string | null }): Promise<HttpServices> {
  const tokenFile = path.join(opts.dataDir, HTTP_TOKEN_FILE);
  let token = opts.token;
  if (!token && fs.existsSync(tokenFile)) token = fs.readFileSync(tokenFile, 'utf8').trim() || undefined;
  const server = await startWebServer({
    handlers: core.handlers,
    bus: core.bus,
    log: opts.log,
    port: opts.port,
    token,
    rendererDir: opts.rendererDir ?? null,
    routes: core.routes,
    readOnly: core.info.readOnly,
  });
  fs.writeFileSync(tokenFile, `${server.token}\n`, { mode: 0o600 });
  fs.chmodSync(tokenFile, 0o600);
  opts.log.info(`HTTP services on ${server.url} (token in ${tokenFile})`);
  return { server, tokenFile, stop: () => server.close() };
}

export interface KeptHttpServices {
  /** Resolves once the services match the config in force at the call (started, or off). */
  ready: Promise<void>;
  /** The services running now, or null when they are off. */
  current(): HttpServices | null;
  stop(): Promise<void>;
}

/**
 * The desktop app's services as the config says, kept so: started when servers.yaml
 * (or ARCHITECT_HTTP_PORT) turns them on, moved when its port changes, stopped when it
 * turns them off — on every config the console applies. A port that cannot be taken
 * is logged and given to `onError` (the app shows it); the console runs on without them.
 */
export function keepHttpServices(core: Core, opts: { dataDir: string; log: Logger; env?: NodeJS.ProcessEnv; onError?: (message: string) => void }): KeptHttpServices {
  const env = opts.env ?? process.env;
  let running: HttpServices | null = null;
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const apply = (): Promise<void> => {
    chain = chain.then(async () => {
      let port: number | null = null;
      try {
        port = stopped ? null : httpServicesPort(env, core.config.snapshot()?.servers?.http);
      } catch (err) {
        report(err);
      }
      if (running && port === running.server.port) return;
      if (running) {
        await running.stop();
        opts.log.info('HTTP services stopped');
        running = null;
      }
      if (port === null) return;
      try {
        running = await startHttpServices(core, { port, dataDir: opts.dataDir, log: opts.log });
      } catch (err) {
        report(err);
      }
    });
    return chain;
  };
  const report = (err: unknown): void => {
    const message = `the HTTP services did not start: ${err instanceof Error ? err.message : String(err)}`;
    opts.log.error(message);
    opts.onError?.(message);
  };
  const off = core.config.subscribe(() => void apply());
  return {
    ready: apply(),
    current: () => running,
    stop: () => {
      stopped = true;
      off();
      return apply();
    },
  };
}
