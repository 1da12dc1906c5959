import fs from 'node:fs';
import path from 'node:path';
import type { Core } from '../core.js';
import type { Logger } from '../log/logger.js';
import { startWebServer, type WebServer } from './server.js';

// The HTTP services (named queries, routing, metrics, workflow api triggers, the
// JSON-RPC API) from the desktop app: the same server `architect serve` runs, on a port
// the user chooses, behind the same kind of token. Off unless a port is given
// (ARCHITECT_HTTP_PORT); `serve` always has them. Electron's main process calls
// startHttpServices; tests call it under plain Node with the same core.

/** The environment variable that turns the desktop app's HTTP services on, on that port. */
export const HTTP_PORT_ENV = 'ARCHITECT_HTTP_PORT';
/** Where the desktop app keeps its services' token (owner-only), so scripts can read it. */
export const HTTP_TOKEN_FILE = 'http-token';

/** The port asked for, null when the services are off; a bad value is an error saying what and where. */
export function httpServicesPort(env: NodeJS.ProcessEnv): number | null {
  const raw = env[HTTP_PORT_ENV];
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'off') return null;
  const port = Number(raw.trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${HTTP_PORT_ENV}=${JSON.stringify(raw)}: a port is a whole number 1–65535 (or "off")`);
  return port;
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
