import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Handlers } from '../../shared/api.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { RpcConnection } from './connection.js';
import { notification } from './jsonrpc.js';
import { serveStatic, warmStatic } from './static.js';
import { allowedHosts, isLoopbackHost, isTrustedHostHeader, isTrustedOrigin, loggableUrl, readToken, RPC_SUBPROTOCOL } from './guard.js';
import { BodyTooLarge, readJsonBody, send } from './http-reply.js';

export const DEFAULT_PORT = 7420;
/** Largest JSON-RPC frame accepted. */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** WebSocket clients at once: a browser tab is one; more is a script gone wrong. */
export const MAX_CLIENTS = 64;
/** A client that has not sent its request headers by then is dropped (slowloris). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** How often those timeouts are checked (Node's default, 30 s, would let a slow client sit four times longer). */
const TIMEOUT_CHECK_MS = 2_000;
/** Open TCP connections at once, authenticated or not. */
const MAX_CONNECTIONS = 256;
const MAX_HEADERS = 100;

export interface HttpReply {
  status: number;
  body: unknown;
  contentType?: string;
  /** Server-Timing metrics of the route's own (`name;dur=MS;desc="…"`), sent before the request's total. */
  timing?: string;
}

/** Extra token-guarded HTTP routes (query service, routing service, metrics). */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** It changes something (types into an agent, queues work): refused by a --read-only console, like such commands. */
  changes?: boolean;
  /** Returns route params when the path matches, else null. */
  match(pathname: string): Record<string, string> | null;
  handle(req: { url: URL; params: Record<string, string>; body: unknown }): Promise<HttpReply> | HttpReply;
}

/** What the server serves once the console has started (the core's). */
export interface WebApp {
  handlers: Handlers;
  bus: EventBus;
  routes?: HttpRoute[];
}

export interface WebServerOptions {
  /**
   * The core's handlers and events. Without them the server starts *starting*: it
   * listens, `/healthz` says `starting` (503), and every other request and WebSocket
   * waits until `ready()` hands them over (the console opens its database and takes
   * its lock, listens, then starts the rest; see web.ts).
   */
  handlers?: Handlers;
  bus?: EventBus;
  log: Logger;
  host?: string;
  port?: number;
  /** Built renderer folder (index.html + assets); when absent the page explains how to build it. */
  rendererDir?: string | null;
  token?: string;
  routes?: HttpRoute[];
  /** Every command that changes something is refused (`architect serve --read-only`). */
  readOnly?: boolean;
}

export interface WebServer {
  url: string;
  /** The URL with the token in its fragment, to open once in a browser. */
  loginUrl: string;
  port: number;
  host: string;
  token: string;
  clients(): number;
  /** The console has started: serve it (requests held meanwhile go on now). */
  ready(app: WebApp): void;
  close(): Promise<void>;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const log = opts.log.child({ component: 'web' });
  let app: WebApp | null = null;
  let stopEvents: () => void = () => undefined;
  let markReady!: () => void;
  /** Resolves once the console has started; a request or upgrade that came earlier waits for it. */
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let routes: HttpRoute[] = [];
  let port = opts.port ?? DEFAULT_PORT;
  let allowed = new Set<string>();
  const connections = new Set<RpcConnection>();

  const server = http.createServer({ connectionsCheckingInterval: TIMEOUT_CHECK_MS }, (req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      log.error('http request failed', { url: loggableUrl(req.url), error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) send(res, 500, { error: 'internal error; see the log' });
      else res.end();
    });
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  server.maxHeadersCount = MAX_HEADERS;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Select our protocol whatever else was offered (a browser also offers its token this way).
    handleProtocols: (offered) => (offered.has(RPC_SUBPROTOCOL) ? RPC_SUBPROTOCOL : false),
  });

  /** The request's path, or null when its target is not a path (`GET http://x/`, garbage). */
  const pathOf = (req: http.IncomingMessage): string | null => {
    const raw = req.url ?? '';
    if (!raw.startsWith('/')) return null;
    try {
      return new URL(raw, 'http://console.invalid').pathname;
    } catch {
      return null;
    }
  };

  /** Host and Origin checks shared by both doors: null when the request may go on. */
  const refusal = (req: http.IncomingMessage): { status: number; error: string } | null => {
    if (!isTrustedHostHeader(req.headers.host, allowed)) return { status: 403, error: 'forbidden host header' };
    const origin = req.headers.origin;
    if (origin !== undefined && !isTrustedOrigin(origin, allowed)) return { status: 403, error: `origin ${origin.slice(0, 100)} is not allowed` };
    return null;
  };
  const hasToken = (req: http.IncomingMessage): boolean => {
    const presented = readToken(req.headers);
    return presented !== null && timingSafeEqual(presented, token);
  };

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    const pathname = pathOf(req);
    if (pathname === null) return send(res, 400, { error: 'bad request target' });
    if (pathname === '/healthz') {
      // No token, no data: only that the process answers, and whether it has started.
      if (!app) res.writeHead(503, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff', 'retry-after': '1' }).end('starting');
      else res.writeHead(200, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' }).end('ok');
      return;
    }
    if (!app) await ready;
    const refused = refusal(req);
    if (refused) return send(res, refused.status, { error: refused.error });
    const guarded = pathname.startsWith('/api/') || routes.some((r) => r.match(pathname) !== null);
    if (!guarded) {
      // The page and its scripts hold no data and no secret: served without the token
      // (the page then presents the token it was given on the WebSocket).
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
      serveStatic(res, opts.rendererDir ?? null, pathname, req);
      return;
    }
    if (!hasToken(req)) {
      return send(res, 401, { error: 'a valid token is required: send it as "Authorization: Bearer TOKEN" (the token is in the URL `architect serve` printed)' });
    }
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const params = route.match(pathname);
      if (!params) continue;
      if (route.changes && opts.readOnly) {
        return send(res, 403, { error: `${req.method} ${pathname.slice(0, 200)} changes something, and this console is read-only (started with --read-only)` });
      }
      const body = req.method === 'POST' || req.method === 'PUT' ? await readJsonBody(req, MAX_MESSAGE_BYTES) : undefined;
      if (body instanceof BodyTooLarge) {
        // The rest of the body is not read: the connection closes after this reply.
        res.setHeader('connection', 'close');
        return send(res, 413, { error: body.message });
      }
      if (body instanceof Error) return send(res, 400, { error: body.message });
      const reply = await route.handle({ url, params, body });
      // Where a request's time went, for the browser's developer tools and the bench: the
      // route's own parts, and the whole from the request's first line to the reply.
      const timing = { 'server-timing': `${reply.timing ? `${reply.timing}, ` : ''}total;dur=${(performance.now() - started).toFixed(2)}` };
      if (reply.contentType && typeof reply.body === 'string') {
        res.writeHead(reply.status, { ...timing, 'content-type': reply.contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }).end(reply.body);
      } else {
        send(res, reply.status, reply.body, timing);
      }
      return;
    }
    send(res, 404, { error: `no such endpoint: ${req.method} ${pathname.slice(0, 200)}` });
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    try {
      if (pathOf(req) !== '/api') return reject(404, 'Not Found');
      const refused = refusal(req);
      if (refused) {
        if (req.headers.origin !== undefined) log.warn('refused a WebSocket from a foreign origin', { origin: req.headers.origin.slice(0, 100) });
        return reject(refused.status, 'Forbidden');
      }
      if (!hasToken(req)) return reject(401, 'Unauthorized');
      if (connections.size >= MAX_CLIENTS) return reject(503, 'Service Unavailable');
      // A client early (the URL is printed once the console listens): its socket opens once the console has started.
      const upgrade = (): void => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      if (app) upgrade();
      else void ready.then(() => (socket.destroyed ? undefined : upgrade()));
    } catch (err) {
      log.error('a WebSocket upgrade failed', { url: loggableUrl(req.url), error: err instanceof Error ? err : String(err) });
      reject(400, 'Bad Request');
    }
  });

  wss.on('connection', (ws: WebSocket) => {
    const connection = new RpcConnection(ws, app!.handlers, log, opts.readOnly ?? false);
    connections.add(connection);
    ws.on('close', () => connections.delete(connection));
  });

  const serve = (started: WebApp): void => {
    if (app) return;
    app = started;
    routes = started.routes ?? [];
    markReady();
    // Each event is serialised and encoded once, and only when a client wants it (a
    // 100-session list nobody subscribed to costs nothing).
    stopEvents = started.bus.onAny((event, payload) => {
      let frame: Buffer | null = null;
      for (const connection of connections) {
        if (!connection.wants(event)) continue;
        frame ??= Buffer.from(notification(event, payload));
        connection.push(frame);
      }
    });
  };
  if (opts.handlers && opts.bus) serve({ handlers: opts.handlers, bus: opts.bus, routes: opts.routes });
  // The page and its scripts in memory (gzipped off the main thread) before anyone asks.
  warmStatic(opts.rendererDir ?? null);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}`;
  if (!isLoopbackHost(host)) {
    log.warn(`the web console listens on ${host}, reachable from other machines; anyone with the token controls your agents`);
  }

  return {
    url: base + '/',
    loginUrl: `${base}/#token=${token}`,
    port,
    host,
    token,
    clients: () => connections.size,
    ready: serve,
    close: async () => {
      stopEvents();
      for (const ws of wss.clients) ws.terminate();
      for (const connection of connections) connection.close();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function timingSafeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}
