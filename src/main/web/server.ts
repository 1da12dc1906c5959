import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Handlers } from '../../shared/api.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../log/logger.js';
import { handleRpcMessage, notification } from './jsonrpc.js';
import { serveStatic } from './static.js';
import { isLoopbackHost, isTrustedOrigin, isTrustedHostHeader, readToken, TOKEN_COOKIE } from './guard.js';

export const DEFAULT_PORT = 7420;
/** A client this far behind on events is sent no more until it drains (it re-reads on reconnect). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Largest JSON-RPC frame or HTTP body accepted. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface HttpReply {
  status: number;
  body: unknown;
  contentType?: string;
}

/** Extra token-guarded HTTP routes (query service, routing service, metrics). */
export interface HttpRoute {
  method: 'GET' | 'POST';
  /** Returns route params when the path matches, else null. */
  match(pathname: string): Record<string, string> | null;
  handle(req: { url: URL; params: Record<string, string>; body: unknown }): Promise<HttpReply> | HttpReply;
}

export interface WebServerOptions {
  handlers: Handlers;
  bus: EventBus;
  log: Logger;
  host?: string;
  port?: number;
  /** Built renderer folder (index.html + assets); when absent the page explains how to build it. */
  rendererDir?: string | null;
  token?: string;
  routes?: HttpRoute[];
}

export interface WebServer {
  url: string;
  /** The URL with the token, to open once in a browser. */
  loginUrl: string;
  port: number;
  host: string;
  token: string;
  clients(): number;
  close(): Promise<void>;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? crypto.randomBytes(24).toString('base64url');
  const log = opts.log.child({ component: 'web' });
  const routes = opts.routes ?? [];
  let port = opts.port ?? DEFAULT_PORT;

  const server = http.createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      log.error('http request failed', { url: req.url, error: err instanceof Error ? err : String(err) });
      if (!res.headersSent) send(res, 500, { error: 'internal error; see the log' });
      else res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (url.pathname === '/healthz') {
      // No token, no data: only that the process answers.
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (!isTrustedHostHeader(req.headers.host, host, port)) {
      send(res, 403, { error: 'forbidden host header' });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !isTrustedOrigin(origin, host, port)) {
      send(res, 403, { error: `origin ${origin} is not allowed` });
      return;
    }
    const presented = readToken(req.headers, url);
    if (!presented || !timingSafeEqual(presented, token)) {
      send(res, 401, { error: 'a valid token is required: open the URL printed by `architect serve`' });
      return;
    }
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      // Trade the token in the URL for a cookie, then drop it from the address bar.
      url.searchParams.delete('token');
      res.writeHead(302, {
        'set-cookie': `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`,
        location: url.pathname + url.search,
      });
      res.end();
      return;
    }
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const params = route.match(url.pathname);
      if (!params) continue;
      const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
      if (body instanceof Error) {
        send(res, 400, { error: body.message });
        return;
      }
      const reply = await route.handle({ url, params, body });
      if (reply.contentType && typeof reply.body === 'string') {
        res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
      } else {
        send(res, reply.status, reply.body);
      }
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      send(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, { error: 'method not allowed' });
      return;
    }
    serveStatic(res, opts.rendererDir ?? null, url.pathname);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/api') return reject(404, 'Not Found');
    if (!isTrustedHostHeader(req.headers.host, host, port)) return reject(403, 'Forbidden');
    const origin = req.headers.origin;
    if (origin !== undefined && !isTrustedOrigin(origin, host, port)) {
      log.warn('refused a WebSocket from a foreign origin', { origin });
      return reject(403, 'Forbidden');
    }
    const presented = readToken(req.headers, url);
    if (!presented || !timingSafeEqual(presented, token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'binary frames are not accepted' } }));
        return;
      }
      void handleRpcMessage(opts.handlers, data.toString(), log).then((reply) => {
        if (reply !== null && ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      });
    });
    ws.on('error', (err) => log.warn('websocket error', { error: err }));
  });

  const stopEvents = opts.bus.onAny((event, payload) => {
    if (wss.clients.size === 0) return;
    const frame = notification(event, payload);
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) continue;
      ws.send(frame);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}`;
  if (!isLoopbackHost(host)) {
    log.warn(`the web console listens on ${host}, reachable from other machines; anyone with the token controls your agents`);
  }

  return {
    url: base + '/',
    loginUrl: `${base}/?token=${token}`,
    port,
    host,
    token,
    clients: () => wss.clients.size,
    close: async () => {
      stopEvents();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function timingSafeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
}

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_MESSAGE_BYTES) return new Error(`request body over ${MAX_MESSAGE_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new Error('request body is not valid JSON');
  }
}
