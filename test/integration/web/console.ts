import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startCore, type Core } from '../../../src/main/core.js';
import { silentLogger } from '../../../src/main/log/logger.js';
import { defaultConfigDir } from '../../../src/main/paths.js';
import { startWebServer, type WebServer } from '../../../src/main/web/server.js';
import { rendererDir } from '../../../src/main/web.js';
import { PrivateTmux } from '../../support/tmux.js';

const PAGE_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/renderer/index.html');

/** A real console (core + web server) on a temp database, watching only a private tmux server. */
export interface TestConsole {
  core: Core;
  server: WebServer;
  tmux: PrivateTmux;
  dir: string;
  configDir: string;
  base: string;
  stop(): Promise<void>;
}

/**
 * `page: 'source'` (the default) serves src/renderer/index.html, enough for the transport
 * tests, which run without `npm run build`; `page: 'built'` serves out/renderer, the page a
 * browser can run (test/e2e, after `npm run build`).
 */
export async function startTestConsole(opts: { copyConfig?: boolean; page?: 'source' | 'built' } = {}): Promise<TestConsole> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'architect-console-'));
  const tmux = new PrivateTmux();
  let configDir = defaultConfigDir();
  if (opts.copyConfig) {
    configDir = path.join(dir, 'config');
    fs.cpSync(defaultConfigDir(), configDir, { recursive: true, filter: (p) => !p.includes(`${path.sep}local${path.sep}`) });
  }
  const core = await startCore({
    configDir,
    dbPath: path.join(dir, 'architect.db'),
    dataDir: dir,
    env: null,
    tmuxSockets: [tmux.socket],
    watchDefaultTmux: false,
    log: silentLogger,
    runtime: 'node',
    transport: 'websocket',
  }).catch((err: unknown) => {
    tmux.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const stopCore = async (): Promise<void> => {
    await core.stop();
    tmux.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // The page's source by default: the transport tests run without `npm run build`. The
  // browser tests (test/e2e) ask for the built page, the only one a browser can run.
  let pageDir = rendererDir();
  if (opts.page !== 'built') {
    pageDir = path.join(dir, 'renderer');
    fs.mkdirSync(pageDir);
    fs.copyFileSync(PAGE_SOURCE, path.join(pageDir, 'index.html'));
  }
  // A server that will not start must not leave the core running.
  const server = await startWebServer({ handlers: core.handlers, bus: core.bus, log: silentLogger, port: 0, rendererDir: pageDir, routes: core.routes }).catch(async (err: unknown) => {
    await stopCore();
    throw err;
  });
  return {
    core,
    server,
    tmux,
    dir,
    configDir,
    base: `http://127.0.0.1:${server.port}`,
    stop: async () => {
      await server.close();
      await stopCore();
    },
  };
}

/** A JSON-RPC client over the real WebSocket, recording every notification. */
export class RpcClient {
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (msg: { result?: unknown; error?: { code: number; message: string } }) => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string } };
      if (typeof msg.id === 'number') this.waiting.get(msg.id)?.(msg);
      else if (msg.method) this.notifications.push({ method: msg.method, params: msg.params });
    });
  }

  static connect(c: TestConsole, headers: Record<string, string> = { 'x-architect-token': c.server.token }): Promise<RpcClient> {
    return RpcClient.open(c.server.port, headers);
  }

  /** To any console on this machine: one in another process (`architect serve`) too. */
  static async open(port: number, headers: Record<string, string>): Promise<RpcClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new RpcClient(ws);
  }

  call(method: string, params?: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  async waitFor(predicate: (n: { method: string; params: unknown }) => boolean, timeoutMs = 10_000): Promise<{ method: string; params: unknown }> {
    const start = Date.now();
    for (;;) {
      const hit = this.notifications.find(predicate);
      if (hit) return hit;
      if (Date.now() - start > timeoutMs) throw new Error(`no matching notification within ${timeoutMs} ms; got ${this.notifications.map((n) => n.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): void {
    this.ws.close();
  }
}
